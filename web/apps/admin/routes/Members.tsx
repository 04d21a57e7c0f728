import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { memberListQuery, tierLevelsQuery, type MemberListParams } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { MemberSearchForm } from '../components/forms/MemberSearchForm';
import { MembersTable } from '../components/tables/MembersTable';
import { errorMessage } from '../lib/errors';
import { searchParamsFor } from '../lib/search';
import { useCursorPages } from '../lib/useCursorPages';
import { CursorPager } from '../components/CursorPager';
import { useCan } from '../lib/access';

const STATUSES = ['active', 'suspended', 'erased'] as const;

export function Members() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const can = useCan();
  const filters = { search: params.get('search') ?? '', tag: params.get('tag') ?? '', status: params.get('status') ?? '', tier: params.get('tier') ?? '' };
  const levels = useQuery({ ...tierLevelsQuery(), enabled: can('GET /v1/tiers/levels') });
  const pages = useCursorPages(JSON.stringify(filters));
  const status = STATUSES.find((s) => s === filters.status);
  const query: MemberListParams = { limit: 25, ...searchParamsFor(filters.search), ...(filters.tag ? { tag: filters.tag } : {}), ...(status ? { status } : {}), ...(filters.tier ? { tier: filters.tier } : {}), ...(pages.cursor ? { cursor: pages.cursor } : {}) };
  const list = useQuery({ ...memberListQuery(query), placeholderData: keepPreviousData });
  return (
    <>
      <PageHeader title={t('members.title')} />
      <Card>
        <MemberSearchForm key={params.toString()} value={filters} tiers={levels.data?.data ?? []} onSearch={(f) => setParams(Object.fromEntries(Object.entries(f).filter(([, v]) => v)))} />
        {list.isPending ? (
          <Loading label={t('common.loading')} />
        ) : list.isError ? (
          <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
        ) : list.data.data.length === 0 ? (
          <EmptyState title={filters.search || filters.tag || filters.status || filters.tier ? t('members.noMatch') : t('members.empty')} />
        ) : (
          <>
            <MembersTable members={list.data.data} />
            <CursorPager pages={pages} next={list.data.next_cursor} />
          </>
        )}
      </Card>
    </>
  );
}
