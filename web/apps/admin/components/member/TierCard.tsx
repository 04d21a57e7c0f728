import { useQuery } from '@tanstack/react-query';
import { ApiError, memberTierQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

/** The member's level and the way to the next; a program without a tier scheme shows that instead. */
export function TierCard({ memberId }: { memberId: string }) {
  const { t, fmt } = useI18n();
  const tier = useQuery(memberTierQuery(memberId));
  return (
    <Card title={t('member.tier')}>
      {tier.isPending ? (
        <Loading label={t('common.loading')} />
      ) : tier.isError && !(tier.error instanceof ApiError && (tier.error.status === 404 || tier.error.status === 409)) ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, tier.error)} />
      ) : tier.isError || !tier.data ? (
        <EmptyState title={t('member.noTierScheme')} />
      ) : (
        <dl className="facts">
          <dt>{t('member.level')}</dt>
          <dd>{tier.data.level?.name ?? t('member.noLevel')}</dd>
          <dt>{t('member.progress')}</dt>
          <dd>{fmt.number(tier.data.metric_value)}</dd>
          <dt>{t('member.nextLevel')}</dt>
          <dd>{tier.data.next_level ? t('member.toNext', { name: tier.data.next_level.name, amount: fmt.number(tier.data.next_level.amount_needed) }) : '—'}</dd>
          <dt>{t('member.review')}</dt>
          <dd>{fmt.date(tier.data.review_at ?? tier.data.period_end)}</dd>
        </dl>
      )}
    </Card>
  );
}
