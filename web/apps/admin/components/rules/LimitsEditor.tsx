import { useI18n } from '../../../../packages/i18n';
import { Button } from '../../../../packages/ui';
import { fromLocalInput, PERIODS, toLocalInput, type Limits, type Period, type RuleDraft } from '../../lib/ruleDraft';
import { Choice, NumberInput, TextInput, useProblemAt } from './inputs';

/** Caps per member and period, a budget for the rule: empty limits are sent as none (null). */
export function LimitsEditor({ limits, pointCurrencies, onChange }: { limits: Limits | null | undefined; pointCurrencies: string[]; onChange: (l: Limits | null) => void }) {
  const { t } = useI18n();
  const problemAt = useProblemAt();
  const l = limits ?? {};
  const rows = l.per_member ?? [];
  const set = (next: Limits) => {
    const out: Limits = {};
    if (next.currency) out.currency = next.currency;
    if (next.per_member?.length) out.per_member = next.per_member;
    if (next.budget) out.budget = next.budget;
    onChange(out.per_member || out.budget ? out : null);
  };
  const setRow = (i: number, r: (typeof rows)[number]) => set({ ...l, per_member: rows.map((x, j) => (j === i ? r : x)) });
  const free = PERIODS.find((p) => !rows.some((r) => r.period === p));
  return (
    <div className="stack">
      {problemAt(['limits', 'limits.per_member']) ? <p className="field-error" role="alert">{problemAt(['limits', 'limits.per_member'])}</p> : null}
      {rows.map((r, i) => (
        <div className="cond-fields limit-row" key={i} role="group" aria-label={t('rules.limits.row', { n: i + 1 })}>
          <Choice<Period> label={t('rules.limits.period')} value={r.period} error={problemAt([`limits.per_member.${i}.period`])} options={PERIODS.map((p) => ({ value: p, label: t(`rules.limits.periods.${p}`) }))} onChange={(period) => setRow(i, { ...r, period })} />
          <NumberInput label={t('rules.limits.points')} hint={t('rules.limits.optional')} value={r.points} error={problemAt([`limits.per_member.${i}.points`, `limits.per_member.${i}`])} onChange={(points) => setRow(i, { ...r, points })} />
          <NumberInput label={t('rules.limits.times')} hint={t('rules.limits.optional')} value={r.times} error={problemAt([`limits.per_member.${i}.times`])} onChange={(times) => setRow(i, { ...r, times })} />
          <div className="field field-action">
            <Button variant="ghost" onClick={() => set({ ...l, per_member: rows.filter((_, j) => j !== i) })}>{t('rules.limits.remove')}</Button>
          </div>
        </div>
      ))}
      <div className="row add-row">
        {free ? (
          <div className="field">
            <Button onClick={() => set({ ...l, per_member: [...rows, { period: free, times: 1 }] })}>{t('rules.limits.add')}</Button>
          </div>
        ) : null}
      </div>
      <div className="cond-fields">
        <NumberInput label={t('rules.limits.budget')} hint={t('rules.limits.budgetHint')} value={l.budget?.points} error={problemAt(['limits.budget', 'limits.budget.points'])} onChange={(points) => set({ ...l, budget: points === undefined ? undefined : { points } })} />
        {pointCurrencies.length > 1 ? (
          <Choice label={t('rules.limits.currency')} value={l.currency ?? ''} error={problemAt(['limits.currency'])} options={[{ value: '', label: t('rules.effects.mainCurrency') }, ...pointCurrencies.map((c) => ({ value: c, label: c }))]} onChange={(c) => set({ ...l, currency: c || undefined })} />
        ) : null}
      </div>
    </div>
  );
}

/** When the rule is in force and how it combines with others. */
export function ScheduleEditor({ draft, onChange }: { draft: RuleDraft; onChange: (d: RuleDraft) => void }) {
  const { t } = useI18n();
  const problemAt = useProblemAt();
  return (
    <div className="cond-fields">
      <NumberInput label={t('rules.schedule.priority')} hint={t('rules.schedule.priorityHint')} value={draft.priority} error={problemAt(['priority'])} onChange={(priority) => onChange({ ...draft, priority })} />
      <Choice
        label={t('rules.schedule.stacking')}
        value={draft.stacking ?? 'stack'}
        error={problemAt(['stacking'])}
        options={[{ value: 'stack', label: t('rules.schedule.stack') }, { value: 'exclusive', label: t('rules.schedule.exclusive') }]}
        onChange={(stacking) => onChange({ ...draft, stacking, group: stacking === 'stack' ? undefined : draft.group })}
      />
      {draft.stacking === 'exclusive' ? <TextInput label={t('rules.schedule.group')} hint={t('rules.schedule.groupHint')} value={draft.group ?? ''} error={problemAt(['group'])} onChange={(group) => onChange({ ...draft, group })} /> : null}
      <TextInput label={t('rules.schedule.from')} type="datetime-local" value={toLocalInput(draft.effective_from)} error={problemAt(['effective_from'])} onChange={(v) => onChange({ ...draft, effective_from: fromLocalInput(v) })} />
      <TextInput label={t('rules.schedule.to')} type="datetime-local" value={toLocalInput(draft.effective_to)} error={problemAt(['effective_to'])} onChange={(v) => onChange({ ...draft, effective_to: fromLocalInput(v) })} />
    </div>
  );
}
