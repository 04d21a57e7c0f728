import type { KpiReport } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { KpiCard } from '../../../packages/ui';

type Pick = (r: KpiReport) => number | null | undefined;
const mainPoints = (r: KpiReport) => r.points[0];

const KPIS: { key: string; kind: 'number' | 'percent'; pick: Pick }[] = [
  { key: 'members', kind: 'number', pick: (r) => r.members.total },
  { key: 'active', kind: 'number', pick: (r) => r.members.active },
  { key: 'participation', kind: 'percent', pick: (r) => r.purchases.participation_rate },
  { key: 'issued', kind: 'number', pick: (r) => mainPoints(r)?.issued },
  { key: 'redeemed', kind: 'number', pick: (r) => mainPoints(r)?.redeemed },
  { key: 'outstanding', kind: 'number', pick: (r) => mainPoints(r)?.outstanding },
  { key: 'redemptionRate', kind: 'percent', pick: (r) => mainPoints(r)?.redemption_rate },
  { key: 'repeatRate', kind: 'percent', pick: (r) => r.purchases.repeat_purchase_rate },
  { key: 'retention', kind: 'percent', pick: (r) => r.retention.retention_rate },
];

/** The program's KPIs over the range, each with the previous period's beside it. */
export function KpiGrid({ current, previous }: { current: KpiReport; previous: KpiReport | undefined }) {
  const { t, fmt } = useI18n();
  return (
    <div className="grid grid-kpi">
      {KPIS.map(({ key, kind, pick }) => {
        const now = pick(current);
        const before = previous ? pick(previous) : undefined;
        const show = (v: number | null | undefined) => (kind === 'percent' ? fmt.percent(v) : fmt.number(v));
        const trend = now == null || before == null || now === before ? 'flat' : now > before ? 'up' : 'down';
        return (
          <KpiCard
            key={key}
            label={t(`dashboard.kpi.${key}`)}
            value={show(now)}
            previous={previous ? show(before) : undefined}
            previousLabel={t('dashboard.previous')}
            trend={trend}
          />
        );
      })}
    </div>
  );
}
