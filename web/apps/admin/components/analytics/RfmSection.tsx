import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { rfmQuery, type RfmReport } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { rfmSegmentLabel } from '../../lib/rfm';
import { DownloadCsv } from './DownloadCsv';
import { heatStyle } from './heat';
import { useCurrentProgram } from '../ProgramSwitcher';

/** An RFM segment's name as a key of the texts: "Can't Lose Them" → cant_lose_them. */

type Colour = 'members' | 'spend';

/** Recency × frequency (5 × 5): members in each cell, or their average monetary score. */
export function rfmGrid(report: RfmReport) {
  const cells: { r: number; f: number; members: number; spend: number | null }[] = [];
  for (let r = 5; r >= 1; r--) {
    for (let f = 1; f <= 5; f++) {
      const here = report.cells.filter((c) => c.r === r && c.f === f);
      const members = here.reduce((s, c) => s + c.members, 0);
      const spend = members ? Math.round((here.reduce((s, c) => s + c.m * c.members, 0) / members) * 10) / 10 : null;
      cells.push({ r, f, members, spend });
    }
  }
  return cells;
}

export function RfmSection() {
  const { t, fmt } = useI18n();
  const [colour, setColour] = useState<Colour>('members');
  const currency = useCurrentProgram().currency;
  const q = useQuery(rfmQuery());
  const title = t('analytics.rfm.title');
  if (q.isPending) return <Card title={title}><Loading label={t('common.loading')} /></Card>;
  if (q.isError) return <Card title={title}><ErrorState title={t('common.loadFailed')} message={errorMessage(t, q.error)} retryLabel={t('common.retry')} onRetry={() => void q.refetch()} /></Card>;
  const report = q.data;
  const grid = rfmGrid(report);
  const value = (c: (typeof grid)[number]) => (colour === 'members' ? c.members : (c.spend ?? 0));
  const max = Math.max(0, ...grid.map(value));
  return (
    <div className="grid grid-2">
      <Card
        title={title}
        actions={
          <div className="card-actions">
            <div className="segmented" role="group" aria-label={t('analytics.rfm.colourBy')}>
              {(['members', 'spend'] as const).map((k) => (
                <button key={k} type="button" aria-pressed={colour === k} onClick={() => setColour(k)}>
                  {t(`analytics.rfm.by.${k}`)}
                </button>
              ))}
            </div>
            <DownloadCsv name="rfm-grid.csv" label={title} columns={['recency_score', 'frequency_score', 'members', 'average_monetary_score']} rows={grid.map((c) => [c.r, c.f, c.members, c.spend])} />
          </div>
        }
      >
        {report.members_scored === 0 ? (
          <EmptyState title={t('analytics.rfm.empty')} />
        ) : (
          <div className="table-wrap">
            <table className="heat" aria-label={t('analytics.rfm.gridLabel')}>
              <thead>
                <tr>
                  <th scope="col" className="heat-axis">{t('analytics.rfm.axis')}</th>
                  {[1, 2, 3, 4, 5].map((f) => (
                    <th key={f} scope="col" className="heat-axis">{t('analytics.rfm.f', { score: f })}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {[5, 4, 3, 2, 1].map((r) => (
                  <tr key={r}>
                    <th scope="row" className="heat-axis">{t('analytics.rfm.r', { score: r })}</th>
                    {grid.filter((c) => c.r === r).map((c) => (
                      <td key={c.f} style={heatStyle(value(c), max)} title={t('analytics.rfm.cellTitle', { r: c.r, f: c.f, members: c.members })}>
                        {colour === 'members' ? fmt.number(c.members) : c.spend == null ? '—' : fmt.number(c.spend)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="field-hint">{t(`analytics.rfm.hint.${colour}`, { count: report.members_scored })}</p>
          </div>
        )}
      </Card>
      <Card
        title={t('analytics.segments.title')}
        actions={<DownloadCsv name="rfm-segments.csv" label={t('analytics.segments.title')} columns={['segment', 'members', 'share', 'revenue_minor_units']} rows={report.segments.map((s) => [s.segment, s.members, s.share, s.revenue])} />}
      >
        {report.segments.length === 0 ? (
          <EmptyState title={t('analytics.rfm.empty')} />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('analytics.segments.segment')}</th>
                  <th scope="col" className="num">{t('analytics.segments.members')}</th>
                  <th scope="col" className="num">{t('analytics.segments.share')}</th>
                  <th scope="col" className="num">{t('analytics.segments.revenue')}</th>
                </tr>
              </thead>
              <tbody>
                {report.segments.map((s) => (
                  <tr key={s.segment}>
                    <td>{rfmSegmentLabel(t, s.segment)}</td>
                    <td className="num">{fmt.number(s.members)}</td>
                    <td className="num">{fmt.percent(s.share)}</td>
                    <td className="num">{currency ? fmt.money(s.revenue, currency) : fmt.number(s.revenue)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
