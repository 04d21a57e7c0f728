import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { referralsQuery } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { useCursorPages } from '../../lib/useCursorPages';
import { CursorPager } from '../CursorPager';

const TONE = { pending: 'info', qualified: 'good', capped: 'warn', lapsed: 'neutral' } as const;

/** Who referred whom, in link order, page by page. */
export function ReferralsCard() {
  const { t, fmt } = useI18n();
  const pages = useCursorPages('referrals');
  const list = useQuery({ ...referralsQuery(pages.cursor), placeholderData: keepPreviousData });
  return (
    <Card title={t('loyalty.list.title')}>
      {list.isPending ? (
        <Loading label={t('common.loading')} />
      ) : list.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />
      ) : list.data.data.length === 0 ? (
        <EmptyState title={t('loyalty.list.none')} />
      ) : (
        <>
          <div className="table-wrap">
            <table aria-label={t('loyalty.list.title')}>
              <thead>
                <tr>
                  <th scope="col">{t('loyalty.col.linked')}</th>
                  <th scope="col">{t('loyalty.col.referrer')}</th>
                  <th scope="col">{t('loyalty.col.referee')}</th>
                  <th scope="col">{t('loyalty.col.status')}</th>
                  <th scope="col">{t('loyalty.col.qualifiedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((r) => (
                  <tr key={r.id}>
                    <td>{fmt.dateTime(r.linked_at)}</td>
                    <td>
                      <Link to={`/members/${r.referrer_id}`}>{r.referrer_name ?? r.referrer_id}</Link>
                    </td>
                    <td>
                      <Link to={`/members/${r.referee_id}`}>{r.referee_name ?? r.referee_id}</Link>
                    </td>
                    <td>
                      <Badge tone={TONE[r.status]}>{t(`loyalty.status.${r.status}`)}</Badge>
                    </td>
                    <td>{fmt.date(r.qualified_at)}</td>
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
