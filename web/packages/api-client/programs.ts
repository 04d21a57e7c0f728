import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { paths } from './schema';

export const programKeys = { all: ['programs'] as const };

/** The programs the signed-in staff user may see. */
export const programsQuery = () =>
  queryOptions({
    queryKey: programKeys.all,
    queryFn: () => unwrap(api.GET('/v1/programs')),
    staleTime: 5 * 60_000,
  });

export type Program = paths['/v1/programs/{program_id}']['get']['responses'][200]['content']['application/json'];
export type ProgramChange = paths['/v1/programs/{program_id}']['patch']['requestBody']['content']['application/json'];

export const programQuery = (id: string) =>
  queryOptions({
    queryKey: [...programKeys.all, id] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/programs/{program_id}', { params: { path: { program_id: id } }, signal })),
  });

/** Changes a program's name, settings or point currencies (add only). */
export async function updateProgram(client: QueryClient, id: string, body: ProgramChange) {
  const saved = await unwrap(api.PATCH('/v1/programs/{program_id}', { params: { path: { program_id: id } }, body }));
  client.setQueryData(programQuery(id).queryKey, saved);
  await client.invalidateQueries({ queryKey: programKeys.all });
  return saved;
}
