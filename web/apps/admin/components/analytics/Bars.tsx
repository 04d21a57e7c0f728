import { useI18n } from '../../../../packages/i18n';
import { Chart } from '../charts/Chart';

/** A bar chart of labelled values (the chart library loads with it). */
export function Bars({ data, label, color = '#4338ca', height = 260 }: { data: { label: string; value: number }[]; label: string; color?: string; height?: number }) {
  const { fmt } = useI18n();
  return <Chart kind="bar" label={label} labels={data.map((d) => d.label)} series={[{ label, color, values: data.map((d) => d.value) }]} format={(v) => fmt.number(v)} height={height} />;
}
export default Bars;
