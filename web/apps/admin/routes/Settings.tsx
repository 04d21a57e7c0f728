import { useQuery } from '@tanstack/react-query';
import { programQuery } from '../../../packages/api-client';
import { useCurrentProgram } from '../components/ProgramSwitcher';
import { useI18n } from '../../../packages/i18n';
import { ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { CurrenciesCard } from '../components/settings/CurrenciesCard';
import { SettingsFormCard } from '../components/settings/SettingsFormCard';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';

/** The program's settings: every role reads them, owners and admins change them. */
export function Settings() {
  const { t } = useI18n();
  const current = useCurrentProgram();
  const can = useCan();
  const program = useQuery(programQuery(current.id));
  const canEdit = can('PATCH /v1/programs/:program_id');
  return (
    <>
      <PageHeader title={t('settings.title')}>
        <p>{canEdit ? t('settings.intro') : t('settings.readOnly')}</p>
      </PageHeader>
      {program.isPending ? (
        <Loading label={t('common.loading')} />
      ) : program.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, program.error)} retryLabel={t('common.retry')} onRetry={() => void program.refetch()} />
      ) : (
        <div className="stack">
          <SettingsFormCard program={program.data} canEdit={canEdit} />
          <CurrenciesCard program={program.data} canEdit={canEdit} />
        </div>
      )}
    </>
  );
}
