import { useI18n } from '../../../packages/i18n';
import { PageHeader } from '../../../packages/ui';
import { DowngradesCard } from '../components/tiers/DowngradesCard';
import { LevelsCard } from '../components/tiers/LevelsCard';
import { SchemeCard } from '../components/tiers/SchemeCard';
import { TierMembersCard } from '../components/tiers/TierMembersCard';

/** Tiers: the scheme and its levels, members per level, and who drops at the next review. */
export function Tiers() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('tiers.title')}>
        <p>{t('tiers.intro')}</p>
      </PageHeader>
      <div className="stack">
        <div className="grid grid-2">
          <SchemeCard />
          <TierMembersCard />
        </div>
        <LevelsCard />
        <DowngradesCard />
      </div>
    </>
  );
}
