import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiError, rewardQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { CodeUploadCard } from '../components/rewards/CodeUploadCard';
import { RedemptionsList } from '../components/rewards/RedemptionsList';
import { RewardForm } from '../components/rewards/RewardForm';
import { STATUS_TONE } from '../components/rewards/RewardsTable';
import { COUPON_KINDS } from '../lib/catalogForms';
import { useCan } from '../lib/access';
import { errorMessage } from '../lib/errors';

/** A new reward (`/rewards/new`) or one of the catalog: its form, its code pool and its redemptions. */
export function RewardPage() {
  const { t } = useI18n();
  const can = useCan();
  const { rewardId = 'new' } = useParams();
  const creating = rewardId === 'new';
  const reward = useQuery({ ...rewardQuery(rewardId), enabled: !creating });
  const back = <Link to="/rewards">{t('rewards.back')}</Link>;
  if (creating) {
    return (
      <>
        <PageHeader title={t('rewards.form.newTitle')}>
          <p>{back}</p>
        </PageHeader>
        <Card>
          <RewardForm />
        </Card>
      </>
    );
  }
  if (reward.isPending) return <Loading label={t('common.loading')} />;
  if (reward.isError) {
    if (reward.error instanceof ApiError && reward.error.status === 404) return <EmptyState title={t('rewards.notFound')}>{back}</EmptyState>;
    return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, reward.error)} retryLabel={t('common.retry')} onRetry={() => void reward.refetch()} />;
  }
  const r = reward.data;
  return (
    <>
      <PageHeader title={r.name}>
        <p>
          {back} · <Badge tone={STATUS_TONE[r.status] ?? 'neutral'}>{t(`rewards.status.${r.status}`)}</Badge> <span className="muted">{r.id}</span>
        </p>
      </PageHeader>
      <div className="reward-layout">
        <Card title={t('rewards.form.title')}>
          {r.images.length ? (
            <div className="gallery">
              {r.images.map((src) => (
                <img key={src} src={src} alt={r.name} onError={(e) => (e.currentTarget.hidden = true)} />
              ))}
            </div>
          ) : null}
          <RewardForm reward={r} readOnly={!can('PATCH /v1/rewards/:reward_id')} />
        </Card>
        <div className="stack">
          {COUPON_KINDS.includes(r.kind) ? <CodeUploadCard reward={r} canUpload={can('POST /v1/rewards/:reward_id/codes')} /> : null}
          {can('GET /v1/reward-redemptions') ? (
            <Card title={t('rewards.redemptions.ofReward')}>
              <RedemptionsList rewardId={r.id} showReward={false} />
            </Card>
          ) : null}
        </div>
      </div>
    </>
  );
}
