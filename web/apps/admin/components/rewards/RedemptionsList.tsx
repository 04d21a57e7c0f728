import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { redemptionListQuery, type RedemptionListParams } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { useCursorPages } from '../../lib/useCursorPages';
import { CursorPager } from '../CursorPager';

const TONE = { reserved: 'info', confirmed: 'good', cancelled: 'neutral', expired: 'warn' } as const;

/** Redemptions newest first, of one reward or all, by status; page by page. */
export function RedemptionsList({ rewardId, status, showReward = true }: { rewardId?: string; status?: RedemptionListParams['status']; showReward?: boolean }) {
  const { t, fmt } = useI18n();
  const pages = useCursorPages(`${rewardId ?? ''}:${status ?? ''}`);
  const params: RedemptionListParams = { limit: 20, ...(rewardId ? { reward_id: rewardId } : {}), ...(status ? { status } : {}), ...(pages.cursor ? { cursor: pages.cursor } : {}) };
  const list = useQuery({ ...redemptionListQuery(params), placeholderData: keepPreviousData });
  if (list.isPending) return <Loading label={t('common.loading')} />;
  if (list.isError) return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />;
  if (list.data.data.length === 0) return <EmptyState title={t('rewards.redemptions.empty')} />;
  return (
    <>
      <div className="table-wrap">
        <table aria-label={t('rewards.redemptions.title')}>
          <thead>
            <tr>
              <th scope="col">{t('rewards.col.when')}</th>
              {showReward ? <th scope="col">{t('rewards.col.reward')}</th> : null}
              <th scope="col">{t('rewards.col.member')}</th>
              <th scope="col">{t('rewards.col.status')}</th>
              <th scope="col" className="num">{t('rewards.col.points')}</th>
              <th scope="col">{t('rewards.col.coupon')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((r) => (
              <tr key={r.id}>
                <td>{fmt.dateTime(r.created_at)}</td>
                {showReward ? (
                  <td>
                    <Link to={`/rewards/${r.reward_id}`}>{r.reward_name ?? r.reward_id}</Link>
                  </td>
                ) : null}
                <td>
                  <Link to={`/members/${r.member_id}`}>{r.member_name ?? r.member_id}</Link>
                </td>
                <td>
                  <Badge tone={TONE[r.status]}>{t(`rewards.redemptionStatus.${r.status}`)}</Badge>
                </td>
                <td className="num">{fmt.number(r.points)}</td>
                <td className="mono">{r.coupon?.code ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CursorPager pages={pages} next={list.data.next_cursor} />
    </>
  );
}
