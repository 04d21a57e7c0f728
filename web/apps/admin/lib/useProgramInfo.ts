import { useQuery } from '@tanstack/react-query';
import { programsQuery } from '../../../packages/api-client';
import { useCurrentProgram } from '../components/ProgramSwitcher';

/** The shell's program with its point currencies: the builder types money in its currency and offers those. */
export function useProgramInfo(): { currency: string; pointCurrencies: string[] } {
  const current = useCurrentProgram();
  const list = useQuery(programsQuery());
  const full = list.data?.data.find((x) => x.id === current.id);
  return { currency: current.currency, pointCurrencies: full?.point_currencies ?? ['points'] };
}
