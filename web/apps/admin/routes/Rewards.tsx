import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { rewardListQuery, type RewardListParams } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading, PageHeader, SelectField } from '../../../packages/ui';
import { RewardsNav } from '../components/rewards/RewardsNav';
import { RewardsTable } from '../components/rewards/RewardsTable';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';
import { useCursorPages } from '../lib/useCursorPages';
import { CursorPager } from '../components/CursorPager';

const STATUSES = ['active', 'inactive', 'archived'] as const;

/** The reward catalog, by status, page by page; marketers add rewards. */
export function Rewards() {
  const { t } = useI18n();
  const can = useCan();
  const [params, setParams] = useSearchParams();
  const status = STATUSES.find((s) => s === params.get('status'));
  const pages = useCursorPages(status ?? '');
  const query: RewardListParams = { limit: 25, ...(status ? { status } : {}), ...(pages.cursor ? { cursor: pages.cursor } : {}) };
  const list = useQuery({ ...rewardListQuery(query), placeholderData: keepPreviousData });
  return (
    <>
      <PageHeader title={t('rewards.title')} actions={can('POST /v1/rewards') ? <Link className="btn btn-primary" to="/rewards/new">{t('rewards.catalog.add')}</Link> : null}>
        <p>{t('rewards.intro')}</p>
      </PageHeader>
      <RewardsNav />
      <Card>
        <div className="row">
          <SelectField label={t('rewards.col.status')} value={status ?? ''} onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}>
            <option value="">{t('rewards.anyStatus')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>{t(`rewards.status.${s}`)}</option>
            ))}
          </SelectField>
        </div>
        {list.isPending ? (
          <Loading label={t('common.loading')} />
        ) : list.isError ? (
          <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
        ) : list.data.data.length === 0 ? (
          <EmptyState title={status ? t('rewards.catalog.noMatch') : t('rewards.catalog.empty')} />
        ) : (
          <>
            <RewardsTable rewards={list.data.data} />
            <CursorPager pages={pages} next={list.data.next_cursor} />
          </>
        )}
      </Card>
    </>
  );
}
