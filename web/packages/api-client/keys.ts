import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { paths } from './schema';

export type ApiKey = paths['/v1/keys']['get']['responses'][200]['content']['application/json']['data'][number];
export type KeyInput = paths['/v1/keys']['post']['requestBody']['content']['application/json'];

export const keyKeys = { all: ['keys'] as const };

export const keysQuery = () => queryOptions({ queryKey: keyKeys.all, queryFn: ({ signal }) => unwrap(api.GET('/v1/keys', { signal })) });

/** Creates a key; the answer holds its secret, shown once. */
export async function createKey(client: QueryClient, body: KeyInput) {
  const key = await unwrap(api.POST('/v1/keys', { body }));
  await client.invalidateQueries({ queryKey: keyKeys.all });
  return key;
}

export async function revokeKey(client: QueryClient, id: string) {
  const key = await unwrap(api.DELETE('/v1/keys/{key_id}', { params: { path: { key_id: id } } }));
  await client.invalidateQueries({ queryKey: keyKeys.all });
  return key;
}
