import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useI18n } from '../../../../packages/i18n';

/** A bar chart of labelled values (the heavy chart library loads with it). */
export function Bars({ data, label, color = '#4338ca', height = 260 }: { data: { label: string; value: number }[]; label: string; color?: string; height?: number }) {
  const { fmt } = useI18n();
  return (
    <figure className="chart-figure" aria-label={label}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data} margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="label" interval={0} tick={{ fontSize: 12 }} angle={data.length > 6 ? -30 : 0} textAnchor={data.length > 6 ? 'end' : 'middle'} height={data.length > 6 ? 64 : 30} />
          <YAxis tickFormatter={(v: number) => fmt.number(v)} width={64} />
          <Tooltip formatter={(v) => fmt.number(Number(v))} />
          <Bar dataKey="value" name={label} fill={color} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
export default Bars;
