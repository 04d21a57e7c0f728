import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { rfmMovementQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading, TextField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { DownloadCsv } from './DownloadCsv';
import { heatStyle } from './heat';
import { rfmSegmentLabel } from '../../lib/rfm';

const dayOf = (iso: string) => iso.slice(0, 10);
const daysBefore = (iso: string, days: number) => new Date(new Date(iso).getTime() - days * 86_400_000).toISOString().slice(0, 10);

/** How members moved between RFM segments from one date to another: a from × to matrix. */
export function MovementSection({ asOf }: { asOf: string }) {
  const { t, fmt } = useI18n();
  const [range, setRange] = useState({ from: daysBefore(asOf, 90), to: dayOf(asOf) });
  const q = useQuery({ ...rfmMovementQuery(range.from, range.to), enabled: range.from < range.to });
  const title = t('analytics.movement.title');
  const name = (s: string | null) => (s === null ? t('analytics.movement.none') : rfmSegmentLabel(t, s));
  const moves = q.data?.movements ?? [];
  const froms = [...new Set(moves.map((m) => m.from_segment))];
  const tos = [...new Set(moves.map((m) => m.to_segment))];
  const count = (f: string | null, to: string | null) => moves.find((m) => m.from_segment === f && m.to_segment === to)?.members ?? 0;
  const max = Math.max(0, ...moves.map((m) => m.members));
  return (
    <Card
      title={title}
      actions={<DownloadCsv name="rfm-movement.csv" label={title} columns={['from_segment', 'to_segment', 'members']} rows={moves.map((m) => [m.from_segment ?? '', m.to_segment ?? '', m.members])} />}
    >
      <div className="row">
        <TextField type="date" label={t('analytics.movement.from')} value={range.from} max={range.to} onChange={(e) => e.target.value && setRange((r) => ({ ...r, from: e.target.value }))} />
        <TextField type="date" label={t('analytics.movement.to')} value={range.to} min={range.from} onChange={(e) => e.target.value && setRange((r) => ({ ...r, to: e.target.value }))} />
      </div>
      {q.isPending ? (
        <Loading label={t('common.loading')} />
      ) : q.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, q.error)} retryLabel={t('common.retry')} onRetry={() => void q.refetch()} />
      ) : moves.length === 0 ? (
        <EmptyState title={t('analytics.movement.empty')} />
      ) : (
        <div className="table-wrap">
          <table className="heat" aria-label={title}>
            <thead>
              <tr>
                <th scope="col" className="heat-axis">{t('analytics.movement.axis')}</th>
                {tos.map((to) => (
                  <th key={String(to)} scope="col" className="heat-axis">{name(to)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {froms.map((f) => (
                <tr key={String(f)}>
                  <th scope="row" className="heat-axis">{name(f)}</th>
                  {tos.map((to) => (
                    <td key={String(to)} style={heatStyle(count(f, to), max)}>{fmt.number(count(f, to))}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
