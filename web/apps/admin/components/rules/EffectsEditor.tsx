import { useState } from 'react';
import { useI18n } from '../../../../packages/i18n';
import { Button } from '../../../../packages/ui';
import { EFFECT_TYPES, newEffect, PURCHASE_EFFECTS, ROUNDINGS, type Effect, type EffectType } from '../../lib/ruleDraft';
import { Choice, ListInput, MoneyInput, NumberInput, TextInput, useProblemAt } from './inputs';

interface Props {
  effects: Effect[];
  trigger: string;
  currency: string;
  pointCurrencies: string[];
  rewards: { id: string; name: string }[];
  onChange: (e: Effect[]) => void;
}

/** What a rule pays when it fires: one or more effects. */
export function EffectsEditor({ effects, trigger, currency, pointCurrencies, rewards, onChange }: Props) {
  const { t } = useI18n();
  const problemAt = useProblemAt();
  const types = EFFECT_TYPES.filter((x) => trigger === 'purchase' || !PURCHASE_EFFECTS.includes(x));
  const [adding, setAdding] = useState<EffectType>(types[0]!);
  const list = Array.isArray(effects) ? effects : [];
  const set = (i: number, e: Effect) => onChange(list.map((x, j) => (j === i ? e : x)));
  return (
    <div className="stack">
      {problemAt(['effects']) ? <p className="field-error" role="alert">{problemAt(['effects'])}</p> : null}
      {list.map((e, i) => (
        <div key={i} className="effect-box" role="group" aria-label={t('rules.effects.item', { n: i + 1 })}>
          <div className="cond-fields">
            <Choice<EffectType>
              label={t('rules.effects.type')}
              value={e.type}
              error={problemAt([`effects.${i}.type`, `effects.${i}`])}
              options={(types.includes(e.type) ? types : [e.type, ...types]).map((x) => ({ value: x, label: t(`rules.effects.types.${x}`) }))}
              onChange={(type) => set(i, newEffect(type))}
            />
            <EffectFields effect={e} path={`effects.${i}`} currency={currency} pointCurrencies={pointCurrencies} rewards={rewards} onChange={(x) => set(i, x)} />
            <div className="field field-action">
              <Button variant="ghost" onClick={() => onChange(list.filter((_, j) => j !== i))} aria-label={t('rules.effects.removeN', { n: i + 1 })}>
                {t('rules.effects.remove')}
              </Button>
            </div>
          </div>
        </div>
      ))}
      <div className="row add-row">
        <Choice<EffectType> label={t('rules.effects.newType')} value={types.includes(adding) ? adding : types[0]!} options={types.map((x) => ({ value: x, label: t(`rules.effects.types.${x}`) }))} onChange={setAdding} />
        <div className="field field-action">
          <Button onClick={() => onChange([...list, newEffect(types.includes(adding) ? adding : types[0]!)])}>{t('rules.effects.add')}</Button>
        </div>
      </div>
    </div>
  );
}

