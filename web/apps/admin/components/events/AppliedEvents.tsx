import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { ApiError, eventListQuery, type EventListParams } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { searchParamsFor } from '../../lib/search';
import { useCursorPages } from '../../lib/useCursorPages';
import { CursorPager } from '../CursorPager';
import { EventFilters, OUTCOMES, type EventFilterValues } from './EventFilters';
import { EventsTable } from './EventsTable';

const KEYS = ['type', 'member', 'outcome', 'from', 'to'] as const;

/** A member typed as an email or phone is that identity; a member id is itself. */
export function memberFilter(text: string): string | undefined {
  const m = text.trim();
  if (!m) return undefined;
  return /^mbr_/.test(m) ? m : (searchParamsFor(m).identity ?? m);
}

/** The day after a last day (YYYY-MM-DD), so that the range counts it whole; anything else as given. */
export function endOfDay(to: string): string | undefined {
  if (!to) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) : to;
}

/** What the log is asked. */
function queryOf(f: EventFilterValues): EventListParams {
  const q: EventListParams = { limit: 25 };
  if (f.type.trim()) q.type = f.type.trim();
  const member = memberFilter(f.member);
  if (member) q.member = member;
  const outcome = OUTCOMES.find((o) => o === f.outcome);
  if (outcome) q.outcome = outcome;
  if (f.from) q.from = f.from;
  const to = endOfDay(f.to);
  if (to) q.to = to;
  return q;
}

/** The applied events: every event with what it came to and which rules paid it. */
export function AppliedEvents() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(KEYS.map((k) => [k, params.get(k) ?? ''])) as unknown as EventFilterValues;
  const pages = useCursorPages(JSON.stringify(filters));
  const query = { ...queryOf(filters), ...(pages.cursor ? { cursor: pages.cursor } : {}) };
  const list = useQuery({ ...eventListQuery(query), placeholderData: keepPreviousData });
  const problem = list.error instanceof ApiError ? list.error : null;
  const field = problem?.field && (KEYS as readonly string[]).includes(problem.field) ? (problem.field as keyof EventFilterValues) : null;
  const filtered = KEYS.some((k) => filters[k]);
  return (
    <>
      <EventFilters key={params.toString()} value={filters} errors={field ? { [field]: errorMessage(t, problem) } : {}} onApply={(f) => setParams(Object.fromEntries(Object.entries(f).filter(([, v]) => v)))} />
      {list.isPending ? (
        <Loading label={t('common.loading')} />
      ) : list.isError ? (
        field ? null : <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
      ) : list.data.data.length === 0 ? (
        <EmptyState title={filtered ? t('events.noMatch') : t('events.empty')} />
      ) : (
        <>
          <EventsTable events={list.data.data} />
          <CursorPager pages={pages} next={list.data.next_cursor} />
        </>
      )}
    </>
  );
}
