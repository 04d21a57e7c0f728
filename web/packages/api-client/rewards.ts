import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type Reward = paths['/v1/rewards/{reward_id}']['get']['responses'][200]['content']['application/json'];
export type RewardInput = paths['/v1/rewards']['post']['requestBody']['content']['application/json'];
export type RewardPatch = paths['/v1/rewards/{reward_id}']['patch']['requestBody']['content']['application/json'];
export type RewardListParams = NonNullable<paths['/v1/rewards']['get']['parameters']['query']>;
export type RedemptionListParams = NonNullable<paths['/v1/reward-redemptions']['get']['parameters']['query']>;
export type RedemptionItem = paths['/v1/reward-redemptions']['get']['responses'][200]['content']['application/json']['data'][number];
export type Coupon = paths['/v1/coupons/{code}']['get']['responses'][200]['content']['application/json'];
export type CouponCheck = paths['/v1/coupons/validate']['post']['requestBody']['content']['application/json'];
export type CouponValidation = paths['/v1/coupons/validate']['post']['responses'][200]['content']['application/json'];
export type CodesUploaded = paths['/v1/rewards/{reward_id}/codes']['post']['responses'][201]['content']['application/json'];

export const rewardKeys = {
  all: () => ['rewards', currentProgram()] as const,
  list: (params: RewardListParams) => [...rewardKeys.all(), 'list', params] as const,
  one: (id: string) => [...rewardKeys.all(), 'one', id] as const,
  redemptions: (params: RedemptionListParams) => [...rewardKeys.all(), 'redemptions', params] as const,
  coupon: (code: string) => [...rewardKeys.all(), 'coupon', code] as const,
};

export const rewardListQuery = (params: RewardListParams) =>
  queryOptions({ queryKey: rewardKeys.list(params), queryFn: ({ signal }) => unwrap(api.GET('/v1/rewards', { params: { query: params }, signal })) });

export const rewardQuery = (id: string) =>
  queryOptions({
    queryKey: rewardKeys.one(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/rewards/{reward_id}', { params: { path: { reward_id: id } }, signal })),
  });

export const redemptionListQuery = (params: RedemptionListParams) =>
  queryOptions({
    queryKey: rewardKeys.redemptions(params),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/reward-redemptions', { params: { query: params }, signal })),
  });

export const couponQuery = (code: string) =>
  queryOptions({
    queryKey: rewardKeys.coupon(code),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/coupons/{code}', { params: { path: { code } }, signal })),
    retry: false,
    staleTime: 0,
  });

const refresh = (client: QueryClient) => client.invalidateQueries({ queryKey: rewardKeys.all() });

export async function createReward(client: QueryClient, body: RewardInput) {
  const out = await unwrap(api.POST('/v1/rewards', { body }));
  await refresh(client);
  return out;
}

export async function updateReward(client: QueryClient, id: string, body: RewardPatch) {
  const out = await unwrap(api.PATCH('/v1/rewards/{reward_id}', { params: { path: { reward_id: id } }, body }));
  await refresh(client);
  return out;
}

/** Adds codes to a reward's pool: at most 10,000 per call, as the API takes them. */
export async function uploadCodes(client: QueryClient, id: string, codes: string[]) {
  const out = await unwrap(api.POST('/v1/rewards/{reward_id}/codes', { params: { path: { reward_id: id } }, body: { codes } }));
  await refresh(client);
  return out;
}

/** Would this coupon work for this basket? Writes nothing. */
export const validateCoupon = (body: CouponCheck) => unwrap(api.POST('/v1/coupons/validate', { body }));
