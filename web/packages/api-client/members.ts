import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type MemberListParams = NonNullable<paths['/v1/members']['get']['parameters']['query']>;
export type Member = paths['/v1/members/{member_id}']['get']['responses'][200]['content']['application/json'];
export type Balance = paths['/v1/members/{member_id}/balance']['get']['responses'][200]['content']['application/json'];
export type Transaction = paths['/v1/members/{member_id}/transactions']['get']['responses'][200]['content']['application/json']['data'][number];
export type AdjustmentInput = NonNullable<paths['/v1/members/{member_id}/adjustments']['post']['requestBody']>['content']['application/json'];

export const memberKeys = {
  all: () => ['members', currentProgram()] as const,
  list: (params: MemberListParams) => [...memberKeys.all(), 'list', params] as const,
  one: (id: string) => [...memberKeys.all(), 'one', id] as const,
  balance: (id: string) => [...memberKeys.one(id), 'balance'] as const,
  transactions: (id: string, cursor: string | undefined) => [...memberKeys.one(id), 'transactions', cursor ?? null] as const,
  tier: (id: string) => [...memberKeys.one(id), 'tier'] as const,
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
