import { useCurrentProgram } from '../components/ProgramSwitcher';
import { currencyDigits } from './catalogForms';

/** The shell's program: its money currency (and that currency's minor digits) and its point currencies. */
export function useProgramInfo(): { currency: string; digits: number; pointCurrencies: string[] } {
  const p = useCurrentProgram();
  return { currency: p.currency, digits: currencyDigits(p.currency), pointCurrencies: p.point_currencies };
}
