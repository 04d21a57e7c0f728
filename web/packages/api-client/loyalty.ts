import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type StampCard = paths['/v1/stamp-cards/{currency}']['get']['responses'][200]['content']['application/json'];
export type StampCardInput = paths['/v1/stamp-cards/{currency}']['put']['requestBody']['content']['application/json'];
export type StampProgress = paths['/v1/stamp-cards/{currency}/progress']['get']['responses'][200]['content']['application/json'];
export type ReferralSettings = paths['/v1/referrals/settings']['get']['responses'][200]['content']['application/json'];
export type ReferralSettingsInput = paths['/v1/referrals/settings']['put']['requestBody']['content']['application/json'];
export type Referral = paths['/v1/referrals']['get']['responses'][200]['content']['application/json']['data'][number];
export type TopReferrers = paths['/v1/referrals/top']['get']['responses'][200]['content']['application/json'];

export const loyaltyKeys = {
  all: () => ['loyalty', currentProgram()] as const,
  stampCards: () => [...loyaltyKeys.all(), 'stamp-cards'] as const,
  progress: (currency: string) => [...loyaltyKeys.all(), 'progress', currency] as const,
  settings: () => [...loyaltyKeys.all(), 'referral-settings'] as const,
  referrals: (cursor: string | undefined) => [...loyaltyKeys.all(), 'referrals', cursor ?? null] as const,
  top: (only: 'all' | 'ambassadors') => [...loyaltyKeys.all(), 'top', only] as const,
};

export const stampCardsQuery = () =>
  queryOptions({ queryKey: loyaltyKeys.stampCards(), queryFn: ({ signal }) => unwrap(api.GET('/v1/stamp-cards', { signal })) });

export const stampProgressQuery = (currency: string) =>
  queryOptions({
    queryKey: loyaltyKeys.progress(currency),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/stamp-cards/{currency}/progress', { params: { path: { currency } }, signal })),
  });

export const referralSettingsQuery = () =>
  queryOptions({ queryKey: loyaltyKeys.settings(), queryFn: ({ signal }) => unwrap(api.GET('/v1/referrals/settings', { signal })) });

export const referralsQuery = (cursor?: string) =>
  queryOptions({
    queryKey: loyaltyKeys.referrals(cursor),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/referrals', { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } }, signal })),
  });

export const topReferrersQuery = (only: 'all' | 'ambassadors') =>
  queryOptions({
    queryKey: loyaltyKeys.top(only),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/referrals/top', { params: { query: { limit: 10, only } }, signal })),
  });

const refresh = (client: QueryClient) => client.invalidateQueries({ queryKey: loyaltyKeys.all() });

export async function putStampCard(client: QueryClient, currency: string, body: StampCardInput) {
  const out = await unwrap(api.PUT('/v1/stamp-cards/{currency}', { params: { path: { currency } }, body }));
  await refresh(client);
  return out;
}

export async function putReferralSettings(client: QueryClient, body: ReferralSettingsInput) {
  const out = await unwrap(api.PUT('/v1/referrals/settings', { body }));
  await refresh(client);
  return out;
}
