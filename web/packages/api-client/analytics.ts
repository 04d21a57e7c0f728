import { queryOptions } from '@tanstack/react-query';
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
