import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { outboxQuery, type MessageStatus, type OutboxParams } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, EmptyState, ErrorState, Loading } from '../../../../packages/ui';
import { errorMessage } from '../../lib/errors';
import { useCursorPages } from '../../lib/useCursorPages';
import { CursorPager } from '../CursorPager';

export const STATUS_TONE: Record<MessageStatus, 'neutral' | 'good' | 'warn' | 'bad' | 'info'> = {
  queued: 'info',
  deferred: 'warn',
  sending: 'info',
  sent: 'good',
  delivered: 'good',
  bounced: 'bad',
  failed: 'bad',
  suppressed: 'neutral',
};

/** The messages newest first, page by page: to, subject, status, reason, when. */
export function OutboxList({ status, memberId }: { status?: MessageStatus; memberId?: string }) {
  const { t, fmt } = useI18n();
  const pages = useCursorPages(`${status ?? ''}:${memberId ?? ''}`);
  const params: OutboxParams = { limit: 25, ...(status ? { status } : {}), ...(memberId ? { member_id: memberId } : {}), ...(pages.cursor ? { cursor: pages.cursor } : {}) };
  const list = useQuery({ ...outboxQuery(params), placeholderData: keepPreviousData });
  if (list.isPending) return <Loading label={t('common.loading')} />;
  if (list.isError) return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, list.error)} retryLabel={t('common.retry')} onRetry={() => void list.refetch()} />;
  if (list.data.data.length === 0) return <EmptyState title={t('messaging.outbox.empty')} />;
  return (
    <>
      <div className="table-wrap">
        <table aria-label={t('messaging.outbox.title')}>
          <thead>
            <tr>
              <th scope="col">{t('messaging.col.when')}</th>
              <th scope="col">{t('messaging.col.to')}</th>
              <th scope="col">{t('messaging.field.subject')}</th>
              <th scope="col">{t('messaging.col.status')}</th>
              <th scope="col">{t('messaging.col.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((m) => (
              <tr key={m.id}>
                <td>{fmt.dateTime(m.sent_at ?? m.due_at)}</td>
                <td>{m.to ?? (m.member_id ? <Link to={`/members/${m.member_id}`}>{m.member_id}</Link> : '—')}</td>
                <td>
                  <Link to={`/outbox/${m.id}`}>{m.subject ?? t('messaging.outbox.noSubject')}</Link>
                </td>
                <td>
                  <Badge tone={STATUS_TONE[m.status]}>{t(`messaging.status.${m.status}`)}</Badge>
                </td>
                <td>{m.reason ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CursorPager pages={pages} next={list.data.next_cursor} />
    </>
  );
}
