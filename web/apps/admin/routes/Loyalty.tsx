import { useI18n } from '../../../packages/i18n';
import { PageHeader } from '../../../packages/ui';
import { ReferralSettingsCard } from '../components/loyalty/ReferralSettingsCard';
import { ReferralsCard } from '../components/loyalty/ReferralsCard';
import { StampCardsCard } from '../components/loyalty/StampCardsCard';
import { TopReferrersCard } from '../components/loyalty/TopReferrersCard';

/** Stamp cards and their progress; referral settings, top referrers and ambassadors, and the referrals. */
export function Loyalty() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('loyalty.title')}>
        <p>{t('loyalty.intro')}</p>
      </PageHeader>
      <div className="stack">
        <StampCardsCard />
        <ReferralSettingsCard />
        <TopReferrersCard />
        <ReferralsCard />
      </div>
    </>
  );
}
