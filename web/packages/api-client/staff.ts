import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { paths } from './schema';

export type StaffUser = paths['/v1/staff/{staff_id}']['get']['responses'][200]['content']['application/json'];
export type StaffInvite = paths['/v1/staff']['post']['requestBody']['content']['application/json'];
export type StaffChange = NonNullable<paths['/v1/staff/{staff_id}']['patch']['requestBody']>['content']['application/json'];

export const staffKeys = { all: ['staff'] as const, list: (cursor: string | undefined) => ['staff', 'list', cursor ?? null] as const };

export const staffListQuery = (cursor?: string) =>
  queryOptions({
    queryKey: staffKeys.list(cursor),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/staff', { params: { query: { limit: 50, cursor } }, signal })),
  });

/** Invites a staff user; the answer holds the one-time setup link, shown once. */
export async function inviteStaff(client: QueryClient, body: StaffInvite) {
  const made = await unwrap(api.POST('/v1/staff', { body }));
  await client.invalidateQueries({ queryKey: staffKeys.all });
  return made;
}

export async function changeStaff(client: QueryClient, id: string, body: StaffChange) {
  const saved = await unwrap(api.PATCH('/v1/staff/{staff_id}', { params: { path: { staff_id: id } }, body }));
  await client.invalidateQueries({ queryKey: staffKeys.all });
  return saved;
}

/** A new one-time link to set the password (24 hours). */
export const resetStaffPassword = (id: string) => unwrap(api.POST('/v1/staff/{staff_id}/reset-password', { params: { path: { staff_id: id } } }));
