import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { auditCsvUrl, auditQuery, type AuditParams } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { AUDIT_FILTERS, AuditFilters, type AuditFilterValues } from '../components/audit/AuditFilters';
import { AuditTable } from '../components/audit/AuditTable';
import { errorMessage } from '../lib/errors';
import { dayAfter } from '../lib/range';
import { useCursorPages } from '../lib/useCursorPages';
import { CursorPager } from '../components/CursorPager';

/** The API's filters of the form's values: days become instants, the last day included. */
function paramsOf(f: AuditFilterValues): Omit<AuditParams, 'cursor' | 'limit' | 'format'> {
  const p: Omit<AuditParams, 'cursor' | 'limit' | 'format'> = {};
  for (const k of ['action', 'actor_id', 'target_type', 'target_id'] as const) if (f[k].trim()) p[k] = f[k].trim();
  if (f.from) p.from = `${f.from}T00:00:00Z`;
  if (f.to) p.to = `${dayAfter(f.to)}T00:00:00Z`;
  return p;
}

/** Who changed what and when in this program, filtered, page by page, exportable as CSV. */
export function Audit() {
  const { t } = useI18n();
  const [search, setSearch] = useSearchParams();
  const filters = Object.fromEntries(AUDIT_FILTERS.map((k) => [k, search.get(k) ?? ''])) as unknown as AuditFilterValues;
  const params = paramsOf(filters);
  const workspace = filters.scope === 'workspace';
  const pages = useCursorPages(JSON.stringify([params, filters.scope]));
  const list = useQuery({ ...auditQuery({ ...params, limit: 50, ...(pages.cursor ? { cursor: pages.cursor } : {}) }, workspace), placeholderData: keepPreviousData });
  const filtered = Object.keys(params).length > 0;
  return (
    <>
      <PageHeader
        title={t('audit.title')}
        actions={
          <a className="btn btn-secondary" href={auditCsvUrl(params, workspace)} download="audit.csv">
            {t('audit.export')}
          </a>
        }
      >
        <p>{t('audit.intro')}</p>
      </PageHeader>
      <Card>
        <AuditFilters key={search.toString()} value={filters} onApply={(f) => setSearch(Object.fromEntries(Object.entries(f).filter(([, v]) => v)))} />
        {list.isPending ? (
          <Loading label={t('common.loading')} />
        ) : list.isError ? (
          <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
        ) : list.data.data.length === 0 ? (
          <EmptyState title={filtered ? t('audit.noMatch') : t('audit.empty')} />
        ) : (
          <>
            <AuditTable entries={list.data.data} showProgram={workspace} />
            <CursorPager pages={pages} next={list.data.next_cursor} />
          </>
        )}
      </Card>
    </>
  );
}
