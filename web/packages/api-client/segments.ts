import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, applyContext, currentProgram, toApiError, unwrap } from './client';
import type { paths } from './schema';

type SegmentsPath = paths['/v1/analytics/segments'];
type OnePath = paths['/v1/analytics/segments/{segment_id}'];

export type Segment = OnePath['get']['responses'][200]['content']['application/json'];
export type SegmentInput = SegmentsPath['post']['requestBody']['content']['application/json'];
export type SegmentPatch = NonNullable<OnePath['patch']['requestBody']>['content']['application/json'];
export type SegmentPreview = paths['/v1/analytics/segments/preview']['post']['responses'][200]['content']['application/json'];
export type SegmentMembers = paths['/v1/analytics/segments/{segment_id}/members']['get']['responses'][200]['content']['application/json'];
export type SegmentMember = SegmentMembers['data'][number];

export const segmentKeys = {
  all: () => ['segments', currentProgram()] as const,
  list: (cursor: string | undefined) => [...segmentKeys.all(), 'list', cursor ?? null] as const,
  one: (id: string) => [...segmentKeys.all(), 'one', id] as const,
  members: (id: string, cursor: string | undefined) => [...segmentKeys.one(id), 'members', cursor ?? null] as const,
  preview: (conditions: string) => [...segmentKeys.all(), 'preview', conditions] as const,
};

export const segmentListQuery = (cursor?: string) =>
  queryOptions({
    queryKey: segmentKeys.list(cursor),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/analytics/segments', { params: { query: { limit: 25, cursor } }, signal })),
  });

export const segmentQuery = (id: string) =>
  queryOptions({
    queryKey: segmentKeys.one(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/analytics/segments/{segment_id}', { params: { path: { segment_id: id } }, signal })),
  });

export const segmentMembersQuery = (id: string, cursor?: string) =>
  queryOptions({
    queryKey: segmentKeys.members(id, cursor),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/analytics/segments/{segment_id}/members', { params: { path: { segment_id: id }, query: { limit: 25, cursor } }, signal })),
  });

/** The size and a sample of an unsaved definition; `conditions` is its JSON (the cache key). Writes nothing. */
export const segmentPreviewQuery = (conditions: string) =>
  queryOptions({
    queryKey: segmentKeys.preview(conditions),
    queryFn: ({ signal }) =>
      unwrap(api.POST('/v1/analytics/segments/preview', { body: { conditions: JSON.parse(conditions) as SegmentInput['conditions'], sample_size: 10 }, signal })),
    retry: false,
    staleTime: 10_000,
  });

export async function createSegment(client: QueryClient, body: SegmentInput) {
  const made = await unwrap(api.POST('/v1/analytics/segments', { body }));
  await client.invalidateQueries({ queryKey: segmentKeys.all() });
  return made;
}

export async function updateSegment(client: QueryClient, id: string, body: SegmentPatch) {
  const saved = await unwrap(api.PATCH('/v1/analytics/segments/{segment_id}', { params: { path: { segment_id: id } }, body }));
  await client.invalidateQueries({ queryKey: segmentKeys.all() });
  return saved;
}

export async function deleteSegment(client: QueryClient, id: string) {
  const gone = await unwrap(api.DELETE('/v1/analytics/segments/{segment_id}', { params: { path: { segment_id: id } } }));
  await client.invalidateQueries({ queryKey: segmentKeys.all() });
  return gone;
}

/**
 * Downloads a CSV the API streams: fetched with the session cookie and the program header (a plain link cannot
 * send the header), then handed to the browser as a file.
 */
export async function downloadCsv(url: string, filename: string): Promise<void> {
  const headers = new Headers({ accept: 'text/csv' });
  applyContext('GET', headers);
  const res = await fetch(url, { headers, credentials: 'same-origin' });
  if (!res.ok) throw toApiError(await res.json().catch(() => undefined), res.status);
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export const segmentCsvUrl = (id: string) => `/v1/analytics/segments/${encodeURIComponent(id)}/members.csv`;
