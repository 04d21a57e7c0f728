import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { KpiReport } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { EmptyState } from '../../../packages/ui';

/** Members joining, buying and orders per period. */
export function TrendChart({ report }: { report: KpiReport }) {
  const { t, fmt } = useI18n();
  const label = report.period === 'week' ? fmt.day : fmt.month;
  const rows = report.series.map((p) => ({ period: p.period, new_members: p.new_members, buyers: p.buyers, orders: p.member_orders }));
  if (!rows.length) return <EmptyState title={t('dashboard.noTrend')} />;
  return (
    <figure className="chart" aria-label={t('dashboard.trend')} style={{ margin: 0 }}>
      <ResponsiveContainer width="100%" height={300}>
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="period" tickFormatter={label} />
          <YAxis tickFormatter={(v: number) => fmt.number(v)} width={64} />
          <Tooltip labelFormatter={(v) => label(String(v))} formatter={(v) => fmt.number(Number(v))} />
          <Legend />
          <Line type="monotone" dataKey="new_members" name={t('dashboard.series.newMembers')} stroke="#4338ca" strokeWidth={2} dot={false} isAnimationActive={false} />
          <Line type="monotone" dataKey="buyers" name={t('dashboard.series.buyers')} stroke="#0f7a4a" strokeWidth={2} dot={false} isAnimationActive={false} />
          <Line type="monotone" dataKey="orders" name={t('dashboard.series.orders')} stroke="#b45309" strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
