import { useQuery } from '@tanstack/react-query';
import { cohortsQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { DownloadCsv } from './DownloadCsv';
import { heatStyle } from './heat';

/** Retention by acquisition month (rows) and months since (columns). */
export function CohortSection() {
  const { t, fmt } = useI18n();
  const q = useQuery(cohortsQuery());
  const title = t('analytics.cohorts.title');
  const cohorts = q.data?.cohorts ?? [];
  const width = Math.max(0, ...cohorts.map((c) => c.periods.length));
  const rows = cohorts.flatMap((c) => c.periods.map((p) => [c.cohort.slice(0, 10), c.size, p.k, p.active, p.retention] as const));
  return (
    <Card title={title} actions={<DownloadCsv name="cohorts.csv" label={title} columns={['cohort', 'size', 'months_since', 'active', 'retention']} rows={rows} />}>
      {q.isPending ? (
        <Loading label={t('common.loading')} />
      ) : q.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, q.error)} retryLabel={t('common.retry')} onRetry={() => void q.refetch()} />
      ) : cohorts.length === 0 ? (
        <EmptyState title={t('analytics.cohorts.empty')} />
      ) : (
        <div className="table-wrap">
          <table className="heat" aria-label={title}>
            <thead>
              <tr>
                <th scope="col" className="heat-axis">{t('analytics.cohorts.cohort')}</th>
                <th scope="col" className="heat-axis">{t('analytics.cohorts.size')}</th>
                {Array.from({ length: width }, (_, k) => (
                  <th key={k} scope="col" className="heat-axis">{t('analytics.cohorts.month', { k })}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {cohorts.map((c) => (
                <tr key={c.cohort}>
                  <th scope="row" className="heat-axis">{fmt.month(c.cohort)}</th>
                  <td>{fmt.number(c.size)}</td>
                  {Array.from({ length: width }, (_, k) => {
                    const p = c.periods.find((x) => x.k === k);
                    return p ? (
                      <td key={k} style={heatStyle(p.retention ?? 0, 1)}>{fmt.percent(p.retention)}</td>
                    ) : (
                      <td key={k} />
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          <p className="field-hint">{t('analytics.cohorts.hint', { from: fmt.day(q.data!.from), to: fmt.day(q.data!.to) })}</p>
        </div>
      )}
    </Card>
  );
}
