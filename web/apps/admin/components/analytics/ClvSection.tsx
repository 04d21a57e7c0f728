import { lazy, Suspense, useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ApiError, clvQuery, jobQuery, startClvFit } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button, Card, EmptyState, ErrorState, Loading, SelectField } from '../../../../packages/ui';
import { useCan } from '../../lib/access';
import { errorMessage } from '../../lib/errors';
import { DownloadCsv } from './DownloadCsv';
import { useCurrentProgram } from '../ProgramSwitcher';
import { rfmSegmentLabel } from '../../lib/rfm';

const Bars = lazy(() => import('./Bars'));

const BINS = 10;
const RISKS = ['high', 'lost', 'medium', 'low'] as const;
type Risk = (typeof RISKS)[number];
const TONE = { low: 'good', medium: 'info', high: 'warn', lost: 'bad' } as const;

/** Equal-width bins of CLV (minor units) from 0 to the largest. */
export function histogram(values: number[]): { from: number; to: number; members: number }[] {
  const max = Math.max(0, ...values);
  if (values.length === 0) return [];
  const width = Math.max(1, Math.ceil((max + 1) / BINS));
  const bins = Array.from({ length: BINS }, (_, i) => ({ from: i * width, to: (i + 1) * width, members: 0 }));
  for (const v of values) bins[Math.min(BINS - 1, Math.floor(Math.max(0, v) / width))]!.members++;
  return bins;
}

/** Lifetime value: start a fit and follow it, the CLV distribution, and the members most at risk. */
export function ClvSection() {
  const { t, fmt } = useI18n();
  const client = useQueryClient();
  const can = useCan();
  const currency = useCurrentProgram().currency;
  const [jobId, setJobId] = useState<string | null>(null);
  const [starting, setStarting] = useState<unknown>(null);
  const [risk, setRisk] = useState<Risk>('high');
  const scores = useQuery(clvQuery({ limit: 1000 }));
  const risky = useQuery({ ...clvQuery({ risk, limit: 10 }), enabled: scores.isSuccess });
  const job = useQuery({ ...jobQuery(jobId ?? ''), enabled: !!jobId });
  const status = job.data?.status;
  useEffect(() => {
    if (status === 'succeeded') void client.invalidateQueries({ queryKey: ['analytics'] });
  }, [status, client]);

  async function start() {
    setStarting(null);
    try {
      setJobId((await startClvFit(client)).id);
    } catch (e) {
      setStarting(e);
    }
  }
  const money = (minor: number | null) => (currency ? fmt.money(minor, currency) : fmt.number(minor));
  const noFit = scores.error instanceof ApiError && scores.error.code === 'analytics.no_result';
  const bins = histogram((scores.data?.members ?? []).map((m) => m.clv ?? 0));
  const result = scores.data?.result as { members_scored?: number } | undefined;
  const running = status === 'queued' || status === 'running';
  const progress = job.data?.progress;
  const title = t('analytics.clv.title');

  return (
    <Card
      title={title}
      actions={
        <div className="card-actions">
          {can('POST /v1/analytics/clv') ? (
            <Button variant="primary" onClick={() => void start()} disabled={running}>
              {t('analytics.clv.start')}
            </Button>
          ) : null}
          <DownloadCsv name="clv-distribution.csv" label={t('analytics.clv.distribution')} columns={['clv_from_minor_units', 'clv_to_minor_units', 'members']} rows={bins.map((b) => [b.from, b.to, b.members])} />
        </div>
      }
    >
      {job.data ? (
        <p className="field-hint" role="status">
          <Badge tone={status === 'succeeded' ? 'good' : status === 'failed' ? 'bad' : 'info'}>{t(`analytics.job.${job.data.status}`)}</Badge>{' '}
          {running && progress?.step ? t('analytics.clv.step', { step: progress.step, done: fmt.number(progress.done ?? 0), total: progress.total == null ? '—' : fmt.number(progress.total) }) : null}
          {status === 'failed' && job.data.error ? job.data.error.message : null}
        </p>
      ) : null}
      {starting ? <p className="field-error" role="alert">{errorMessage(t, starting)}</p> : null}
      {scores.isPending ? (
        <Loading label={t('common.loading')} />
      ) : noFit ? (
        <EmptyState title={t('analytics.clv.noFit')} />
      ) : scores.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, scores.error)} retryLabel={t('common.retry')} onRetry={() => void scores.refetch()} />
      ) : (
        <div className="stack">
          <div>
            <h3>{t('analytics.clv.distribution')}</h3>
            <Suspense fallback={<Loading label={t('common.loading')} />}>
              <Bars label={t('analytics.clv.distribution')} data={bins.map((b) => ({ label: money(b.to), value: b.members }))} />
            </Suspense>
            <p className="field-hint">
              {t('analytics.clv.fitted', { count: result?.members_scored ?? scores.data.members.length, at: fmt.dateTime(scores.data.computed_at) })}
              {(result?.members_scored ?? 0) > scores.data.members.length ? ` ${t('analytics.clv.topOnly', { count: scores.data.members.length })}` : null}
            </p>
          </div>
          <div>
            <div className="row">
              <SelectField label={t('analytics.clv.risk')} value={risk} onChange={(e) => setRisk(RISKS.find((r) => r === e.target.value) ?? 'high')}>
                {RISKS.map((r) => (
                  <option key={r} value={r}>
                    {t(`analytics.risk.${r}`)}
                  </option>
                ))}
              </SelectField>
            </div>
            {risky.isPending ? (
              <Loading label={t('common.loading')} />
            ) : risky.isError ? (
              <ErrorState title={t('common.loadFailed')} message={errorMessage(t, risky.error)} />
            ) : risky.data.members.length === 0 ? (
              <EmptyState title={t('analytics.clv.noneAtRisk')} />
            ) : (
              <div className="table-wrap">
                <table aria-label={t('analytics.clv.riskList')}>
                  <thead>
                    <tr>
                      <th scope="col">{t('analytics.clv.member')}</th>
                      <th scope="col">{t('analytics.segments.segment')}</th>
                      <th scope="col" className="num">{t('analytics.clv.pAlive')}</th>
                      <th scope="col" className="num">{t('analytics.clv.clv')}</th>
                      <th scope="col">{t('analytics.clv.riskCol')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {risky.data.members.map((m) => (
                      <tr key={m.member_id}>
                        <td>
                          <Link to={`/members/${m.member_id}`} title={m.member_id}>
                            {[m.first_name, m.last_name].filter(Boolean).join(' ') || `${m.member_id.slice(0, 4)}…${m.member_id.slice(-8)}`}
                          </Link>
                        </td>
                        <td>{m.rfm_segment ? rfmSegmentLabel(t, m.rfm_segment) : '—'}</td>
                        <td className="num">{fmt.percent(m.p_alive)}</td>
                        <td className="num">{money(m.clv)}</td>
                        <td>{m.churn_risk ? <Badge tone={TONE[m.churn_risk]}>{t(`analytics.risk.${m.churn_risk}`)}</Badge> : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        </div>
      )}
    </Card>
  );
}
