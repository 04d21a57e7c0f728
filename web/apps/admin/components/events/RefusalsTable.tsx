import { Link } from 'react-router';
import type { EventRefusal } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { refusalReason } from './refusalReason';

/** The member as the refused event named them (an email, a card…), else the member id. */
function namedAs(r: EventRefusal): string | null {
  const v = r.member_ref ? Object.values(r.member_ref)[0] : undefined;
  return typeof v === 'string' ? v : r.member_id;
}

/** Refused events: when, what, whose, the order, why (a sentence, with the code) and, unfolded, what was sent. */
export function RefusalsTable({ refusals }: { refusals: EventRefusal[] }) {
  const { t, fmt } = useI18n();
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('events.refused.col.when')}</th>
            <th scope="col">{t('events.col.event')}</th>
            <th scope="col">{t('events.col.member')}</th>
            <th scope="col">{t('events.order')}</th>
            <th scope="col">{t('events.refused.col.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {refusals.map((r) => {
            const who = namedAs(r);
            const p = r.payload;
            const amount = typeof p.amount === 'number' && typeof p.currency === 'string' ? fmt.money(p.amount, p.currency) : null;
            return (
              <tr key={r.id}>
                <td>
                  {fmt.dateTime(r.refused_at)}
                  <div className="sub">{t(`events.refused.source.${r.source}`)}</div>
                </td>
                <td>
                  {t(`events.types.${r.type}`, { defaultValue: r.type })}
                  <div className="sub">
                    {r.event_id ?? '—'}
                    {amount ? ` · ${amount}` : ''}
                  </div>
                </td>
                <td>
                  {r.member_id ? (
                    <Link to={`/members/${r.member_id}`}>{who}</Link>
                  ) : who ? (
                    <>
                      {who}
                      <div className="sub">{t('events.refused.notAMember')}</div>
                    </>
                  ) : (
                    <span className="sub">{t('events.noMember')}</span>
                  )}
                </td>
                <td>{r.order_id ?? '—'}</td>
                <td>
                  <p className="refusal-reason">{refusalReason(t, r.problem)}</p>
                  <div className="sub">
                    {r.problem.field ? t('events.refused.codeField', { code: r.problem.code, field: r.problem.field }) : r.problem.code}
                  </div>
                  <details className="refusal-payload">
                    <summary>{t('events.refused.showPayload')}</summary>
                    <pre className="json-view">{JSON.stringify(r.payload, null, 2)}</pre>
                  </details>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
