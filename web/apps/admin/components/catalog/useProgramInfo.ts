import { useQuery } from '@tanstack/react-query';
import { currentProgram, programsQuery } from '../../../../packages/api-client';
import { currencyDigits } from '../../lib/catalogForms';

/** The chosen program's money currency (and its minor digits) and point currencies, for the catalog's forms. */
export function useProgramInfo() {
  const programs = useQuery(programsQuery());
  const program = programs.data?.data.find((p) => p.id === currentProgram()) ?? programs.data?.data[0];
  const currency = program?.currency ?? 'GBP';
  return { currency, digits: currencyDigits(currency), pointCurrencies: program?.point_currencies ?? ['points'] };
}
