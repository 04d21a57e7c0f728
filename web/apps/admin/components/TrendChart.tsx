import type { KpiReport } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { EmptyState } from '../../../packages/ui';
import { Chart } from './charts/Chart';

/** Members joining, buying and orders per period. */
export function TrendChart({ report }: { report: KpiReport }) {
  const { t, fmt } = useI18n();
  const label = report.period === 'week' ? fmt.day : fmt.month;
  if (!report.series.length) return <EmptyState title={t('dashboard.noTrend')} />;
  return (
    <Chart
      kind="line"
      label={t('dashboard.trend')}
      labels={report.series.map((p) => label(p.period))}
      series={[
        { label: t('dashboard.series.newMembers'), color: '#4338ca', values: report.series.map((p) => p.new_members) },
        { label: t('dashboard.series.buyers'), color: '#0f7a4a', values: report.series.map((p) => p.buyers) },
        { label: t('dashboard.series.orders'), color: '#b45309', values: report.series.map((p) => p.member_orders) },
      ]}
      format={(v) => fmt.number(v)}
      xLabel={report.period === 'week' ? t('dashboard.weeks') : t('dashboard.months')}
      height={300}
    />
  );
}
