import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { previewRules, ruleKeys, type LoggedEvent } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge, Button, Card, Loading } from '../../../../packages/ui';
import { useCan } from '../../lib/access';
import { errorMessage } from '../../lib/errors';
import { PreviewResult } from '../rules/PreviewResult';
import { ruleLabel } from '../../lib/labels';
import { outcomeOf } from './EventsTable';

const TONE = { earned: 'good', reversed: 'warn', no_points: 'neutral', guest: 'info' } as const;

/** What an event did: each ledger transaction with the rule (and version) that paid it, and anything else it caused. */
export function EventOutcomeCard({ event: e }: { event: LoggedEvent }) {
  const { t, fmt } = useI18n();
  const can = useCan();
  const outcome = outcomeOf(e);
  const r = e.result;
  const others = (r.outcomes ?? []).filter((o) => o.kind !== 'tag_added' && o.kind !== 'tag_removed');
  const tags = (r.outcomes ?? []).filter((o) => o.kind === 'tag_added' || o.kind === 'tag_removed');
  return (
    <Card title={t('events.outcome')} actions={<Badge tone={TONE[outcome]}>{t(`events.outcomes.${outcome}`)}</Badge>}>
      {r.transactions.length ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('events.col.rule')}</th>
                <th scope="col">{t('events.col.kind')}</th>
                <th scope="col" className="num">{t('events.col.points')}</th>
                <th scope="col">{t('events.col.available')}</th>
                <th scope="col">{t('events.col.transaction')}</th>
              </tr>
            </thead>
            <tbody>
              {r.transactions.map((x) => (
                <tr key={x.id}>
                  <td>
                    {x.rule_id && x.rule_id !== 'base_earning' && can('GET /v1/rules/:rule_id') ? (
                      <Link to={`/rules/${x.rule_id}`}>{ruleLabel(t, x.rule_id, e.rule_names?.[x.rule_id])}</Link>
                    ) : x.rule_id ? (
                      ruleLabel(t, x.rule_id, e.rule_names?.[x.rule_id])
                    ) : (
                      '—'
                    )}
                    {x.rule_version ? <span className="sub"> {t('rules.versionN', { version: x.rule_version })}</span> : null}
                  </td>
                  <td>{t(`txn.${x.type}`, { defaultValue: x.type })}</td>
                  <td className={`num ${x.points >= 0 ? 'amount-pos' : 'amount-neg'}`}>
                    {fmt.number(x.points)}
                    {x.currency === 'points' ? '' : ` ${x.currency}`}
                  </td>
                  <td>{x.pending ? t('events.pendingUntil', { date: fmt.dateTime(x.available_at) }) : t('events.availableNow')}</td>
                  <td>{e.member_id ? <Link className="sub" to={`/members/${e.member_id}`} title={t('events.txnInLedger', { id: x.id })}>{x.id}</Link> : x.id}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>{t(`events.why.${outcome}`)}</p>
      )}
      {r.refund ? (
        <p>
          {t('events.refundLine', {
            amount: fmt.money(r.refund.amount, typeof e.payload.currency === 'string' ? e.payload.currency : 'GBP'),
            total: fmt.money(r.refund.refunded_amount, typeof e.payload.currency === 'string' ? e.payload.currency : 'GBP'),
            order: fmt.money(r.refund.order_amount, typeof e.payload.currency === 'string' ? e.payload.currency : 'GBP'),
          })}
        </p>
      ) : null}
      {tags.length || others.length ? (
        <ul className="paid-list">
          {tags.map((o, i) => (
            <li key={`t${i}`}>{t(o.kind === 'tag_added' ? 'events.tagAdded' : 'events.tagRemoved', { tag: String(o.tag) })}</li>
          ))}
          {others.map((o, i) => (
            <li key={`o${i}`}>{t(`events.kinds.${o.kind}`, { defaultValue: o.kind })}</li>
          ))}
        </ul>
      ) : null}
      {outcome === 'no_points' && e.member_id && e.type !== 'refund' && can('POST /v1/rules/preview') ? <WhyNot event={e} /> : null}
    </Card>
  );
}

/** For an event that earned nothing: what today's active rules would say about it, rule by rule. */
function WhyNot({ event: e }: { event: LoggedEvent }) {
  const { t } = useI18n();
  const [asked, setAsked] = useState(false);
  const { id: _id, member: _member, ...sent } = e.payload;
  const check = useQuery({
    queryKey: [...ruleKeys.all(), 'why', e.id],
    queryFn: ({ signal }) => previewRules({ member: { id: e.member_id! }, event: sent }, signal),
    enabled: asked,
    retry: false,
  });
  if (!asked) return <Button onClick={() => setAsked(true)}>{t('events.checkRules')}</Button>;
  if (check.isPending) return <Loading label={t('common.loading')} />;
  if (check.isError) return <p className="form-error" role="alert">{errorMessage(t, check.error)}</p>;
  return (
    <div className="stack">
      <p className="field-hint">{t('events.checkNote')}</p>
      <PreviewResult answer={check.data} />
    </div>
  );
}
