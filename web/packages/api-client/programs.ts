import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from './client';

export const programKeys = { all: ['programs'] as const };

/** The programs the signed-in staff user may see. */
export const programsQuery = () =>
  queryOptions({
    queryKey: programKeys.all,
    queryFn: () => unwrap(api.GET('/v1/programs')),
    staleTime: 5 * 60_000,
  });
