import { useI18n } from '../../../../packages/i18n';
import { Button, SelectField, TextField } from '../../../../packages/ui';
import { FIELDS, fieldDef, newGroup, newLeaf, opsOf, withField, type Group, type Leaf, type Node } from './model';
import { ValueInput } from './ValueInput';

interface Ctx {
  currencies: readonly string[];
  errors: Map<string, string>;
  onChange: (id: string, fn: (n: Node) => Node | null) => void;
}

const MAX_DEPTH = 3;
const GROUPS = ['activity', 'profile', 'scores'] as const;

function NotToggle({ node, ctx }: { node: Node; ctx: Ctx }) {
  const { t } = useI18n();
  return (
    <label className="check builder-not">
      <input type="checkbox" checked={node.negate} onChange={(e) => ctx.onChange(node.id, (n) => ({ ...n, negate: e.target.checked }))} />
      <span>{t('segments.not')}</span>
    </label>
  );
}

function LeafRow({ leaf, index, ctx }: { leaf: Leaf; index: number; ctx: Ctx }) {
  const { t } = useI18n();
  const def = fieldDef(leaf.field);
  const set = (l: Leaf) => ctx.onChange(leaf.id, () => l);
  const error = ctx.errors.get(leaf.id);
  const fieldLabel = (key: string) => t(`segments.fields.${key.replace('.', '_')}`);
  return (
    <div className="builder-row" role="group" aria-label={t('segments.conditionN', { n: index + 1 })}>
      <NotToggle node={leaf} ctx={ctx} />
      <SelectField label={t('segments.field')} value={leaf.field} onChange={(e) => set(withField(leaf, e.target.value))}>
        {GROUPS.map((g) => (
          <optgroup key={g} label={t(`segments.fieldGroups.${g}`)}>
            {FIELDS.filter((f) => f.group === g).map((f) => (
              <option key={f.key} value={f.key}>
                {fieldLabel(f.key)}
              </option>
            ))}
          </optgroup>
        ))}
        <optgroup label={t('segments.fieldGroups.balance')}>
          {ctx.currencies.map((c) => (
            <option key={c} value={`balance.${c}`}>
              {t('segments.fields.balance', { currency: c })}
            </option>
          ))}
        </optgroup>
      </SelectField>
      {leaf.field === 'attributes' ? <TextField label={t('segments.attrKey')} value={leaf.attrKey} onChange={(e) => set({ ...leaf, attrKey: e.target.value })} /> : null}
      {def ? (
        <SelectField label={t('segments.op')} value={leaf.op} onChange={(e) => set({ ...leaf, op: e.target.value as Leaf['op'], value: def.kind === 'enum' ? def.values?.[0] ?? '' : leaf.value })}>
          {opsOf(def).map((op) => (
            <option key={op} value={op}>
              {t(def.kind === 'tags' ? `segments.tagOps.${op}` : `segments.ops.${op}`)}
            </option>
          ))}
        </SelectField>
      ) : null}
      <ValueInput leaf={leaf} onChange={set} error={error} />
      {def?.window ? <TextField label={t('segments.lastDays')} inputMode="numeric" hint={t('segments.lastDaysHint')} value={leaf.days} onChange={(e) => set({ ...leaf, days: e.target.value })} /> : null}
      <Button variant="ghost" className="builder-remove" aria-label={t('segments.removeN', { n: index + 1 })} onClick={() => ctx.onChange(leaf.id, () => null)}>
        {t('segments.remove')}
      </Button>
    </div>
  );
}

/** A group of rows joined by all / any; groups nest up to three deep. */
export function ConditionGroup({ group, ctx, depth = 0, index = 0, onRemove }: { group: Group; ctx: Ctx; depth?: number; index?: number; onRemove?: () => void }) {
  const { t } = useI18n();
  const add = (node: Node) => ctx.onChange(group.id, (g) => (g.type === 'group' ? { ...g, children: [...g.children, node] } : g));
  const error = ctx.errors.get(group.id);
  return (
    <div className="builder-group" role="group" aria-label={depth === 0 ? t('segments.conditions') : t('segments.groupN', { n: index + 1 })}>
      <div className="builder-head">
        {depth > 0 ? <NotToggle node={group} ctx={ctx} /> : null}
        <SelectField label={t('segments.match')} value={group.mode} onChange={(e) => ctx.onChange(group.id, (g) => ({ ...g, mode: e.target.value === 'any' ? 'any' : 'all' }))}>
          <option value="all">{t('segments.matchAll')}</option>
          <option value="any">{t('segments.matchAny')}</option>
        </SelectField>
        {onRemove ? (
          <Button variant="ghost" className="builder-remove" aria-label={t('segments.removeGroupN', { n: index + 1 })} onClick={onRemove}>
            {t('segments.removeGroup')}
          </Button>
        ) : null}
      </div>
      {error ? <p className="field-error" role="alert">{error}</p> : null}
      {group.children.length === 0 ? <p className="muted">{t('segments.noConditions')}</p> : null}
      {group.children.map((n, i) =>
        n.type === 'leaf' ? (
          <LeafRow key={n.id} leaf={n} index={i} ctx={ctx} />
        ) : (
          <ConditionGroup key={n.id} group={n} ctx={ctx} depth={depth + 1} index={i} onRemove={() => ctx.onChange(n.id, () => null)} />
        ),
      )}
      <div className="builder-actions">
        <Button onClick={() => add(newLeaf())}>{t('segments.addCondition')}</Button>
        {depth + 1 < MAX_DEPTH ? <Button onClick={() => add(newGroup([newLeaf()], group.mode === 'all' ? 'any' : 'all'))}>{t('segments.addGroup')}</Button> : null}
      </div>
    </div>
  );
}
