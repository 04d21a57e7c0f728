import { useI18n } from '../../../../packages/i18n';
import { Button, SelectField } from '../../../../packages/ui';
import { FIELD_GROUPS, fieldDef, fieldKey, fieldsFor, minorDigits, OPS_BY_KIND, parseLoose, type FieldDef, type Leaf, type Op, type Scalar } from '../../lib/ruleDraft';
import { Choice, ListInput, MoneyInput, NumberInput, TextInput, useProblemAt } from './inputs';

interface Props {
  leaf: Leaf;
  path: string;
  trigger: string;
  currency: string;
  error?: string;
  onChange: (l: Leaf) => void;
  onRemove: () => void;
  onNegate: () => void;
  onGroup: () => void;
}

/** A leaf takes its field's kind: an operator that fits and no value of another kind. */
function withField(leaf: Leaf, def: FieldDef, field: string): Leaf {
  const ops = OPS_BY_KIND[def.kind];
  const op = ops.includes(leaf.op) ? leaf.op : ops[0]!;
  const next: Leaf = { field, op };
  if (def.kind === 'boolean') next.value = true;
  if (def.days === 'required') next.days = leaf.days ?? 30;
  return next;
}

/** One comparison: field, operator, value (and a window in days or a line filter where the field takes one). */
export function ConditionRow({ leaf, path, trigger, currency, error, onChange, onRemove, onNegate, onGroup }: Props) {
  const { t } = useI18n();
  const problemAt = useProblemAt();
  const def = fieldDef(leaf.field);
  const fields = fieldsFor(trigger);
  const kind = def?.kind ?? 'any';
  const fieldLabel = (f: string) => t(`rules.fields.${fieldKey(f)}`);
  const selected = def ? def.field : leaf.field;
  return (
    <div className="cond-row" role="group" aria-label={t('rules.cond.row')}>
      <div className="cond-fields">
        <SelectField
          label={t('rules.cond.field')}
          value={selected}
          error={problemAt([`${path}.field`])}
          onChange={(e) => {
            const next = fieldDef(e.target.value);
            if (next) onChange(withField(leaf, next, next.path ? `${next.field}${def?.path ? leaf.field.slice(def.field.length) : ''}` : next.field));
          }}
        >
          {def ? null : <option value={leaf.field}>{leaf.field}</option>}
          {FIELD_GROUPS.map((g) => {
            const list = fields.filter((f) => f.field.startsWith(`${g}.`));
            return list.length ? (
              <optgroup key={g} label={t(`rules.fieldGroups.${g}`)}>
                {list.map((f) => (
                  <option key={f.field} value={f.field}>
                    {fieldLabel(f.field)}
                  </option>
                ))}
              </optgroup>
            ) : null;
          })}
        </SelectField>
        {def?.path ? (
          <TextInput label={t('rules.cond.path')} hint={t('rules.cond.pathHint')} value={leaf.field.slice(def.field.length)} onChange={(v) => onChange({ ...leaf, field: def.field + v })} />
        ) : null}
        <Choice<Op>
          label={t('rules.cond.op')}
          value={leaf.op}
          error={problemAt([`${path}.op`])}
          options={(OPS_BY_KIND[kind].includes(leaf.op) ? OPS_BY_KIND[kind] : [leaf.op, ...OPS_BY_KIND[kind]]).map((o) => ({ value: o, label: t(`rules.ops.${o}`) }))}
          onChange={(op) => onChange({ ...leaf, op, ...(op === 'exists' ? { value: true } : op === 'in' || op === 'nin' ? { value: [] } : Array.isArray(leaf.value) || leaf.op === 'exists' ? { value: kind === 'boolean' ? true : undefined } : {}) })}
        />
        <ValueInput leaf={leaf} def={def} currency={currency} error={problemAt([`${path}.value`])} onChange={(value) => onChange({ ...leaf, value })} />
        {def?.days ? (
          <NumberInput
            label={t('rules.cond.days')}
            hint={def.days === 'optional' ? t('rules.cond.daysOptional') : undefined}
            value={leaf.days}
            error={problemAt([`${path}.days`])}
            onChange={(days) => onChange(days === undefined ? { ...leaf, days: undefined } : { ...leaf, days })}
          />
        ) : null}
      </div>
      {def?.where ? (
        <div className="cond-fields">
          <ListInput label={t('rules.cond.whereSku')} hint={t('rules.cond.whereHint')} value={leaf.where?.sku} error={problemAt([`${path}.where`], `${path}.where`)} onChange={(v) => onChange({ ...leaf, where: lineFilter({ ...leaf.where, sku: v.map(String) }) })} />
          <ListInput label={t('rules.cond.whereCategory')} value={leaf.where?.category} onChange={(v) => onChange({ ...leaf, where: lineFilter({ ...leaf.where, category: v.map(String) }) })} />
        </div>
      ) : null}
      {error ? <p className="field-error" role="alert">{error}</p> : null}
      <div className="cond-row-actions">
        <Button variant="ghost" onClick={onNegate}>{t('rules.cond.negate')}</Button>
        <Button variant="ghost" onClick={onGroup}>{t('rules.cond.makeGroup')}</Button>
        <Button variant="ghost" onClick={onRemove}>{t('rules.cond.remove')}</Button>
      </div>
    </div>
  );
}

