import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ApiError, memberReferralQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

/** The member's referral code, who referred them, and how their own referrals went. */
export function ReferralCard({ memberId }: { memberId: string }) {
  const { t, fmt } = useI18n();
  const referral = useQuery(memberReferralQuery(memberId));
  return (
    <Card title={t('member.referral.title')}>
      {referral.isPending ? (
        <Loading label={t('common.loading')} />
      ) : referral.isError && referral.error instanceof ApiError && (referral.error.status === 404 || referral.error.status === 409) ? (
        <EmptyState title={t('member.referral.off')} />
      ) : referral.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, referral.error)} retryLabel={t('common.retry')} onRetry={() => void referral.refetch()} />
      ) : (
        <dl className="facts">
          <dt>{t('member.referral.code')}</dt>
          <dd>
            <code>{referral.data.code}</code>
          </dd>
          <dt>{t('member.referral.referredBy')}</dt>
          <dd>{referral.data.referred_by ? <Link to={`/members/${referral.data.referred_by.referrer_id}`}>{referral.data.referred_by.referrer_id}</Link> : '—'}</dd>
          <dt>{t('member.referral.referred')}</dt>
          <dd>{fmt.number(referral.data.stats.referred)}</dd>
          <dt>{t('member.referral.qualified')}</dt>
          <dd>{fmt.number(referral.data.stats.qualified)}</dd>
          <dt>{t('member.referral.pending')}</dt>
          <dd>{fmt.number(referral.data.stats.pending)}</dd>
          <dt>{t('member.referral.rewarded')}</dt>
          <dd>{fmt.number(referral.data.stats.rewarded)}</dd>
        </dl>
      )}
    </Card>
  );
}
