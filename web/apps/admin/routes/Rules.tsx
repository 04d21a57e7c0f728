import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { ruleListQuery, type RuleListParams } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading, PageHeader, SelectField } from '../../../packages/ui';
import { RulesTable } from '../components/tables/RulesTable';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';
import { useCursorPages } from '../lib/useCursorPages';
import { CursorPager } from '../components/CursorPager';

const STATUSES = ['draft', 'active', 'archived'] as const;

/** The program's earning rules: status, version, trigger and last change; new rules start in the builder. */
export function Rules() {
  const { t } = useI18n();
  const can = useCan();
  const [params, setParams] = useSearchParams();
  const status = STATUSES.find((s) => s === params.get('status'));
  const pages = useCursorPages(status ?? '');
  const query: RuleListParams = { limit: 25, ...(status ? { status } : {}), ...(pages.cursor ? { cursor: pages.cursor } : {}) };
  const list = useQuery({ ...ruleListQuery(query), placeholderData: keepPreviousData });
  return (
    <>
      <PageHeader
        title={t('rules.title')}
        actions={can('POST /v1/rules') ? <Link className="btn btn-primary" to="/rules/new">{t('rules.create')}</Link> : null}
      >
        <p>{t('rules.intro')}</p>
      </PageHeader>
      <Card>
        <div className="row">
          <SelectField label={t('rules.filterStatus')} value={status ?? ''} onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}>
            <option value="">{t('rules.anyStatus')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`rules.status.${s}`)}
              </option>
            ))}
          </SelectField>
        </div>
        {list.isPending ? (
          <Loading label={t('common.loading')} />
        ) : list.isError ? (
          <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
        ) : list.data.data.length === 0 ? (
          <EmptyState title={status ? t('rules.noMatch') : t('rules.empty')}>{can('POST /v1/rules') && !status ? <Link to="/rules/new">{t('rules.createFirst')}</Link> : null}</EmptyState>
        ) : (
          <>
            <RulesTable rules={list.data.data} />
            <CursorPager pages={pages} next={list.data.next_cursor} />
          </>
        )}
      </Card>
    </>
  );
}
