import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, currentProgram, unwrap } from './client';
import type { paths } from './schema';

export type KpiParams = NonNullable<paths['/v1/analytics/kpis']['get']['parameters']['query']>;
export type KpiReport = Exclude<paths['/v1/analytics/kpis']['get']['responses'][200]['content']['application/json'], string>;

export const analyticsKeys = {
  kpis: (params: KpiParams) => ['analytics', currentProgram(), 'kpis', params] as const,
};

/** Program KPIs over a range, with one row per period (the trend). */
export const kpisQuery = (params: KpiParams) =>
  queryOptions({
    queryKey: analyticsKeys.kpis(params),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/v1/analytics/kpis', { params: { query: params }, signal }))) as KpiReport,
  });

type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P] extends { [K in M]: { responses: { 200: { content: { 'application/json': infer T } } } } } ? Exclude<T, string> : never;
export type RfmReport = Json<'/v1/analytics/rfm', 'get'>;
export type RfmMovementReport = Json<'/v1/analytics/rfm/movement', 'get'>;
export type CohortReport = Json<'/v1/analytics/cohorts', 'get'>;
export type PointsReport = Json<'/v1/analytics/points', 'get'>;
export type ClvScores = Json<'/v1/analytics/clv', 'get'>;
export type AnalysisJob = paths['/v1/analytics/jobs/{job_id}']['get']['responses'][200]['content']['application/json'];

const reportKey = (name: string, params: unknown) => ['analytics', currentProgram(), name, params] as const;

export const rfmQuery = () =>
  queryOptions({ queryKey: reportKey('rfm', null), queryFn: async ({ signal }) => (await unwrap(api.GET('/v1/analytics/rfm', { params: { query: {} }, signal }))) as RfmReport });

export const rfmMovementQuery = (from: string, to: string) =>
  queryOptions({
    queryKey: reportKey('rfm-movement', { from, to }),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/v1/analytics/rfm/movement', { params: { query: { from, to } }, signal }))) as RfmMovementReport,
  });

export const cohortsQuery = () =>
  queryOptions({ queryKey: reportKey('cohorts', null), queryFn: async ({ signal }) => (await unwrap(api.GET('/v1/analytics/cohorts', { params: { query: {} }, signal }))) as CohortReport });

export const pointsQuery = () =>
  queryOptions({ queryKey: reportKey('points', null), queryFn: async ({ signal }) => (await unwrap(api.GET('/v1/analytics/points', { params: { query: {} }, signal }))) as PointsReport });

/** The current lifetime-value scores: `limit` members by CLV, or the riskiest band's. 404 analytics.no_result before any fit. */
export const clvQuery = (params: { risk?: 'low' | 'medium' | 'high' | 'lost'; limit: number }) =>
  queryOptions({
    queryKey: reportKey('clv', params),
    queryFn: async ({ signal }) => (await unwrap(api.GET('/v1/analytics/clv', { params: { query: { ...params, order: 'clv' } }, signal }))) as ClvScores,
    retry: false,
  });

const UNFINISHED = new Set(['queued', 'running']);

/** A fit job, polled every second until it ends. */
export const jobQuery = (id: string) =>
  queryOptions({
    queryKey: reportKey('job', id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/analytics/jobs/{job_id}', { params: { path: { job_id: id } }, signal })),
    refetchInterval: (q) => (!q.state.data || UNFINISHED.has(q.state.data.status) ? 1000 : false),
  });

/** Starts a CLV fit (or answers the cached one); the scores are fetched again once it has finished. */
export async function startClvFit(client: QueryClient) {
  const job = await unwrap(api.POST('/v1/analytics/clv', { body: {} }));
  if (!UNFINISHED.has(job.status)) await client.invalidateQueries({ queryKey: ['analytics', currentProgram(), 'clv'] });
  return job;
}
