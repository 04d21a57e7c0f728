import { createContext, useContext, useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { programsQuery, setProgram, type Program } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { EmptyState, ErrorState, Loading, SelectField } from '../../../packages/ui';
import { errorMessage } from '../lib/errors';
import { pickProgram, PROGRAM_STORAGE_KEY } from '../lib/boot';

export interface ProgramState {
  programId: string | null;
  programs: Program[];
  choose: (id: string) => void;
  fallback: ReactNode;
}

/** The chosen program (remembered in this browser), sent as Patron-Program on every call. */
export function useProgram(): ProgramState {
  const { t } = useI18n();
  const list = useQuery(programsQuery());
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(PROGRAM_STORAGE_KEY));
  const programs = list.data?.data ?? [];
  const programId = pickProgram(programs, chosen);
  setProgram(programId);
  const choose = (id: string) => {
    localStorage.setItem(PROGRAM_STORAGE_KEY, id);
    setProgram(id);
    setChosen(id);
  };
  const fallback = list.isPending ? (
    <Loading label={t('common.loading')} />
  ) : list.isError ? (
    <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
  ) : (
    <EmptyState title={t('shell.noPrograms')} />
  );
  return { programId, programs, choose, fallback };
}

export const CurrentProgram = createContext<Program | null>(null);

/** The program the screens show (the shell provides it once one is chosen). */
export function useCurrentProgram(): Program {
  const p = useContext(CurrentProgram);
  if (!p) throw new Error('useCurrentProgram outside the shell');
  return p;
}

export function ProgramSwitcher({ state }: { state: ProgramState }) {
  const { t } = useI18n();
  if (!state.programs.length) return null;
  return (
    <SelectField label={t('shell.program')} value={state.programId ?? ''} onChange={(e) => state.choose(e.target.value)}>
      {state.programs.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      ))}
    </SelectField>
  );
}
