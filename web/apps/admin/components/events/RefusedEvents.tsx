import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { ApiError, eventRefusalListQuery, type EventRefusalParams } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { useCursorPages } from '../../lib/useCursorPages';
import { CursorPager } from '../CursorPager';
import { endOfDay, memberFilter } from './AppliedEvents';
import { RefusalFilters, type RefusalFilterValues } from './EventFilters';
import { RefusalsTable } from './RefusalsTable';

const KEYS = ['type', 'member', 'code', 'event_id', 'from', 'to'] as const;

function queryOf(f: RefusalFilterValues): EventRefusalParams {
  const q: EventRefusalParams = { limit: 25 };
  if (f.type.trim()) q.type = f.type.trim();
  const member = memberFilter(f.member);
  if (member) q.member = member;
  if (f.code) q.code = f.code;
  if (f.event_id.trim()) q.event_id = f.event_id.trim();
  if (f.from) q.from = f.from;
  const to = endOfDay(f.to);
  if (to) q.to = to;
  return q;
}

/** The refused events: what was sent, whose it was and why it was refused, newest first. */
export function RefusedEvents() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(KEYS.map((k) => [k, params.get(k) ?? ''])) as unknown as RefusalFilterValues;
  const pages = useCursorPages(JSON.stringify(filters));
  const query = { ...queryOf(filters), ...(pages.cursor ? { cursor: pages.cursor } : {}) };
  const list = useQuery({ ...eventRefusalListQuery(query), placeholderData: keepPreviousData });
  const problem = list.error instanceof ApiError ? list.error : null;
  const field = problem?.field && (KEYS as readonly string[]).includes(problem.field) ? (problem.field as keyof RefusalFilterValues) : null;
  const filtered = KEYS.some((k) => filters[k]);
  const apply = (f: RefusalFilterValues) => setParams({ view: 'refused', ...Object.fromEntries(Object.entries(f).filter(([, v]) => v)) });
  return (
    <>
      <RefusalFilters key={params.toString()} value={filters} errors={field ? { [field]: errorMessage(t, problem) } : {}} onApply={apply} />
      {list.isPending ? (
        <Loading label={t('common.loading')} />
      ) : list.isError ? (
        field ? null : <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
      ) : list.data.data.length === 0 ? (
        <EmptyState title={filtered ? t('events.refused.noMatch') : t('events.refused.empty')} />
      ) : (
        <>
          <RefusalsTable refusals={list.data.data} />
          <CursorPager pages={pages} next={list.data.next_cursor} />
        </>
      )}
    </>
  );
}
