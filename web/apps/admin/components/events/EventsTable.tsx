import { Link } from 'react-router';
import type { LoggedEvent } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge } from '../../../../packages/ui';
import { useCan } from '../../lib/access';
import { ruleLabel } from '../../lib/labels';

type Result = LoggedEvent['result'];

/** What an applied event came to, as the log's outcome filter names it. */
export function outcomeOf(e: LoggedEvent): 'earned' | 'reversed' | 'no_points' | 'guest' {
  if (e.result.guest) return 'guest';
  if (!e.result.transactions.length) return 'no_points';
  return e.type === 'refund' ? 'reversed' : 'earned';
}

const TONE = { earned: 'good', reversed: 'warn', no_points: 'neutral', guest: 'info' } as const;

/** The member an event named, as it named them (an email, a card…), else the member id. */
export function memberRefText(e: LoggedEvent): string | null {
  const ref = e.payload.member;
  if (ref && typeof ref === 'object') {
    const v = Object.values(ref as Record<string, unknown>)[0];
    if (typeof v === 'string') return v;
  }
  return e.member_id;
}

/** Each rule that paid, with its points (a link to the rule when the role may open rules). */
export function PaidBy({ e, result }: { e: Pick<LoggedEvent, 'rule_names'>; result: Result }) {
  const { t, fmt } = useI18n();
  const can = useCan();
  const tags = (result.outcomes ?? []).filter((o) => o.kind === 'tag_added' || o.kind === 'tag_removed');
  return (
    <ul className="paid-list">
      {result.transactions.map((x) => {
        const id = x.rule_id ?? null;
        const name = id ? ruleLabel(t, id, e.rule_names?.[id]) : t(`txn.${x.type}`, { defaultValue: x.type });
        const points = `${x.points > 0 ? '+' : ''}${fmt.number(x.points)}${x.currency === 'points' ? '' : ` ${x.currency}`}`;
        return (
          <li key={x.id}>
            {id && id !== 'base_earning' && can('GET /v1/rules/:rule_id') ? <Link to={`/rules/${id}`}>{name}</Link> : <span>{name}</span>}{' '}
            <span className={x.points >= 0 ? 'amount-pos' : 'amount-neg'}>{points}</span>
            {x.pending ? <> <Badge tone="warn">{t('events.pending')}</Badge></> : null}
          </li>
        );
      })}
      {tags.map((o, i) => (
        <li key={`tag-${i}`}>{t(o.kind === 'tag_added' ? 'events.tagAdded' : 'events.tagRemoved', { tag: String(o.tag) })}</li>
      ))}
    </ul>
  );
}

export function EventsTable({ events }: { events: LoggedEvent[] }) {
  const { t, fmt } = useI18n();
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('events.col.when')}</th>
            <th scope="col">{t('events.col.event')}</th>
            <th scope="col">{t('events.col.member')}</th>
            <th scope="col">{t('events.col.outcome')}</th>
            <th scope="col">{t('events.col.paid')}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => {
            const who = memberRefText(e);
            const outcome = outcomeOf(e);
            const amount = typeof e.payload.amount === 'number' && typeof e.payload.currency === 'string' ? fmt.money(e.payload.amount, e.payload.currency) : null;
            return (
              <tr key={e.id}>
                <td>{fmt.dateTime(e.occurred_at)}</td>
                <td>
                  <Link to={`/events/${encodeURIComponent(e.id)}`}>
                    {t(`events.types.${e.type}`, { defaultValue: e.type })}
                  </Link>
                  <div className="sub">
                    {e.id}
                    {amount ? ` · ${amount}` : ''}
                  </div>
                </td>
                <td>{e.member_id ? <Link to={`/members/${e.member_id}`}>{who}</Link> : <span className="sub">{t('events.noMember')}</span>}</td>
                <td>
                  <Badge tone={TONE[outcome]}>{t(`events.outcomes.${outcome}`)}</Badge>
                </td>
                <td>{e.result.transactions.length || e.result.outcomes?.length ? <PaidBy e={e} result={e.result} /> : <span className="sub">{t(`events.why.${outcome}`, { defaultValue: '' }) || '—'}</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
