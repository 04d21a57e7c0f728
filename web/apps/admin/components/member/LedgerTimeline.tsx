import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { transactionsQuery, type Transaction } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Card, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { useCursorPages } from '../../lib/useCursorPages';
import { CursorPager } from '../CursorPager';

const signed = (n: number) => (n > 0 ? 'amount-pos' : n < 0 ? 'amount-neg' : undefined);

/** The member's ledger, newest first: earn, spend, reversal, expiry, holds, with the rule that paid. */
export function LedgerTimeline({ memberId }: { memberId: string }) {
  const { t, fmt } = useI18n();
  const pages = useCursorPages(memberId);
  const txns = useQuery({ ...transactionsQuery(memberId, pages.cursor), placeholderData: keepPreviousData });
  const body = txns.isPending ? (
    <Loading label={t('common.loading')} />
  ) : txns.isError ? (
    <ErrorState title={t('common.loadFailed')} message={errorMessage(t, txns.error)} retryLabel={t('common.retry')} onRetry={() => void txns.refetch()} />
  ) : txns.data.data.length === 0 ? (
    <EmptyState title={t('member.noTransactions')} />
  ) : (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('member.col.when')}</th>
              <th scope="col">{t('member.col.type')}</th>
              <th scope="col" className="num">{t('member.col.points')}</th>
              <th scope="col" className="num">{t('member.col.pending')}</th>
              <th scope="col">{t('member.col.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {txns.data.data.map((x) => (
              <tr key={x.id}>
                <td>{fmt.dateTime(x.occurred_at)}</td>
                <td>{t(`txn.${x.type}`, { defaultValue: x.type })}</td>
                <td className={`num ${signed(x.points ?? x.amount) ?? ''}`}>{fmt.number(x.points ?? x.amount)}</td>
                <td className="num">{x.pending_points ? fmt.number(x.pending_points) : ''}</td>
                <td>{detail(x, t)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CursorPager pages={pages} next={txns.data.next_cursor} />
    </>
  );
  return <Card title={t('member.timeline')}>{body}</Card>;
}

function detail(x: Transaction, t: (k: string, o?: Record<string, unknown>) => string): string {
  const ruleRef = x.metadata.rule_id ?? x.metadata.rule;
  const rule = typeof ruleRef === 'string' ? (ruleRef === 'base_earning' ? t('member.baseEarning') : ruleRef) : null;
  const parts = [x.reason, rule ? t('member.byRule', { rule }) : null, x.order_id ? t('member.order', { id: x.order_id }) : null];
  return parts.filter(Boolean).join(' · ');
}
