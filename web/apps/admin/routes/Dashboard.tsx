import { lazy, Suspense } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { kpisQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Card, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { KpiGrid } from '../components/KpiGrid';
import { RangeForm } from '../components/forms/RangeForm';
import { errorMessage } from '../lib/errors';
import { dayAfter, dayOf, lastDayOf, previousRange } from '../lib/range';

// The chart library is the heaviest part of the console: it loads after the figures.
const TrendChart = lazy(() => import('../components/TrendChart').then((m) => ({ default: m.TrendChart })));

/** KPIs over a range (default: the API's, which ends at the program's last activity) and their trend. */
export function Dashboard() {
  const { t, fmt } = useI18n();
  const [params, setParams] = useSearchParams();
  const period = params.get('period') === 'week' ? 'week' : 'month';
  const asked = { from: params.get('from') ?? undefined, to: params.get('to') ?? undefined, period } as const;
  const current = useQuery(kpisQuery(asked));
  const prev = current.data ? previousRange(current.data.from, current.data.to) : null;
  const previous = useQuery({ ...kpisQuery({ ...(prev ?? {}), period }), enabled: !!prev });
  const data = current.data;
  return (
    <>
      <PageHeader title={t('dashboard.title')} actions={data ? <RangeForm key={`${data.from}|${data.to}|${period}`} value={{ from: dayOf(data.from), to: lastDayOf(data.to), period }} onChange={(r) => setParams({ from: r.from, to: dayAfter(r.to), period: r.period })} /> : null}>
        {data ? <p>{t('dashboard.rangeShown', { from: fmt.day(data.from), to: fmt.day(lastDayOf(data.to)) })}</p> : null}
      </PageHeader>
      {current.isPending ? (
        <Loading label={t('common.loading')} />
      ) : current.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, current.error)} retryLabel={t('common.retry')} onRetry={() => void current.refetch()} />
      ) : (
        <div className="stack">
          {data!.range.defaulted ? <p className="field-hint">{t('dashboard.defaulted')}</p> : null}
          <KpiGrid current={data!} previous={previous.data} />
          <Card title={t('dashboard.trend')}>
            <Suspense fallback={<Loading label={t('common.loading')} />}>
              <TrendChart report={data!} />
            </Suspense>
          </Card>
        </div>
      )}
    </>
  );
}
