import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, applyContext, currentProgram, toApiError, unwrap } from './client';
import type { paths } from './schema';

export type Import = paths['/v1/imports/{import_id}']['get']['responses'][200]['content']['application/json'];
export type ImportListItem = paths['/v1/imports']['get']['responses'][200]['content']['application/json']['data'][number];
export type ImportStart = paths['/v1/imports/{import_id}/start']['post']['requestBody']['content']['application/json'];
export type ImportKind = Import['kind'];

export const importKeys = {
  all: () => ['imports', currentProgram()] as const,
  list: (cursor: string | undefined) => [...importKeys.all(), 'list', cursor ?? null] as const,
  one: (id: string) => [...importKeys.all(), 'one', id] as const,
};

const RUNNING = new Set(['queued', 'running']);
export const isRunning = (i: Pick<Import, 'status'>) => RUNNING.has(i.status);

export const importListQuery = (cursor?: string) =>
  queryOptions({
    queryKey: importKeys.list(cursor),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/imports', { params: { query: { limit: 10, cursor } }, signal })),
    // The list shows runs' status: it follows them while one runs.
    refetchInterval: (q) => (q.state.data?.data.some(isRunning) ? 2000 : false),
  });

/** One import; polled every second while it runs (the progress bar). */
export const importQuery = (id: string) =>
  queryOptions({
    queryKey: importKeys.one(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/imports/{import_id}', { params: { path: { import_id: id } }, signal })),
    refetchInterval: (q) => (q.state.data && isRunning(q.state.data) ? 1000 : false),
  });

const TYPE_OF: Record<string, string> = { csv: 'text/csv', tsv: 'text/tab-separated-values', jsonl: 'application/x-ndjson', ndjson: 'application/x-ndjson', json: 'application/x-ndjson' };

/** Uploads a file as it is (the body is its bytes); the answer has its columns, sample and suggested mapping. */
export async function uploadImport(client: QueryClient, file: File, kind: ImportKind): Promise<Import> {
  const ext = /\.([a-z]+)(\.gz)?$/i.exec(file.name)?.[1]?.toLowerCase() ?? '';
  const headers = new Headers({ 'content-type': TYPE_OF[ext] ?? 'application/octet-stream' });
  applyContext('POST', headers);
  const query = new URLSearchParams({ name: file.name, kind });
  let res: Response;
  try {
    res = await fetch(`/v1/imports?${query}`, { method: 'POST', headers, body: file, credentials: 'same-origin' });
  } catch {
    throw toApiError(undefined, 0);
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw toApiError(body, res.status);
  await client.invalidateQueries({ queryKey: importKeys.all() });
  return body as Import;
}

export async function startImport(client: QueryClient, id: string, body: ImportStart) {
  const out = await unwrap(api.POST('/v1/imports/{import_id}/start', { params: { path: { import_id: id } }, body }));
  client.setQueryData(importKeys.one(id), out);
  await client.invalidateQueries({ queryKey: importKeys.all() });
  return out;
}

/** The rejects file of a finished import, as a Blob to save (the program header goes with the request). */
export async function importRejects(id: string): Promise<Blob> {
  const headers = new Headers();
  applyContext('GET', headers);
  const res = await fetch(`/v1/imports/${encodeURIComponent(id)}/rejects.csv`, { headers, credentials: 'same-origin' });
  if (!res.ok) throw toApiError(await res.json().catch(() => undefined), res.status);
  return res.blob();
}
