import { useQuery } from '@tanstack/react-query';
import { memberInsightsQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Card, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { rfmSegmentLabel } from '../../lib/rfm';
import { channelLabel } from '../../lib/labels';

const RISK_TONE = { low: 'good', medium: 'warn', high: 'bad', lost: 'bad' } as const;

/** What the analytics know of the member: purchases and spend, the RFM segment, churn risk, P(alive) and CLV. */
export function InsightsCard({ memberId, currency }: { memberId: string; currency: string }) {
  const { t, fmt } = useI18n();
  const insights = useQuery(memberInsightsQuery(memberId));
  return (
    <Card title={t('member.insights.title')}>
      {insights.isPending ? (
        <Loading label={t('common.loading')} />
      ) : insights.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, insights.error)} retryLabel={t('common.retry')} onRetry={() => void insights.refetch()} />
      ) : (
        <dl className="facts">
          <dt>{t('member.insights.orders')}</dt>
          <dd>{fmt.number(insights.data.orders)}</dd>
          <dt>{t('member.insights.spent')}</dt>
          <dd>{fmt.money(insights.data.spent, currency)}</dd>
          <dt>{t('member.insights.refunded')}</dt>
          <dd>{fmt.money(insights.data.refunded, currency)}</dd>
          <dt>{t('member.insights.aov')}</dt>
          <dd>{fmt.money(insights.data.average_order_value, currency)}</dd>
          <dt>{t('member.insights.lastPurchase')}</dt>
          <dd>{fmt.date(insights.data.last_purchase_at)}</dd>
          <dt>{t('member.insights.channel')}</dt>
          <dd>{channelLabel(t, insights.data.preferred_channel)}</dd>
          <dt>{t('member.insights.segment')}</dt>
          <dd>{insights.data.scores?.rfm_segment ? rfmSegmentLabel(t, insights.data.scores.rfm_segment) : '—'}</dd>
          <dt>{t('member.insights.churnRisk')}</dt>
          <dd>
            {insights.data.scores?.churn_risk ? (
              <Badge tone={RISK_TONE[insights.data.scores.churn_risk]}>
                {t(`member.insights.risk.${insights.data.scores.churn_risk}`)}
              </Badge>
            ) : (
              '—'
            )}
          </dd>
          <dt>{t('member.insights.pAlive')}</dt>
          <dd>{fmt.percent(insights.data.scores?.p_alive)}</dd>
          <dt>{t('member.insights.clv')}</dt>
          <dd>{insights.data.scores?.clv == null ? '—' : fmt.money(Math.round(insights.data.scores.clv), currency)}</dd>
          <dt>{t('member.insights.asOf')}</dt>
          <dd>{insights.data.scores ? fmt.date(insights.data.scores.as_of) : t('member.insights.noFit')}</dd>
        </dl>
      )}
    </Card>
  );
}
