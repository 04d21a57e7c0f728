import { useI18n } from '../../../packages/i18n';
import { EmptyState, PageHeader } from '../../../packages/ui';

/** A screen whose page is not built yet: its title, and a plain word that it is coming. */
export function Pending({ titleKey }: { titleKey: string }) {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t(titleKey)} />
      <EmptyState title={t('common.pending')} />
    </>
  );
}
