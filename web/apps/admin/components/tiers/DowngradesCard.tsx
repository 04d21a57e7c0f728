import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { downgradesQuery, tierSchemeQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { useCursorPages } from '../../lib/useCursorPages';
import { useProgramInfo } from '../../lib/useProgramInfo';
import { metricValue } from './metric';
import { CursorPager } from '../CursorPager';

/** Members who drop a level at their next review (within 90 days) unless their metric grows, soonest first. */
export function DowngradesCard() {
  const { t, fmt } = useI18n();
  const { currency } = useProgramInfo();
  const pages = useCursorPages('downgrades');
  const list = useQuery({ ...downgradesQuery(pages.cursor), placeholderData: keepPreviousData });
  const metric = useQuery(tierSchemeQuery()).data?.metric;
  return (
    <Card title={t('tiers.downgrades.title')}>
      <p className="card-intro">{t('tiers.downgrades.intro')}</p>
      {list.isPending ? (
        <Loading label={t('common.loading')} />
      ) : list.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
      ) : list.data.data.length === 0 && !list.data.next_cursor ? (
        <EmptyState title={t('tiers.downgrades.none')} />
      ) : (
        <>
          <div className="table-wrap">
            <table aria-label={t('tiers.downgrades.title')}>
              <thead>
                <tr>
                  <th scope="col">{t('tiers.col.member')}</th>
                  <th scope="col">{t('tiers.col.from')}</th>
                  <th scope="col">{t('tiers.col.to')}</th>
                  <th scope="col">{t('tiers.col.reviewAt')}</th>
                  <th scope="col" className="num">{t('tiers.col.soFar')}</th>
                  <th scope="col" className="num">{t('tiers.col.needed')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((d) => (
                  <tr key={d.member_id}>
                    <td>
                      <Link to={`/members/${d.member_id}`}>{d.name ?? d.member_id}</Link>
                    </td>
                    <td>{d.level.name}</td>
                    <td>
                      {d.to?.name ?? t('tiers.members.noTier')} {d.reason === 'grant' ? <Badge tone="info">{t('tiers.downgrades.grantEnds')}</Badge> : null}
                    </td>
                    <td>{fmt.date(d.review_at)}</td>
                    <td className="num">{metricValue(t, fmt, metric, d.metric_value, currency)}</td>
                    <td className="num">{metricValue(t, fmt, metric, d.amount_needed, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <CursorPager pages={pages} next={list.data.next_cursor} />
        </>
      )}
    </Card>
  );
}
