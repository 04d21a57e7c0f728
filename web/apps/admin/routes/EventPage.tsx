import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiError, eventQuery, isApplied } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader } from '../../../packages/ui';
import { EventOutcomeCard } from '../components/events/EventOutcomeCard';
import { memberRefText } from '../components/events/EventsTable';
import { BalanceCard } from '../components/member/BalanceCard';
import { errorMessage } from '../lib/errors';

/** One event: what was sent, what each rule paid, the ledger transactions it made, the member's balance now. */
export function EventPage() {
  const { t, fmt } = useI18n();
  const { eventId = '' } = useParams();
  const event = useQuery(eventQuery(eventId));
  if (event.isPending) return <Loading label={t('common.loading')} />;
  if (event.isError) {
    if (event.error instanceof ApiError && event.error.status === 404) return <EmptyState title={t('events.notFound')}><Link to="/events">{t('events.back')}</Link></EmptyState>;
    return <ErrorState title={t('common.loadFailed')} message={errorMessage(t, event.error)} retryLabel={t('common.retry')} onRetry={() => void event.refetch()} />;
  }
  const e = event.data;
  if (!isApplied(e)) {
    // Queued ingestion (serve --ingest=nats): not applied yet, or refused by a worker.
    const problem = e.error && typeof e.error === 'object' ? (e.error as { code?: string; status?: number; detail?: string; field?: string }) : null;
    return (
      <>
        <PageHeader title={eventId}>
          <p>
            <Link to="/events">{t('events.back')}</Link>
          </p>
        </PageHeader>
        <Card title={t(`events.queueStatus.${e.status}`)}>
          {problem?.code ? <p role="alert">{t('events.refusedBecause', { reason: errorMessage(t, new ApiError({ status: problem.status ?? 422, code: problem.code, detail: problem.detail, field: problem.field })), code: problem.code })}</p> : <p>{t('events.queuedNote')}</p>}
        </Card>
      </>
    );
  }
  const p = e.payload;
  const amount = typeof p.amount === 'number' && typeof p.currency === 'string' ? fmt.money(p.amount, p.currency) : null;
  return (
    <>
      <PageHeader title={t('events.detailTitle', { type: t(`events.types.${e.type}`, { defaultValue: e.type }) })}>
        <p>
          <Link to="/events">{t('events.back')}</Link> · <span>{e.id}</span>
        </p>
      </PageHeader>
      <div className="stack">
        <div className="grid grid-3">
          <Card title={t('events.event')}>
            <dl className="facts">
              <dt>{t('events.col.event')}</dt>
              <dd>
                <Badge>{e.type}</Badge>
              </dd>
              <dt>{t('events.happened')}</dt>
              <dd>{fmt.dateTime(e.occurred_at)}</dd>
              <dt>{t('events.received')}</dt>
              <dd>{fmt.dateTime(e.received_at)}</dd>
              <dt>{t('events.col.member')}</dt>
              <dd>{e.member_id ? <Link to={`/members/${e.member_id}`}>{memberRefText(e)}</Link> : t('events.noMember')}</dd>
              {e.order_id ? (
                <>
                  <dt>{t('events.order')}</dt>
                  <dd>{e.order_id}</dd>
                </>
              ) : null}
              {amount ? (
                <>
                  <dt>{t('events.amount')}</dt>
                  <dd>{amount}</dd>
                </>
              ) : null}
              {typeof p.channel === 'string' ? (
                <>
                  <dt>{t('events.channel')}</dt>
                  <dd>{p.channel}</dd>
                </>
              ) : null}
              {e.result.member_enrolled ? (
                <>
                  <dt>{t('events.enrolled')}</dt>
                  <dd>{t('events.enrolledYes')}</dd>
                </>
              ) : null}
            </dl>
          </Card>
          <div className="span-2">
            <EventOutcomeCard event={e} />
          </div>
        </div>
        <div className="grid grid-3">
          {e.member_id ? <BalanceCard memberId={e.member_id} /> : null}
          <Card title={t('events.payload')} className="span-2">
            <pre className="json-view">{JSON.stringify(e.payload, null, 2)}</pre>
          </Card>
        </div>
      </div>
    </>
  );
}
