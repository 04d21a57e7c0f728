import { useQuery } from '@tanstack/react-query';
import { currentProgram, programsQuery } from '../../../packages/api-client';

/** The chosen program's currency and point currencies (the builder types money in it and offers those). */
export function useProgramInfo(): { currency: string; pointCurrencies: string[] } | undefined {
  const list = useQuery(programsQuery());
  const p = list.data?.data.find((x) => x.id === currentProgram()) ?? list.data?.data[0];
  return p ? { currency: p.currency, pointCurrencies: p.point_currencies } : undefined;
}
