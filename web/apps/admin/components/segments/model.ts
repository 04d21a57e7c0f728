import { toMajor, toMinor } from '../settings/settingsForm';

/**
 * The segment builder's model: the condition language of src/modules/analytics/segments.conditions.ts as
 * form rows. A group holds rows (comparisons or groups) joined by all/any; any row can be negated (`not`).
 * The server checks every condition again and names the node at fault (`conditions.all.2.value`).
 */

export type Kind = 'text' | 'enum' | 'int' | 'number' | 'instant' | 'date' | 'bool' | 'tags' | 'tier' | 'json';
export type Op = 'eq' | 'neq' | 'in' | 'not_in' | 'gt' | 'gte' | 'lt' | 'lte' | 'between' | 'exists' | 'contains';

export interface FieldDef {
  key: string;
  kind: Kind;
  values?: readonly string[];
  nullable: boolean;
  /** Takes `days`: only the last N days count. */
  window?: boolean;
  /** Shown as money in the program's currency (minor units). */
  money?: boolean;
  group: 'profile' | 'activity' | 'scores' | 'balance';
}

export const RFM_SEGMENTS = ['Champions', 'Potential Loyalist', 'Loyal Customers', 'Promising', 'New Customers', "Can't Lose Them", 'At Risk', 'Need Attention', 'About To Sleep', 'Lost', 'Others'] as const;

const d = (key: string, kind: Kind, group: FieldDef['group'], more: Partial<FieldDef> = {}): FieldDef => ({ key, kind, group, nullable: true, ...more });

export const FIELDS: readonly FieldDef[] = [
  d('orders_count', 'int', 'activity', { nullable: false, window: true }),
  d('total_spent', 'int', 'activity', { nullable: false, window: true, money: true }),
  d('last_purchase_at', 'instant', 'activity'),
  d('first_purchase_at', 'instant', 'activity'),
  d('status', 'enum', 'profile', { values: ['active', 'suspended'], nullable: false }),
  d('country', 'text', 'profile'),
  d('locale', 'text', 'profile'),
  d('enrolment_channel', 'text', 'profile'),
  d('enrolled_at', 'instant', 'profile', { nullable: false }),
  d('birthdate', 'date', 'profile'),
  d('age', 'int', 'profile'),
  d('consent.email', 'bool', 'profile', { nullable: false }),
  d('consent.sms', 'bool', 'profile', { nullable: false }),
  d('consent.push', 'bool', 'profile', { nullable: false }),
  d('tags', 'tags', 'profile', { nullable: false }),
  d('tier', 'tier', 'profile'),
  d('attributes', 'json', 'profile'),
  d('rfm_segment', 'enum', 'scores', { values: RFM_SEGMENTS }),
  d('recency_score', 'int', 'scores'),
  d('frequency_score', 'int', 'scores'),
  d('monetary_score', 'int', 'scores'),
  d('churn_risk', 'enum', 'scores', { values: ['low', 'medium', 'high', 'lost'] }),
  d('p_alive', 'number', 'scores'),
  d('expected_purchases', 'number', 'scores'),
  d('expected_spend', 'int', 'scores', { money: true }),
  d('clv', 'int', 'scores', { money: true }),
  d('repeat_purchases', 'int', 'scores'),
];

const BALANCE = (currency: string): FieldDef => ({ key: `balance.${currency}`, kind: 'int', nullable: false, group: 'balance' });

/** The definition of a field as the conditions name it (`attributes.vip`, `balance.points`). */
export function fieldDef(field: string): FieldDef | undefined {
  if (field.startsWith('attributes.')) return FIELDS.find((f) => f.key === 'attributes');
  if (field.startsWith('balance.')) return BALANCE(field.slice(8));
  return FIELDS.find((f) => f.key === field);
}

const OPS_BY_KIND: Record<Kind, readonly Op[]> = {
  text: ['eq', 'neq', 'in', 'not_in', 'contains', 'exists'],
  enum: ['eq', 'neq', 'in', 'not_in', 'exists'],
  int: ['gte', 'gt', 'lte', 'lt', 'eq', 'neq', 'between', 'in', 'not_in', 'exists'],
  number: ['gte', 'gt', 'lte', 'lt', 'between', 'exists'],
  instant: ['gte', 'gt', 'lte', 'lt', 'between', 'exists'],
  date: ['eq', 'neq', 'gte', 'gt', 'lte', 'lt', 'between', 'exists'],
  bool: ['eq', 'neq'],
  tags: ['eq', 'neq', 'in', 'not_in', 'contains', 'exists'],
  tier: ['eq', 'neq', 'in', 'not_in', 'gte', 'gt', 'lte', 'lt', 'exists'],
  json: ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'contains'],
};

