import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

export interface ChartProps {
  kind: 'line' | 'bar';
  /** What the chart shows, for assistive technology (the figure's label and the caption of its table). */
  label: string;
  /** One label per point along the x axis (a period, a band). */
  labels: string[];
  series: ChartSeries[];
  /** Formats a value on the y axis, in the legend and in the table. */
  format: (n: number) => string;
  /** What the x axis counts (month, week, band): the legend's first cell. */
  xLabel?: string;
  height?: number;
}

/** 1, 2, 5, 10, 20, 50, … up to 5e15. */
const WHOLE_STEPS = Array.from({ length: 16 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

/**
 * A line or bar chart on a canvas (uPlot: a few tens of kilobytes, where the SVG chart libraries weigh hundreds),
 * with its legend showing the values under the cursor, and the same figures as a table for screen readers.
 */
export function Chart({ kind, label, labels, series, format, xLabel, height = 280 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  // The latest formatter, without making a new chart each render for a new function.
  const fmt = useRef(format);
  fmt.current = format;
  const data = JSON.stringify({ kind, labels, series, height, xLabel });

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const { kind, labels, series, height, xLabel } = JSON.parse(data) as Required<Pick<ChartProps, 'kind' | 'labels' | 'series' | 'height'>> & { xLabel?: string };
    const many = labels.length > 8;
    const tick = (_u: uPlot, splits: number[]) => splits.map((v) => (Number.isInteger(v) ? (labels[v] ?? '') : ''));
    const value = (_u: uPlot, v: number | null) => (v == null ? '–' : fmt.current(v));
    const bars = kind === 'bar' ? uPlot.paths.bars!({ size: [0.7, 72] }) : undefined;
    const plot = new uPlot(
      {
        width: el.clientWidth || 640,
        height,
        // Fixed x range: a band per label for bars, the labels edge to edge for lines (one alone in the middle).
        scales: { x: { time: false, auto: false, range: kind === 'bar' || labels.length < 2 ? [-0.5, labels.length - 0.5] : [0, labels.length - 1] } },
        axes: [
          { values: tick, incrs: [1, 2, 3, 4, 6, 12, 26, 52], space: many ? 36 : 48, rotate: many && kind === 'bar' ? -30 : 0, size: many && kind === 'bar' ? 72 : 40, grid: { show: false } },
          // Whole steps only: everything Patron charts counts members, orders or points.
          { values: (_u, splits) => splits.map((v) => fmt.current(v)), incrs: WHOLE_STEPS, size: 72, grid: { stroke: '#e5e7eb' } },
        ],
        series: [
          { label: xLabel ?? '', value: (_u, v) => (v == null ? '' : (labels[v] ?? '')) },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: kind === 'bar' ? 1 : 2,
            fill: kind === 'bar' ? s.color : undefined,
            paths: bars,
            points: { show: kind === 'line' && labels.length < 3 },
            value,
          })),
        ],
        // A bar chart has one series, named by its card; a line chart's legend names each line and its value under the cursor.
        legend: { show: kind === 'line', live: true },
        cursor: { drag: { x: false, y: false } },
      },
      [labels.map((_, i) => i), ...series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data]);

  return (
    <figure className="chart-figure" aria-label={label}>
      <div ref={box} className="chart-canvas" aria-hidden="true" />
      <table className="visually-hidden">
        <caption>{label}</caption>
        <thead>
          <tr>
            <td />
            {series.map((s) => (
              <th key={s.label} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((l, i) => (
            <tr key={`${l}-${i}`}>
              <th scope="row">{l}</th>
              {series.map((s) => (
                <td key={s.label}>{s.values[i] == null ? '–' : format(s.values[i]!)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
export default Chart;
