import type { TFunction } from 'i18next';
import type { PreviewAnswer, PreviewRuleAnswer } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge } from '../../../../packages/ui';
import { fieldDef, fieldKey } from '../../lib/ruleDraft';
import { useProgramInfo } from '../../lib/useProgramInfo';
import { ruleLabel } from '../../lib/labels';


const fieldLabel = (t: TFunction, field: string) => {
  const def = fieldDef(field);
  if (!def) return field;
  const label = t(`rules.fields.${fieldKey(def.field)}`);
  return def.path ? `${label} ${field.slice(def.field.length)}` : label;
};

/** Why a rule fired or not, in the user's language (the API says it in English, with the failed condition). */
export function whyText(t: TFunction, r: Pick<PreviewRuleAnswer, 'reason' | 'failed'>, show: (field: string, v: unknown) => string = (_f, v) => JSON.stringify(v)): string {
  const reason = r.reason;
  const f = r.failed as { field?: string; op?: string; value?: unknown; actual?: unknown } | null;
  let m: RegExpExecArray | null;
  if ((m = /^triggers on (\S+), not (\S+)/.exec(reason))) return t('rules.why.trigger', { trigger: t(`rules.triggers.${m[1]}`, { defaultValue: m[1] }), type: t(`rules.triggers.${m[2]}`, { defaultValue: m[2] }) });
  if ((m = /^not in effect before (.+)$/.exec(reason))) return t('rules.why.notYet', { at: m[1] });
  if ((m = /^not in effect since (.+)$/.exec(reason))) return t('rules.why.ended', { at: m[1] });
  if (reason.startsWith('condition ')) {
    if (f?.field && f.op) {
      return t('rules.why.condition', { field: fieldLabel(t, f.field), op: t(`rules.ops.${f.op}`), value: show(f.field, f.value ?? true), actual: show(f.field, f.actual ?? null) });
    }
    return /none of/.test(reason) ? t('rules.why.noneMatched') : /negated/.test(reason) ? t('rules.why.negated') : reason;
  }
  if ((m = /^excluded: (\S+) has priority in group (.+)$/.exec(reason))) return t('rules.why.excluded', { winner: m[1], group: m[2] });
  if (reason === 'conditions matched') return t('rules.why.matched');
  if (reason.startsWith('limit reached')) return t('rules.why.limit');
  if ((m = /^capped by its limits: (\d+) of (\d+)/.exec(reason))) return t('rules.why.capped', { granted: Number(m[1]), wanted: Number(m[2]) });
  return reason;
}

/** The answer of a preview: the points in all, then each rule with what it pays or why it does not. */
export function PreviewResult({ answer, draftName }: { answer: PreviewAnswer; draftName?: string }) {
  const { t, fmt } = useI18n();
  const program = useProgramInfo();
  const totals = Object.entries(answer.points);
  // Money fields read in the program's currency, not in minor units.
  const show = (field: string, v: unknown) => (fieldDef(field)?.money && typeof v === 'number' ? fmt.money(v, program.currency) : JSON.stringify(v));
  return (
    <div className="stack">
      <p className="preview-total">
        {totals.length === 0 ? t('rules.preview.nothing') : totals.map(([c, n]) => t(c === 'points' ? 'rules.preview.total' : 'rules.preview.totalIn', { count: n, currency: c })).join(' · ')}
      </p>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{t('rules.preview.byRule')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('rules.preview.col.rule')}</th>
              <th scope="col">{t('rules.preview.col.result')}</th>
              <th scope="col" className="num">{t('rules.preview.col.points')}</th>
              <th scope="col">{t('rules.preview.col.why')}</th>
            </tr>
          </thead>
          <tbody>
            {answer.rules.map((r) => (
              <tr key={r.rule_id}>
                <td>{r.rule_id.startsWith('draft_') ? draftName || t('rules.preview.thisRule') : ruleLabel(t, r.rule_id, r.name)}</td>
                <td>
                  <Badge tone={r.paid ? 'good' : r.fired ? 'warn' : 'neutral'}>{t(r.paid ? 'rules.preview.pays' : r.fired ? 'rules.preview.firedNotPaid' : 'rules.preview.notFired')}</Badge>
                  {r.capped ? <Badge tone="warn">{t('rules.preview.capped')}</Badge> : null}
                </td>
                <td className="num">{r.awards.map((a) => `${fmt.number(a.points)}${a.currency === 'points' ? '' : ` ${a.currency}`}${a.pending ? ` (${t('rules.preview.pending')})` : ''}`).join(', ') || '—'}</td>
                <td>{whyText(t, r, show)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