export const opsOf = (f: FieldDef): readonly Op[] => OPS_BY_KIND[f.kind].filter((op) => op !== 'exists' || f.nullable || f.kind === 'tags');

export interface Leaf {
  type: 'leaf';
  id: string;
  negate: boolean;
  /** A field key of FIELDS, `attributes` (with `attrKey`) or `balance.<currency>`. */
  field: string;
  attrKey: string;
  op: Op;
  value: string;
  value2: string;
  /** Times: relative (days ago) or a calendar day. */
  when: 'days_ago' | 'date';
  days: string;
}
export interface Group {
  type: 'group';
  id: string;
  negate: boolean;
  mode: 'all' | 'any';
  children: Node[];
}
export type Node = Leaf | Group;

let seq = 0;
const nextId = () => `n${++seq}`;

export const newLeaf = (field = 'orders_count'): Leaf => {
  const def = fieldDef(field)!;
  return { type: 'leaf', id: nextId(), negate: false, field, attrKey: '', op: opsOf(def)[0]!, value: def.kind === 'bool' ? 'true' : def.values?.[0] ?? '', value2: '', when: 'days_ago', days: '' };
};
export const newGroup = (children: Node[] = [newLeaf()], mode: 'all' | 'any' = 'all'): Group => ({ type: 'group', id: nextId(), negate: false, mode, children });

/** A leaf with another field: the operator and value start over when the field's kind changes. */
export function withField(leaf: Leaf, field: string): Leaf {
  const before = fieldDef(leaf.field);
  const def = fieldDef(field)!;
  if (before && before.kind === def.kind && before.values === def.values) return { ...leaf, field };
  return { ...newLeaf(field), id: leaf.id, negate: leaf.negate };
}

const LIST_OPS: readonly Op[] = ['in', 'not_in'];
export const isList = (def: FieldDef, op: Op) => LIST_OPS.includes(op) || (def.kind === 'tags' && op === 'contains');
const split = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const numeric = /^-?\d+(\.\d+)?$/;

function scalar(def: FieldDef, text: string, leaf: Leaf, digits: number): unknown {
  const s = text.trim();
  if (!s) return undefined;
  if (def.money) return /^-?\d+([.,]\d+)?$/.test(s) ? (toMinor(s, digits) ?? undefined) : undefined;
  switch (def.kind) {
    case 'int':
    case 'number':
      return numeric.test(s) ? Number(s) : undefined;
    case 'instant':
    case 'date':
      if (leaf.when === 'days_ago') return /^\d+$/.test(s) ? { days_ago: Number(s) } : undefined;
      return s;
    case 'bool':
      return s === 'true';
    case 'json':
      return numeric.test(s) ? Number(s) : s === 'true' ? true : s === 'false' ? false : s;
    default:
      return s;
  }
}

/** The comparison as the API takes it, or undefined while a value is missing. */
function leafCondition(leaf: Leaf, digits: number): Record<string, unknown> | undefined {
  const def = fieldDef(leaf.field);
  if (!def) return undefined;
  const field = leaf.field === 'attributes' ? (leaf.attrKey.trim() ? `attributes.${leaf.attrKey.trim()}` : undefined) : leaf.field;
  if (!field) return undefined;
  const out: Record<string, unknown> = { field, op: leaf.op };
  if (def.window && /^\d+$/.test(leaf.days.trim()) && Number(leaf.days) > 0) out.days = Number(leaf.days);
  if (leaf.op === 'exists') {
    out.value = leaf.value !== 'false';
    return out;
  }
  if (leaf.op === 'between') {
    const lo = scalar(def, leaf.value, leaf, digits);
    const hi = scalar(def, leaf.value2, leaf, digits);
    if (lo === undefined || hi === undefined) return undefined;
    out.value = [lo, hi];
    return out;
  }
  if (isList(def, leaf.op)) {
    const items = split(leaf.value).map((v) => scalar(def, v, leaf, digits));
    if (items.length === 0 || items.some((v) => v === undefined)) return undefined;
    out.value = items;
    return out;
  }
  const v = scalar(def, leaf.value, leaf, digits);
  if (v === undefined) return undefined;
  out.value = v;
  return out;
}