function EffectFields({ effect: e, path, currency, pointCurrencies, rewards, onChange }: { effect: Effect; path: string; currency: string; pointCurrencies: string[]; rewards: { id: string; name: string }[]; onChange: (e: Effect) => void }) {
  const { t } = useI18n();
  const problemAt = useProblemAt();
  const at = (f: string) => problemAt([`${path}.${f}`]);
  const points = (v: number | undefined) => v ?? 0;
  const credit =
    e.type === 'fixed' || e.type === 'per_amount' || e.type === 'multiplier' || e.type === 'threshold' ? (
      <>
        {pointCurrencies.length > 1 || e.currency ? (
          <Choice
            label={t('rules.effects.currency')}
            value={e.currency ?? ''}
            error={at('currency')}
            options={[{ value: '', label: t('rules.effects.mainCurrency') }, ...pointCurrencies.map((c) => ({ value: c, label: c }))]}
            onChange={(c) => onChange({ ...e, currency: c || undefined })}
          />
        ) : null}
        <NumberInput label={t('rules.effects.pendingDays')} hint={t('rules.effects.pendingHint')} value={e.pending_days} error={at('pending_days')} onChange={(v) => onChange({ ...e, pending_days: v })} />
      </>
    ) : null;
  switch (e.type) {
    case 'fixed':
      return (
        <>
          <NumberInput label={t('rules.effects.points')} value={e.points} error={at('points')} onChange={(v) => onChange({ ...e, points: points(v) })} />
          {credit}
        </>
      );
    case 'per_amount':
      return (
        <>
          <NumberInput label={t('rules.effects.points')} value={e.points} error={at('points')} onChange={(v) => onChange({ ...e, points: points(v) })} />
          <MoneyInput label={t('rules.effects.perAmount')} currency={currency} value={e.per_amount} error={at('per_amount')} onChange={(v) => onChange({ ...e, per_amount: v ?? 0 })} />
          <Choice
            label={t('rules.effects.rounding')}
            value={e.rounding ?? ''}
            error={at('rounding')}
            options={[{ value: '', label: t('rules.effects.programRounding') }, ...ROUNDINGS.map((r) => ({ value: r, label: t(`rules.effects.roundings.${r}`) }))]}
            onChange={(r) => onChange({ ...e, rounding: r === '' ? undefined : r })}
          />
          <ListInput label={t('rules.effects.linesSku')} hint={t('rules.effects.linesHint')} value={e.lines?.sku} error={problemAt([`${path}.lines`], `${path}.lines`)} onChange={(v) => onChange({ ...e, lines: lines({ ...e.lines, sku: v.map(String) }) })} />
          <ListInput label={t('rules.effects.linesCategory')} value={e.lines?.category} onChange={(v) => onChange({ ...e, lines: lines({ ...e.lines, category: v.map(String) }) })} />
          {credit}
        </>
      );
    case 'multiplier':
      return (
        <>
          <TextInput label={t('rules.effects.multiplier')} hint={t('rules.effects.multiplierHint')} value={e.multiplier ?? (e.multiplier_bp ? String(e.multiplier_bp / 10_000) : '')} error={at('multiplier') ?? at('multiplier_bp')} onChange={(v) => onChange({ ...e, multiplier: v.trim(), multiplier_bp: undefined })} />
          {credit}
        </>
      );
    case 'threshold':
      return (
        <>
          <MoneyInput label={t('rules.effects.minAmount')} currency={currency} value={e.min_amount} error={at('min_amount')} onChange={(v) => onChange({ ...e, min_amount: v ?? 0 })} />
          <NumberInput label={t('rules.effects.points')} value={e.points} error={at('points')} onChange={(v) => onChange({ ...e, points: points(v) })} />
          <Choice label={t('rules.effects.repeat')} value={e.repeat ? 'yes' : 'no'} options={[{ value: 'no', label: t('rules.effects.once') }, { value: 'yes', label: t('rules.effects.everyStep') }]} onChange={(v) => onChange({ ...e, repeat: v === 'yes' ? true : undefined })} />
          {credit}
        </>
      );
    case 'reward':
      return (
        <Choice
          label={t('rules.effects.reward')}
          value={e.reward_id}
          error={at('reward_id')}
          options={[{ value: '', label: t('rules.effects.chooseReward') }, ...(rewards.some((r) => r.id === e.reward_id) || !e.reward_id ? [] : [{ value: e.reward_id, label: e.reward_id }]), ...rewards.map((r) => ({ value: r.id, label: r.name }))]}
          onChange={(v) => onChange({ ...e, reward_id: v })}
        />
      );
    case 'tag':
      return (
        <>
          <ListInput label={t('rules.effects.tagAdd')} hint={t('rules.cond.listHint')} value={e.add} error={at('add')} onChange={(v) => onChange({ ...e, add: v.map(String) })} />
          <ListInput label={t('rules.effects.tagRemove')} value={e.remove} error={at('remove')} onChange={(v) => onChange({ ...e, remove: v.map(String) })} />
        </>
      );
    default:
      return null;
  }
}

function lines(w: { sku?: string[]; category?: string[] }) {
  const out: { sku?: string[]; category?: string[] } = {};
  if (w.sku?.length) out.sku = w.sku;
  if (w.category?.length) out.category = w.category;
  return out.sku || out.category ? out : undefined;
}
