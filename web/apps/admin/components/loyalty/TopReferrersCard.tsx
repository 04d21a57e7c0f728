import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { topReferrersQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Card, EmptyState, ErrorState, Loading, SelectField } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';

/** The referrers with the most qualified referees and what they earned; or only the ambassadors. */
export function TopReferrersCard() {
  const { t, fmt } = useI18n();
  const [only, setOnly] = useState<'all' | 'ambassadors'>('all');
  const top = useQuery(topReferrersQuery(only));
  return (
    <Card title={t('loyalty.top.title')}>
      <div className="row">
        <SelectField label={t('loyalty.top.show')} value={only} onChange={(e) => setOnly(e.target.value === 'ambassadors' ? 'ambassadors' : 'all')}>
          <option value="all">{t('loyalty.top.all')}</option>
          <option value="ambassadors">{t('loyalty.top.ambassadors')}</option>
        </SelectField>
        {top.data ? (
          <p className="row-note" aria-live="polite">
            {top.data.ambassador_threshold === null
              ? t('loyalty.top.noThreshold')
              : t('loyalty.top.ambassadorCount', { count: top.data.ambassadors, threshold: top.data.ambassador_threshold })}
          </p>
        ) : null}
      </div>
      {top.isPending ? (
        <Loading label={t('common.loading')} />
      ) : top.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, top.error)} retryLabel={t('common.retry')} onRetry={() => void top.refetch()} />
      ) : top.data.data.length === 0 ? (
        <EmptyState title={only === 'ambassadors' ? t('loyalty.top.noAmbassadors') : t('loyalty.top.none')} />
      ) : (
        <div className="table-wrap">
          <table aria-label={t('loyalty.top.title')}>
            <thead>
              <tr>
                <th scope="col">{t('loyalty.col.member')}</th>
                <th scope="col">{t('loyalty.col.code')}</th>
                <th scope="col" className="num">{t('loyalty.col.qualified')}</th>
                <th scope="col" className="num">{t('loyalty.col.rewarded')}</th>
                <th scope="col" className="num">{t('loyalty.col.earned')}</th>
              </tr>
            </thead>
            <tbody>
              {top.data.data.map((r) => (
                <tr key={r.member_id}>
                  <td>
                    <Link to={`/members/${r.member_id}`}>{r.name ?? r.member_id}</Link> {r.ambassador ? <Badge tone="info">{t('loyalty.top.ambassador')}</Badge> : null}
                  </td>
                  <td className="mono">{r.code}</td>
                  <td className="num">{fmt.number(r.qualified)}</td>
                  <td className="num">{fmt.number(r.rewarded)}</td>
                  <td className="num">
                    {Object.entries(r.points_earned).length
                      ? Object.entries(r.points_earned).map(([c, n]) => t('loyalty.top.earnedIn', { points: fmt.number(n), currency: c })).join(', ')
                      : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
