import { useQuery } from '@tanstack/react-query';
import { currentProgram, programsQuery } from '../../../../packages/api-client';

/** The chosen program's currency (amounts of the reports are in its minor units). */
export function useCurrency(): string | undefined {
  const programs = useQuery(programsQuery());
  return programs.data?.data.find((p) => p.id === currentProgram())?.currency;
}
