import { useI18n } from '../../../../packages/i18n';
import { SelectField, TextField } from '../../../../packages/ui';
import { fieldDef, isList, type Leaf } from './model';

/** How an enum value reads: statuses and churn risk have texts; RFM segment names are the model's own. */
export function useEnumLabel() {
  const { t } = useI18n();
  return (field: string, v: string) => (field === 'status' ? t(`status.${v}`) : field === 'churn_risk' ? t(`segments.churn.${v}`) : v);
}

/** The value(s) of a comparison, shaped by its field's kind and its operator. */
export function ValueInput({ leaf, onChange, error }: { leaf: Leaf; onChange: (l: Leaf) => void; error?: string }) {
  const { t } = useI18n();
  const enumLabel = useEnumLabel();
  const def = fieldDef(leaf.field);
  if (!def) return null;
  const set = (patch: Partial<Leaf>) => onChange({ ...leaf, ...patch });
  if (leaf.op === 'exists') {
    return (
      <SelectField label={t('segments.value')} value={leaf.value === 'false' ? 'false' : 'true'} error={error} onChange={(e) => set({ value: e.target.value })}>
        <option value="true">{t('segments.hasValue')}</option>
        <option value="false">{t('segments.hasNoValue')}</option>
      </SelectField>
    );
  }
  if (def.kind === 'bool') {
    return (
      <SelectField label={t('segments.value')} value={leaf.value === 'false' ? 'false' : 'true'} error={error} onChange={(e) => set({ value: e.target.value })}>
        <option value="true">{t('segments.yes')}</option>
        <option value="false">{t('segments.no')}</option>
      </SelectField>
    );
  }
  if (def.kind === 'enum' && def.values) {
    const list = isList(def, leaf.op);
    const chosen = list ? leaf.value.split(',').map((s) => s.trim()).filter(Boolean) : leaf.value;
    return (
      <SelectField
        label={t('segments.value')}
        multiple={list}
        value={chosen}
        error={error}
        hint={list ? t('segments.multiHint') : undefined}
        onChange={(e) => set({ value: list ? [...e.target.selectedOptions].map((o) => o.value).join(',') : e.target.value })}
      >
        {def.values.map((v) => (
          <option key={v} value={v}>
            {enumLabel(leaf.field, v)}
          </option>
        ))}
      </SelectField>
    );
  }
  const time = def.kind === 'instant' || def.kind === 'date';
  const inputType = time && leaf.when === 'date' ? 'date' : 'text';
  const mode = time ? (
    <SelectField label={t('segments.when')} value={leaf.when} onChange={(e) => set({ when: e.target.value === 'date' ? 'date' : 'days_ago', value: '', value2: '' })}>
      <option value="days_ago">{t('segments.daysAgo')}</option>
      <option value="date">{t('segments.onDate')}</option>
    </SelectField>
  ) : null;
  const numeric = def.kind === 'int' || def.kind === 'number' || (time && leaf.when === 'days_ago');
  const hint = isList(def, leaf.op) ? t('segments.listHint') : def.money ? t('segments.moneyHint') : time && leaf.when === 'days_ago' ? t('segments.daysAgoHint') : undefined;
  if (leaf.op === 'between') {
    return (
      <>
        {mode}
        <TextField label={t('segments.low')} type={inputType} inputMode={numeric ? 'decimal' : undefined} value={leaf.value} error={error} onChange={(e) => set({ value: e.target.value })} />
        <TextField label={t('segments.high')} type={inputType} inputMode={numeric ? 'decimal' : undefined} value={leaf.value2} hint={hint} onChange={(e) => set({ value2: e.target.value })} />
      </>
    );
  }
  return (
    <>
      {mode}
      <TextField label={t('segments.value')} type={inputType} inputMode={numeric && !isList(def, leaf.op) ? 'decimal' : undefined} value={leaf.value} hint={hint} error={error} onChange={(e) => set({ value: e.target.value })} />
    </>
  );
}