/** An empty filter is left out: the API wants at least one sku or category when there is one. */
function lineFilter(w: { sku?: string[]; category?: string[] }) {
  const out: { sku?: string[]; category?: string[] } = {};
  if (w.sku?.length) out.sku = w.sku;
  if (w.category?.length) out.category = w.category;
  return out.sku || out.category ? out : undefined;
}

function ValueInput({ leaf, def, currency, error, onChange }: { leaf: Leaf; def: FieldDef | undefined; currency: string; error?: string; onChange: (v: Scalar | Scalar[] | undefined) => void }) {
  const { t } = useI18n();
  const label = t('rules.cond.value');
  const kind = def?.kind ?? 'any';
  if (leaf.op === 'exists') {
    return <Choice label={label} error={error} value={leaf.value === false ? 'false' : 'true'} options={[{ value: 'true', label: t('rules.cond.isSet') }, { value: 'false', label: t('rules.cond.isNotSet') }]} onChange={(v) => onChange(v === 'true')} />;
  }
  if (leaf.op === 'in' || leaf.op === 'nin') {
    const list = Array.isArray(leaf.value) ? leaf.value : [];
    if (def?.money) {
      return <ListInput label={`${label} (${currency})`} hint={t('rules.cond.listHint')} error={error} kind="number" value={list.map((v) => (typeof v === 'number' ? v / 10 ** minorDigits(currency) : v))} onChange={(v) => onChange(v.map((x) => (typeof x === 'number' ? Math.round(x * 10 ** minorDigits(currency)) : x)))} />;
    }
    return <ListInput label={label} hint={t('rules.cond.listHint')} error={error} kind={kind} value={list} onChange={onChange} />;
  }
  const one = Array.isArray(leaf.value) ? undefined : leaf.value;
  if (kind === 'boolean') {
    return <Choice label={label} error={error} value={one === false ? 'false' : 'true'} options={[{ value: 'true', label: t('rules.cond.yes') }, { value: 'false', label: t('rules.cond.no') }]} onChange={(v) => onChange(v === 'true')} />;
  }
  if (kind === 'number' && def?.money) return <MoneyInput label={label} error={error} currency={currency} value={typeof one === 'number' ? one : undefined} onChange={onChange} />;
  if (kind === 'number') return <NumberInput label={label} error={error} value={typeof one === 'number' ? one : undefined} onChange={onChange} />;
  if (kind === 'any') return <TextInput label={label} error={error} value={one === undefined ? '' : String(one)} onChange={(v) => onChange(parseLoose(v))} />;
  return <TextInput label={label} error={error} value={typeof one === 'string' ? one : ''} onChange={onChange} />;
}
