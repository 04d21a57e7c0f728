import { useI18n } from '../../../../packages/i18n';
import { Button } from '../../../../packages/ui';
import { childrenOf, groupKind, isGroup, isNot, newLeaf, type Condition, type Leaf } from '../../lib/ruleDraft';
import { ConditionRow } from './ConditionRow';
import { useProblemAt } from './inputs';

interface NodeProps {
  node: Condition;
  path: string;
  trigger: string;
  currency: string;
  depth: number;
  onChange: (c: Condition) => void;
  onRemove: () => void;
}

/** The conditions of a rule: none (it fires on every event of its trigger), or a tree of all/any/not groups. */
export function ConditionTree({ value, trigger, currency, onChange }: { value: Condition | null | undefined; trigger: string; currency: string; onChange: (c: Condition | null) => void }) {
  const { t } = useI18n();
  const problemAt = useProblemAt();
  const rootError = problemAt(['conditions']);
  if (!value) {
    return (
      <div className="cond-empty">
        <p>{t('rules.cond.none', { trigger: t(`rules.triggers.${trigger}`, { defaultValue: trigger }) })}</p>
        {rootError ? <p className="field-error" role="alert">{rootError}</p> : null}
        <Button onClick={() => onChange({ all: [newLeaf(trigger)] })}>{t('rules.cond.add')}</Button>
      </div>
    );
  }
  return <ConditionNode node={value} path="conditions" trigger={trigger} currency={currency} depth={0} onChange={onChange} onRemove={() => onChange(null)} />;
}

function ConditionNode(props: NodeProps) {
  const { node, path, onChange, onRemove } = props;
  const { t } = useI18n();
  const problemAt = useProblemAt();
  const error = problemAt([path]);
  const negate = () => onChange({ not: node });
  if (isNot(node)) {
    return (
      <div className="cond-box cond-not" role="group" aria-label={t('rules.cond.notGroup')}>
        <div className="cond-head">
          <span className="cond-kind">{t('rules.cond.not')}</span>
          <span className="spacer" />
          <Button variant="ghost" onClick={() => onChange(node.not)}>{t('rules.cond.unnegate')}</Button>
          <Button variant="ghost" onClick={onRemove}>{t('rules.cond.remove')}</Button>
        </div>
        {error ? <p className="field-error" role="alert">{error}</p> : null}
        <ConditionNode {...props} node={node.not} path={`${path}.not`} depth={props.depth + 1} onChange={(c) => onChange({ not: c })} onRemove={onRemove} />
      </div>
    );
  }
  if (isGroup(node)) return <GroupNode {...props} node={node} error={error ?? problemAt([`${path}.${groupKind(node)}`])} onNegate={negate} />;
  return (
    <ConditionRow
      leaf={node as Leaf}
      path={path}
      trigger={props.trigger}
      currency={props.currency}
      error={error}
      onChange={onChange}
      onRemove={onRemove}
      onNegate={negate}
      onGroup={() => onChange({ all: [node, newLeaf(props.trigger)] })}
    />
  );
}

function GroupNode(props: NodeProps & { node: { all: Condition[] } | { any: Condition[] }; error?: string; onNegate: () => void }) {
  const { node, path, trigger, onChange, onRemove, error, onNegate } = props;
  const { t } = useI18n();
  const kind = groupKind(node);
  const items = childrenOf(node);
  const set = (list: Condition[]) => onChange(kind === 'all' ? { all: list } : { any: list });
  const label = t(kind === 'all' ? 'rules.cond.allGroup' : 'rules.cond.anyGroup');
  return (
    <div className={`cond-box cond-${kind}`} role="group" aria-label={label}>
      <div className="cond-head">
        <label className="cond-kind">
          <span className="visually-hidden">{t('rules.cond.groupKind')}</span>
          <select value={kind} onChange={(e) => onChange(e.target.value === 'all' ? { all: items } : { any: items })}>
            <option value="all">{t('rules.cond.all')}</option>
            <option value="any">{t('rules.cond.any')}</option>
          </select>
        </label>
        <span className="spacer" />
        <Button variant="ghost" onClick={onNegate}>{t('rules.cond.negate')}</Button>
        <Button variant="ghost" onClick={onRemove}>{t('rules.cond.removeGroup')}</Button>
      </div>
      {error ? <p className="field-error" role="alert">{error}</p> : null}
      <div className="cond-children">
        {items.map((c, i) => (
          <ConditionNode
            key={i}
            {...props}
            node={c}
            path={`${path}.${kind}.${i}`}
            depth={props.depth + 1}
            onChange={(next) => set(items.map((x, j) => (j === i ? next : x)))}
            onRemove={() => (items.length > 1 ? set(items.filter((_, j) => j !== i)) : onRemove())}
          />
        ))}
      </div>
      <div className="cond-actions">
        <Button onClick={() => set([...items, newLeaf(trigger)])}>{t('rules.cond.addRow')}</Button>
        {props.depth < 6 ? <Button onClick={() => set([...items, { any: [newLeaf(trigger)] }])}>{t('rules.cond.addGroup')}</Button> : null}
      </div>
    </div>
  );
}
