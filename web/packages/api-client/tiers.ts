import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type TierScheme = paths['/v1/tiers/scheme']['get']['responses'][200]['content']['application/json'];
export type TierSchemeInput = paths['/v1/tiers/scheme']['put']['requestBody']['content']['application/json'];
export type TierLevel = paths['/v1/tiers/levels']['get']['responses'][200]['content']['application/json']['data'][number];
export type TierLevelInput = paths['/v1/tiers/levels']['post']['requestBody']['content']['application/json'];
export type TierLevelPatch = paths['/v1/tiers/levels/{level_id}']['patch']['requestBody']['content']['application/json'];
export type TierSummary = paths['/v1/tiers/summary']['get']['responses'][200]['content']['application/json'];
export type Downgrade = paths['/v1/tiers/downgrades']['get']['responses'][200]['content']['application/json']['data'][number];

export const tierKeys = {
  all: () => ['tiers', currentProgram()] as const,
  scheme: () => [...tierKeys.all(), 'scheme'] as const,
  levels: () => [...tierKeys.all(), 'levels'] as const,
  summary: () => [...tierKeys.all(), 'summary'] as const,
  downgrades: (cursor: string | undefined) => [...tierKeys.all(), 'downgrades', cursor ?? null] as const,
};

export const tierSchemeQuery = () =>
  queryOptions({
    queryKey: tierKeys.scheme(),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/tiers/scheme', { signal })),
    retry: false,
  });

export const tierLevelsQuery = () =>
  queryOptions({ queryKey: tierKeys.levels(), queryFn: ({ signal }) => unwrap(api.GET('/v1/tiers/levels', { signal })) });

export const tierSummaryQuery = () =>
  queryOptions({ queryKey: tierKeys.summary(), queryFn: ({ signal }) => unwrap(api.GET('/v1/tiers/summary', { signal })) });

export const downgradesQuery = (cursor?: string) =>
  queryOptions({
    queryKey: tierKeys.downgrades(cursor),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/tiers/downgrades', { params: { query: { limit: 20, within_days: 90, ...(cursor ? { cursor } : {}) } }, signal })),
  });

const refresh = (client: QueryClient) => client.invalidateQueries({ queryKey: tierKeys.all() });

export async function putTierScheme(client: QueryClient, body: TierSchemeInput) {
  const out = await unwrap(api.PUT('/v1/tiers/scheme', { body }));
  await refresh(client);
  return out;
}

export async function createTierLevel(client: QueryClient, body: TierLevelInput) {
  const out = await unwrap(api.POST('/v1/tiers/levels', { body }));
  await refresh(client);
  return out;
}

export async function updateTierLevel(client: QueryClient, id: string, body: TierLevelPatch) {
  const out = await unwrap(api.PATCH('/v1/tiers/levels/{level_id}', { params: { path: { level_id: id } }, body }));
  await refresh(client);
  return out;
}

export async function deleteTierLevel(client: QueryClient, id: string) {
  const out = await unwrap(api.DELETE('/v1/tiers/levels/{level_id}', { params: { path: { level_id: id } } }));
  await refresh(client);
  return out;
}
