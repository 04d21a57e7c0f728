import { lazy, Suspense } from 'react';
import { useQuery } from '@tanstack/react-query';
import { pointsQuery, type PointsReport } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { channelLabel, ruleLabel } from '../../lib/labels';
import { DownloadCsv } from './DownloadCsv';

const Bars = lazy(() => import('./Bars'));

/** Points earned per channel, over every event type and point currency. */
export function byChannel(report: PointsReport) {
  const sums = new Map<string, number>();
  for (const s of report.by_source) sums.set(s.channel, (sums.get(s.channel) ?? 0) + s.points);
  return [...sums].map(([channel, points]) => ({ channel, points })).sort((a, b) => b.points - a.points);
}

function Chart({ title, rows, csv, columns, color }: { title: string; rows: { label: string; value: number }[]; csv: (string | number)[][]; columns: string[]; color: string }) {
  const { t } = useI18n();
  return (
    <Card title={title} actions={<DownloadCsv name={`points-by-${columns[0]}.csv`} label={title} columns={columns} rows={csv} />}>
      {rows.length === 0 ? (
        <EmptyState title={t('analytics.points.empty')} />
      ) : (
        <Suspense fallback={<Loading label={t('common.loading')} />}>
          <Bars label={title} data={rows} color={color} />
        </Suspense>
      )}
    </Card>
  );
}

export function PointsSection() {
  const { t } = useI18n();
  const q = useQuery(pointsQuery());
  if (q.isPending) return <Loading label={t('common.loading')} />;
  if (q.isError) return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, q.error)} retryLabel={t('common.retry')} onRetry={() => void q.refetch()} />;
  const rules = q.data.by_rule;
  const channels = byChannel(q.data);
  return (
    <div className="grid grid-2">
      <Chart
        title={t('analytics.points.byRule')}
        color="#4338ca"
        rows={rules.map((r) => ({ label: ruleLabel(t, r.rule_id, r.name ?? undefined), value: r.points }))}
        columns={['rule', 'currency', 'points', 'transactions']}
        csv={rules.map((r) => [ruleLabel(t, r.rule_id, r.name ?? undefined), r.currency, r.points, r.transactions])}
      />
      <Chart
        title={t('analytics.points.byChannel')}
        color="#0f7a4a"
        rows={channels.map((c) => ({ label: channelLabel(t, c.channel), value: c.points }))}
        columns={['channel', 'points']}
        csv={channels.map((c) => [c.channel, c.points])}
      />
    </div>
  );
}
