import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { messageQuery } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Badge, Card, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { STATUS_TONE } from '../components/messaging/OutboxList';
import { errorMessage } from '../lib/errors';

/** One message: its state, the rendered email in a sandboxed frame (no scripts, no requests), its text and headers. */
export function OutboxMessage() {
  const { t, fmt } = useI18n();
  const { messageId = '' } = useParams();
  const msg = useQuery(messageQuery(messageId));
  if (msg.isPending) return <Loading label={t('common.loading')} />;
  if (msg.isError) return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, msg.error)} retryLabel={t('common.retry')} onRetry={() => void msg.refetch()} />;
  const m = msg.data;
  return (
    <>
      <PageHeader title={m.subject ?? t('messaging.outbox.noSubject')} actions={<Link to="/outbox">{t('messaging.outbox.back')}</Link>} />
      <div className="stack">
      <Card title={t('messaging.message.details')}>
        <dl className="facts">
          <dt>{t('messaging.col.to')}</dt>
          <dd>{m.to ?? '—'}</dd>
          <dt>{t('messaging.col.status')}</dt>
          <dd>
            <Badge tone={STATUS_TONE[m.status]}>{t(`messaging.status.${m.status}`)}</Badge>
          </dd>
          <dt>{t('messaging.col.reason')}</dt>
          <dd>{m.reason ?? '—'}</dd>
          <dt>{t('messaging.message.transport')}</dt>
          <dd>{m.transport ? t(`messaging.transport.${m.transport}`, { defaultValue: m.transport }) : '—'}</dd>
          <dt>{t('messaging.col.when')}</dt>
          <dd>{fmt.dateTime(m.sent_at ?? m.due_at)}</dd>
          <dt>{t('messaging.message.source')}</dt>
          <dd>{t(`messaging.source.${m.source.kind}`)}</dd>
          <dt>{t('messaging.message.member')}</dt>
          <dd>{m.member_id ? <Link to={`/members/${m.member_id}`}>{m.member_id}</Link> : '—'}</dd>
        </dl>
      </Card>
      {m.html ? (
        <Card title={t('messaging.message.html')}>
          <iframe sandbox="" title={t('messaging.message.frame')} srcDoc={m.html} className="email-frame" />
        </Card>
      ) : null}
      {m.text ? (
        <Card title={t('messaging.message.text')}>
          <pre className="mono pre-wrap">{m.text}</pre>
        </Card>
      ) : null}
      <Card title={t('messaging.message.headers')}>
        <div className="table-wrap">
          <table aria-label={t('messaging.message.headers')}>
            <thead>
              <tr>
                <th scope="col">{t('messaging.message.header')}</th>
                <th scope="col">{t('messaging.message.value')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(m.headers).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td className="mono break">{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      </div>
    </>
  );
}
