import { queryOptions } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type AuditParams = NonNullable<paths['/v1/audit']['get']['parameters']['query']>;
export type AuditList = Exclude<paths['/v1/audit']['get']['responses'][200]['content']['application/json'], string>;
export type AuditEntry = AuditList['data'][number];

export const auditKeys = { list: (params: AuditParams, workspace: boolean) => ['audit', workspace ? null : currentProgram(), params] as const };

/**
 * The audit log of the current program, or with `workspace` of the whole workspace (workspace-level changes
 * such as staff users and keys, and every program the user may see): the program header is sent empty then.
 */
export const auditQuery = (params: AuditParams, workspace = false) =>
  queryOptions({
    queryKey: auditKeys.list(params, workspace),
    queryFn: async ({ signal }) =>
      (await unwrap(api.GET('/v1/audit', { params: { query: params }, signal, ...(workspace ? { headers: { 'patron-program': '' } } : {}) }))) as AuditList,
  });

/** The CSV of every entry matching the filters (of the current program, or the workspace): a plain link, the cookie is the session. */
export function auditCsvUrl(params: Omit<AuditParams, 'cursor' | 'limit' | 'format'>, workspace = false): string {
  const q = new URLSearchParams({ format: 'csv' });
  const program = currentProgram();
  if (program && !workspace) q.set('program_id', program);
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string' && v) q.set(k, v);
  return `/v1/audit?${q.toString()}`;
}
