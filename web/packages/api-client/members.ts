import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type MemberListParams = NonNullable<paths['/v1/members']['get']['parameters']['query']>;
export type Member = paths['/v1/members/{member_id}']['get']['responses'][200]['content']['application/json'];
export type Balance = paths['/v1/members/{member_id}/balance']['get']['responses'][200]['content']['application/json'];
export type Transaction = paths['/v1/members/{member_id}/transactions']['get']['responses'][200]['content']['application/json']['data'][number];
export type Order = paths['/v1/members/{member_id}/orders']['get']['responses'][200]['content']['application/json']['data'][number];
export type MemberInsights = paths['/v1/analytics/members/{member_id}']['get']['responses'][200]['content']['application/json'];
export type MemberUpdate = NonNullable<paths['/v1/members/{member_id}']['patch']['requestBody']>['content']['application/json'];
export type TierGrant = NonNullable<paths['/v1/members/{member_id}/tier']['post']['requestBody']>['content']['application/json'];
export type AdjustmentInput = NonNullable<paths['/v1/members/{member_id}/adjustments']['post']['requestBody']>['content']['application/json'];

export const memberKeys = {
  all: () => ['members', currentProgram()] as const,
  list: (params: MemberListParams) => [...memberKeys.all(), 'list', params] as const,
  one: (id: string) => [...memberKeys.all(), 'one', id] as const,
  balance: (id: string) => [...memberKeys.one(id), 'balance'] as const,
  transactions: (id: string, cursor: string | undefined) => [...memberKeys.one(id), 'transactions', cursor ?? null] as const,
  tier: (id: string) => [...memberKeys.one(id), 'tier'] as const,
  orders: (id: string, cursor: string | undefined) => [...memberKeys.one(id), 'orders', cursor ?? null] as const,
  insights: (id: string) => [...memberKeys.one(id), 'insights'] as const,
  referral: (id: string) => [...memberKeys.one(id), 'referral'] as const,
};

export const memberListQuery = (params: MemberListParams) =>
  queryOptions({
    queryKey: memberKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/members', { params: { query: params }, signal })),
  });

export const memberQuery = (id: string) =>
  queryOptions({
    queryKey: memberKeys.one(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/members/{member_id}', { params: { path: { member_id: id } }, signal })),
  });

export const balanceQuery = (id: string) =>
  queryOptions({
    queryKey: memberKeys.balance(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/members/{member_id}/balance', { params: { path: { member_id: id } }, signal })),
  });

export const transactionsQuery = (id: string, cursor?: string) =>
  queryOptions({
    queryKey: memberKeys.transactions(id, cursor),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/members/{member_id}/transactions', { params: { path: { member_id: id }, query: { limit: 20, cursor } }, signal })),
  });

export const memberTierQuery = (id: string) =>
  queryOptions({
    queryKey: memberKeys.tier(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/members/{member_id}/tier', { params: { path: { member_id: id } }, signal })),
    retry: false,
  });

/** Credits or debits a member's points; the balance and the timeline are fetched again. */
export async function adjustPoints(client: QueryClient, id: string, body: AdjustmentInput) {
  const txn = await unwrap(api.POST('/v1/members/{member_id}/adjustments', { params: { path: { member_id: id } }, body }));
  await client.invalidateQueries({ queryKey: memberKeys.one(id) });
  return txn;
}

export const memberOrdersQuery = (id: string, cursor?: string) =>
  queryOptions({
    queryKey: memberKeys.orders(id, cursor),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/members/{member_id}/orders', { params: { path: { member_id: id }, query: { limit: 10, cursor } }, signal })),
  });

/** What the analytics know of the member: orders, spend, RFM scores, P(alive), churn risk, CLV. */
export const memberInsightsQuery = (id: string) =>
  queryOptions({
    queryKey: memberKeys.insights(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/analytics/members/{member_id}', { params: { path: { member_id: id } }, signal })),
  });

export const memberReferralQuery = (id: string) =>
  queryOptions({
    queryKey: memberKeys.referral(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/members/{member_id}/referral', { params: { path: { member_id: id } }, signal })),
    retry: false,
  });

/** Changes a member (tags, status, profile); the member's page is fetched again. */
export async function updateMember(client: QueryClient, id: string, body: MemberUpdate) {
  const m = await unwrap(api.PATCH('/v1/members/{member_id}', { params: { path: { member_id: id } }, body }));
  await client.invalidateQueries({ queryKey: memberKeys.one(id) });
  return m;
}

export async function grantTier(client: QueryClient, id: string, body: TierGrant) {
  const tier = await unwrap(api.POST('/v1/members/{member_id}/tier', { params: { path: { member_id: id } }, body }));
  await client.invalidateQueries({ queryKey: memberKeys.one(id) });
  return tier;
}

/** Erases the member's personal data on their request (the ledger keeps its anonymous history). */
export async function eraseMember(client: QueryClient, id: string) {
  const m = await unwrap(api.POST('/v1/members/{member_id}/erase', { params: { path: { member_id: id } } }));
  await client.invalidateQueries({ queryKey: memberKeys.all() });
  return m;
}
