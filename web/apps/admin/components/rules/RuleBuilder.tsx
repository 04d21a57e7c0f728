import { useI18n } from '../../../../packages/i18n';
import { Card, TextAreaField } from '../../../../packages/ui';
import { TRIGGERS, type RuleDraft } from '../../lib/ruleDraft';
import { ConditionTree } from './ConditionTree';
import { EffectsEditor } from './EffectsEditor';
import { Choice, TextInput, useProblemAt } from './inputs';
import { LimitsEditor, ScheduleEditor } from './LimitsEditor';

export interface BuilderContext {
  currency: string;
  pointCurrencies: string[];
  rewards: { id: string; name: string }[];
}

const OTHER = '__other';

/** The form view of a rule: every part of the rule language, no JSON needed. */
export function RuleBuilder({ draft, ctx, onChange }: { draft: RuleDraft; ctx: BuilderContext; onChange: (d: RuleDraft) => void }) {
  const { t } = useI18n();
  const problemAt = useProblemAt();
  const known = TRIGGERS.includes(draft.trigger);
  return (
    <div className="stack">
      <Card title={t('rules.builder.basics')}>
        <div className="cond-fields">
          <TextInput grow label={t('rules.builder.name')} value={draft.name} error={problemAt(['name'])} onChange={(name) => onChange({ ...draft, name })} />
          <Choice
            label={t('rules.builder.trigger')}
            value={known ? draft.trigger : OTHER}
            error={known ? problemAt(['trigger']) : undefined}
            options={[...TRIGGERS.map((x) => ({ value: x, label: t(`rules.triggers.${x}`) })), { value: OTHER, label: t('rules.triggers.other') }]}
            onChange={(v) => onChange({ ...draft, trigger: v === OTHER ? (known ? '' : draft.trigger) : v })}
          />
          {known ? null : <TextInput label={t('rules.builder.customTrigger')} hint={t('rules.builder.customTriggerHint')} value={draft.trigger} error={problemAt(['trigger'])} onChange={(trigger) => onChange({ ...draft, trigger })} />}
        </div>
        <TextAreaField label={t('rules.builder.description')} value={draft.description ?? ''} error={problemAt(['description'])} onChange={(e) => onChange({ ...draft, description: e.target.value || undefined })} />
      </Card>
      <Card title={t('rules.builder.conditions')}>
        <ConditionTree value={draft.conditions} trigger={draft.trigger} currency={ctx.currency} onChange={(conditions) => onChange({ ...draft, conditions })} />
      </Card>
      <Card title={t('rules.builder.effects')}>
        <EffectsEditor effects={draft.effects} trigger={draft.trigger} currency={ctx.currency} pointCurrencies={ctx.pointCurrencies} rewards={ctx.rewards} onChange={(effects) => onChange({ ...draft, effects })} />
      </Card>
      <Card title={t('rules.builder.limits')}>
        <LimitsEditor limits={draft.limits} pointCurrencies={ctx.pointCurrencies} onChange={(limits) => onChange({ ...draft, limits })} />
      </Card>
      <Card title={t('rules.builder.schedule')}>
        <ScheduleEditor draft={draft} onChange={onChange} />
      </Card>
    </div>
  );
}
