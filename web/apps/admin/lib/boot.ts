import { kpisQuery, programsQuery, sessionQuery, setProgram, type Program } from '../../../packages/api-client';
import { queryClient } from './query';

/** Where the chosen program is remembered in this browser. */
export const PROGRAM_STORAGE_KEY = 'patron.program';

/** The program the console shows: the one chosen last in this browser if the user may still see it, else the first. */
export function pickProgram(programs: readonly Program[], remembered: string | null): string | null {
  return programs.find((p) => p.id === remembered)?.id ?? programs[0]?.id ?? null;
}

/**
 * What the first screen waits for, asked as the page starts rather than after its code has loaded and rendered:
 * the session, then the programs, and — for the dashboard opened bare — its KPIs. The screens ask the same
 * queries and find them in the cache or in flight.
 */
export function prefetchFirstScreen(location: Pick<Location, 'pathname' | 'search'>): void {
  const dashboard = /^\/admin\/?$/.test(location.pathname) && location.search === '';
  void (async () => {
    const session = await queryClient.fetchQuery(sessionQuery());
    if (!session) return;
    const programs = await queryClient.fetchQuery(programsQuery());
    const id = pickProgram(programs.data, globalThis.localStorage?.getItem(PROGRAM_STORAGE_KEY) ?? null);
    if (!dashboard || !id || !session.permissions.includes('GET /v1/analytics/kpis')) return;
    setProgram(id);
    await queryClient.prefetchQuery(kpisQuery({ period: 'month' }));
  })().catch(() => undefined);
}
