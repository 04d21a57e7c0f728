import { queryOptions } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type AuditParams = NonNullable<paths['/v1/audit']['get']['parameters']['query']>;
export type AuditList = Exclude<paths['/v1/audit']['get']['responses'][200]['content']['application/json'], string>;
export type AuditEntry = AuditList['data'][number];

export const auditKeys = { list: (params: AuditParams) => ['audit', currentProgram(), params] as const };

export const auditQuery = (params: AuditParams) =>
  queryOptions({
    queryKey: auditKeys.list(params),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/v1/audit', { params: { query: params }, signal }))) as AuditList,
  });

/** The CSV of every entry matching the filters, for the current program: a plain link (the cookie is the session). */
export function auditCsvUrl(params: Omit<AuditParams, 'cursor' | 'limit' | 'format'>): string {
  const q = new URLSearchParams({ format: 'csv' });
  const program = currentProgram();
  if (program) q.set('program_id', program);
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string' && v) q.set(k, v);
  return `/v1/audit?${q.toString()}`;
}