/** The tree as the API takes it, or null while a row is incomplete (its id is in `incomplete`). */
export function toConditions(node: Node, digits: number, incomplete: Set<string> = new Set()): Record<string, unknown> | null {
  let c: Record<string, unknown> | null;
  if (node.type === 'leaf') {
    c = leafCondition(node, digits) ?? null;
    if (!c) incomplete.add(node.id);
  } else {
    const kids = node.children.map((k) => toConditions(k, digits, incomplete));
    if (kids.length === 0) incomplete.add(node.id);
    c = kids.length && kids.every(Boolean) ? { [node.mode]: kids } : null;
  }
  return c && node.negate ? { not: c } : c;
}

/** The path of each node in the API's terms (`conditions.all.1.not`), to put a server error on its row. */
export function pathsOf(node: Node, base = 'conditions', out = new Map<string, string>()): Map<string, string> {
  const at = node.negate ? `${base}.not` : base;
  out.set(node.id, at);
  if (node.type === 'group') node.children.forEach((k, i) => pathsOf(k, `${at}.${node.mode}.${i}`, out));
  return out;
}

/** The row a problem's field names: the deepest node whose path starts it. */
export function nodeAt(paths: Map<string, string>, field: string): string | undefined {
  let best: [string, number] | undefined;
  for (const [id, p] of paths) if ((field === p || field.startsWith(`${p}.`)) && (!best || p.length > best[1])) best = [id, p.length];
  return best?.[0];
}

const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

function leafOf(c: Record<string, unknown>, negate: boolean, digits: number): Leaf | null {
  const field = typeof c.field === 'string' ? c.field : '';
  const def = fieldDef(field);
  if (!def || typeof c.op !== 'string') return null;
  const base: Leaf = { ...newLeaf(def.key === 'attributes' ? 'attributes' : field), negate, op: c.op as Op, attrKey: field.startsWith('attributes.') ? field.slice(11) : '' };
  if (typeof c.days === 'number') base.days = String(c.days);
  const when = (v: unknown): string => {
    if (v && typeof v === 'object' && 'days_ago' in v) {
      base.when = 'days_ago';
      return text((v as { days_ago: unknown }).days_ago);
    }
    base.when = 'date';
    return text(v).slice(0, 10);
  };
  const one = (v: unknown) => (def.kind === 'instant' || def.kind === 'date' ? when(v) : def.money && typeof v === 'number' ? toMajor(v, digits) : text(v));
  const v = c.value;
  if (Array.isArray(v)) {
    if (c.op === 'between') {
      base.value = one(v[0]);
      base.value2 = one(v[1]);
    } else base.value = v.map(one).join(', ');
  } else if (c.op === 'exists') base.value = v === false ? 'false' : 'true';
  else base.value = one(v);
  return base;
}

/** The form of a saved tree; the root is always a group. */
export function fromConditions(c: unknown, digits: number, negate = false): Node | null {
  if (!c || typeof c !== 'object' || Array.isArray(c)) return null;
  const o = c as Record<string, unknown>;
  if ('not' in o) {
    const inner = fromConditions(o.not, digits, !negate);
    if (!inner) return null;
    return negate ? newGroup([inner]) : inner;
  }
  for (const mode of ['all', 'any'] as const) {
    if (Array.isArray(o[mode])) {
      const kids = (o[mode] as unknown[]).map((k) => fromConditions(k, digits));
      if (kids.some((k) => !k)) return null;
      return { ...newGroup(kids as Node[], mode), negate };
    }
  }
  return leafOf(o, negate, digits);
}

export function rootOf(c: unknown, digits: number): Group | null {
  const n = fromConditions(c, digits);
  if (!n) return null;
  return n.type === 'group' && !n.negate ? n : newGroup([n]);
}

/** Replaces the node `id` anywhere in the tree (or removes it with null). */
export function update(node: Node, id: string, fn: (n: Node) => Node | null): Node | null {
  if (node.id === id) return fn(node);
  if (node.type === 'leaf') return node;
  return { ...node, children: node.children.map((k) => update(k, id, fn)).filter((k): k is Node => k !== null) };
}
