import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { memberOrdersQuery, type Order } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { useCursorPages } from '../../lib/useCursorPages';
import { CursorPager } from '../CursorPager';

const earned = (o: Order) => Object.values(o.points).reduce((s, p) => s + p.earned, 0);
const reversed = (o: Order) => Object.values(o.points).reduce((s, p) => s + p.reversed, 0);

/** The member's orders, newest first: paid, refunded, the points each earned and what refunds took back. */
export function OrdersCard({ memberId }: { memberId: string }) {
  const { t, fmt } = useI18n();
  const pages = useCursorPages(memberId);
  const orders = useQuery({ ...memberOrdersQuery(memberId, pages.cursor), placeholderData: keepPreviousData });
  return (
    <Card title={t('member.orders')}>
      {orders.isPending ? (
        <Loading label={t('common.loading')} />
      ) : orders.isError ? (
        <ErrorState title={t('common.loadFailed')} message={errorMessage(t, orders.error)} retryLabel={t('common.retry')} onRetry={() => void orders.refetch()} />
      ) : orders.data.data.length === 0 ? (
        <EmptyState title={t('member.noOrders')} />
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('member.col.order')}</th>
                  <th scope="col">{t('member.col.when')}</th>
                  <th scope="col">{t('member.col.channel')}</th>
                  <th scope="col" className="num">{t('member.col.paid')}</th>
                  <th scope="col" className="num">{t('member.col.refunded')}</th>
                  <th scope="col" className="num">{t('member.col.earned')}</th>
                  <th scope="col" className="num">{t('member.col.reversed')}</th>
                </tr>
              </thead>
              <tbody>
                {orders.data.data.map((o) => (
                  <tr key={o.id}>
                    <td>
                      {o.id}{' '}
                      {o.refunded_amount >= o.amount && o.amount > 0 ? (
                        <Badge tone="warn">{t('member.refundedFully')}</Badge>
                      ) : o.refunded_amount > 0 ? (
                        <Badge tone="warn">{t('member.refundedPartly')}</Badge>
                      ) : null}
                    </td>
                    <td>{fmt.dateTime(o.occurred_at)}</td>
                    <td>{o.channel ?? '—'}</td>
                    <td className="num">{fmt.money(o.amount, o.currency)}</td>
                    <td className="num">{o.refunded_amount ? fmt.money(o.refunded_amount, o.currency) : '—'}</td>
                    <td className="num amount-pos">{fmt.number(earned(o))}</td>
                    <td className="num">{reversed(o) ? <span className="amount-neg">{fmt.number(-reversed(o))}</span> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <CursorPager pages={pages} next={orders.data.next_cursor} label={t('member.ordersPages')} />
        </>
      )}
    </Card>
  );
}
