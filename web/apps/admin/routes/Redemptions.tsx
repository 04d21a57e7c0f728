import { useSearchParams } from 'react-router';
import { useI18n } from '../../../packages/i18n';
import { Card, PageHeader, SelectField } from '../../../packages/ui';
import { RedemptionsList } from '../components/rewards/RedemptionsList';
import { RewardsNav } from '../components/rewards/RewardsNav';

const STATUSES = ['reserved', 'confirmed', 'cancelled', 'expired'] as const;

/** Every reward redemption of the program, newest first, by status. */
export function Redemptions() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const status = STATUSES.find((s) => s === params.get('status'));
  return (
    <>
      <PageHeader title={t('rewards.title')}>
        <p>{t('rewards.intro')}</p>
      </PageHeader>
      <RewardsNav />
      <Card title={t('rewards.redemptions.title')}>
        <div className="row">
          <SelectField label={t('rewards.col.status')} value={status ?? ''} onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}>
            <option value="">{t('rewards.anyStatus')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>{t(`rewards.redemptionStatus.${s}`)}</option>
            ))}
          </SelectField>
        </div>
        <RedemptionsList status={status} />
      </Card>
    </>
  );
}
