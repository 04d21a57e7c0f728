import { z } from 'zod';
import { DayOrInstant, Day as IsoDay } from '../../platform/instant.js';
import { SEGMENT_NAMES } from './analytics.rfm.js';

/**
 * The condition language of saved segments: a tree of `all` / `any` / `not` groups over comparisons
 * `{field, op, value}` on members. The zod schema here checks it field by field, so each error carries the path
 * of the bad node (`all.2.value`); `parseSegmentBody` (segments.contract.ts) turns those into
 * `segments.invalid_condition` at `conditions.all.2.value`. segments.sql.ts compiles a valid tree to SQL.
 */

export const OPS = ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'contains'] as const;
export type Op = (typeof OPS)[number];

/** A point in time: a day (UTC midnight), an instant, or relative to now. */
export type When = string | { days_ago: number };

export type Leaf = {
  field: string;
  op: Op;
  value?: unknown;
  /** Activity fields: count only the last `days` days. */
  days?: number;
};
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Leaf;

/**
 * What a field holds, which decides its operators and values. `text`, `enum`, `int`, `number`: a column;
 * `instant` a timestamp, `date` a calendar day; `tags` the member's tag list; `tier` a level (name or id,
 * ordered by threshold); `json` a value inside the member's attributes.
 */
export type Kind = 'text' | 'enum' | 'int' | 'number' | 'instant' | 'date' | 'bool' | 'tags' | 'tier' | 'json';

export interface FieldSpec {
  kind: Kind;
  /** Allowed values of an enum. */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Can be missing (null): `exists` applies. */
  nullable: boolean;
  /** Takes `days`: an activity window. */
  window?: boolean;
}

const MONEY = Number.MAX_SAFE_INTEGER;
const f = (kind: Kind, more: Partial<FieldSpec> = {}): FieldSpec => ({ kind, nullable: true, ...more });

export const FIELDS: Readonly<Record<string, FieldSpec>> = {
  status: f('enum', { values: ['active', 'suspended'], nullable: false }),
  country: f('text'),
  locale: f('text'),
  enrolment_channel: f('text'),
  enrolled_at: f('instant', { nullable: false }),
  birthdate: f('date'),
  age: f('int', { min: 0, max: 200 }),
  'consent.email': f('bool', { nullable: false }),
  'consent.sms': f('bool', { nullable: false }),
  'consent.push': f('bool', { nullable: false }),
  tags: f('tags', { nullable: false }),
  tier: f('tier'),
  rfm_segment: f('enum', { values: SEGMENT_NAMES }),
  recency_score: f('int', { min: 1, max: 5 }),
  frequency_score: f('int', { min: 1, max: 5 }),
  monetary_score: f('int', { min: 1, max: 5 }),
  churn_risk: f('enum', { values: ['low', 'medium', 'high', 'lost'] }),
  p_alive: f('number', { min: 0, max: 1 }),
  expected_purchases: f('number', { min: 0, max: 1e9 }),
  expected_spend: f('int', { min: 0, max: MONEY }),
  clv: f('int', { min: -MONEY, max: MONEY }),
  repeat_purchases: f('int', { min: 0, max: 1e9 }),
  last_purchase_at: f('instant'),
  first_purchase_at: f('instant'),
  orders_count: f('int', { min: 0, max: 1e9, nullable: false, window: true }),
  total_spent: f('int', { min: -MONEY, max: MONEY, nullable: false, window: true }),
};

/** Fields read from member_scores (written by the scoring jobs). */
export const SCORE_FIELDS: ReadonlySet<string> = new Set([
  'rfm_segment',
  'recency_score',
  'frequency_score',
  'monetary_score',
  'churn_risk',
  'p_alive',
  'expected_purchases',
  'expected_spend',
  'clv',
  'repeat_purchases',
]);

const PATH = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;
export const CURRENCY = /^[a-z][a-z0-9_]{0,31}$/;

/** The spec of a field name, including the open-ended `attributes.<path>` and `balance.<currency>`. */
export function fieldSpec(field: string): FieldSpec | undefined {
  if (Object.hasOwn(FIELDS, field)) return FIELDS[field];
  if (field.startsWith('attributes.') && PATH.test(field.slice(11))) return f('json');
  if (field.startsWith('balance.') && CURRENCY.test(field.slice(8))) return f('int', { min: -MONEY, max: MONEY, nullable: false });
  return undefined;
}

const OPS_BY_KIND: Record<Kind, readonly Op[]> = {
  text: ['eq', 'neq', 'in', 'not_in', 'contains', 'exists'],
  enum: ['eq', 'neq', 'in', 'not_in', 'exists'],
  int: ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'exists'],
  number: ['gt', 'gte', 'lt', 'lte', 'between', 'exists'],
  instant: ['gt', 'gte', 'lt', 'lte', 'between', 'exists'],
  date: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'exists'],
  bool: ['eq', 'neq'],
  tags: ['eq', 'neq', 'in', 'not_in', 'contains', 'exists'],
  tier: ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'exists'],
  json: ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'contains'],
};

export function opsOf(spec: FieldSpec): readonly Op[] {
  return OPS_BY_KIND[spec.kind].filter((op) => op !== 'exists' || spec.nullable || spec.kind === 'tags');
}

const Text = z.string().min(1).max(500);
const list = <T extends z.ZodType>(t: T) => z.array(t).min(1).max(1000);
const Scalar = z.union([z.string().max(500), z.number().finite(), z.boolean()]);
const Days = z.number().int().min(0).max(36_500);
const WhenSchema = z.union([
  DayOrInstant,
  z.object({ days_ago: Days.describe('Now minus this many days') }).strict(),
]);
const Day = z.union([IsoDay, z.object({ days_ago: Days }).strict()]);

/** Two bounds, inclusive; numbers must be in order (dates may come either way). */
const pair = <T extends z.ZodType>(t: T, ordered: boolean) =>
  z
    .tuple([t, t])
    .refine(
      (v) => !ordered || typeof v[0] !== 'number' || typeof v[1] !== 'number' || v[0] <= v[1],
      'between takes [low, high] with low ≤ high',
    );

/** The value schema of an operator on a field (undefined: the op takes no value but `exists`). */
function valueSchema(spec: FieldSpec, op: Op): z.ZodType {
  if (op === 'exists') return z.boolean().default(true).describe('true: has a value; false: has none');
  const num = () => {
    let n = spec.kind === 'int' ? z.number().int() : z.number().finite();
    if (spec.min !== undefined) n = n.min(spec.min);
    if (spec.max !== undefined) n = n.max(spec.max);
    return n;
  };
  switch (spec.kind) {
    case 'text':
      return op === 'in' || op === 'not_in' ? list(Text) : Text;
    case 'enum': {
      const e = z.enum(spec.values as [string, ...string[]]);
      return op === 'in' || op === 'not_in' ? list(e) : e;
    }
    case 'int':
    case 'number':
      return op === 'in' || op === 'not_in' ? list(num()) : op === 'between' ? pair(num(), true) : num();
    case 'instant':
      return op === 'between' ? pair(WhenSchema, false) : WhenSchema;
    case 'date':
      return op === 'between' ? pair(Day, false) : Day;
    case 'bool':
      return z.boolean();
    case 'tags':
      // eq/neq: has (not) this tag; contains: has all of them; in: has any; not_in: has none.
      return op === 'in' || op === 'not_in' ? list(Text) : op === 'contains' ? z.union([Text, list(Text)]) : Text;
    case 'tier':
      return op === 'in' || op === 'not_in' ? list(Text) : Text;
    case 'json':
      if (op === 'in' || op === 'not_in') return list(Scalar);
      if (op === 'between') return z.union([pair(z.number().finite(), true), pair(z.string().max(500), false)]);
      if (op === 'eq' || op === 'neq') return Scalar;
      return z.union([z.number().finite(), z.string().max(500)]);
  }
}

const LeafShape = z
  .object({
    field: z.string().min(1).max(200),
    op: z.enum(OPS),
    value: z.unknown().optional(),
    days: z.number().int().min(1).max(3660).optional().describe('Activity fields: only the last N days'),
  })
  .strict();

const nest = (ctx: z.RefinementCtx, issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []) => {
  for (const i of issues) {
    const path = [...prefix, ...i.path];
    if (i.code === 'unrecognized_keys' && i.keys.length) path.push(i.keys[0]!);
    ctx.addIssue({ code: 'custom', path, message: i.code === 'unrecognized_keys' ? `unknown key ${i.keys.join(', ')}` : i.message });
  }
};

const LeafSchema = LeafShape.transform((leaf, ctx): Leaf => {
  const spec = fieldSpec(leaf.field);
  if (!spec) {
    ctx.addIssue({ code: 'custom', path: ['field'], message: `unknown field "${leaf.field}"` });
    return z.NEVER;
  }
  const ops = opsOf(spec);
  if (!ops.includes(leaf.op)) {
    ctx.addIssue({ code: 'custom', path: ['op'], message: `${leaf.field} takes ${ops.join(', ')}` });
    return z.NEVER;
  }
  if (leaf.days !== undefined && !spec.window) {
    ctx.addIssue({ code: 'custom', path: ['days'], message: `${leaf.field} takes no "days"` });
    return z.NEVER;
  }
  if (leaf.value === undefined && leaf.op !== 'exists') {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `${leaf.op} needs a value` });
    return z.NEVER;
  }
  const r = valueSchema(spec, leaf.op).safeParse(leaf.value);
  if (!r.success) {
    nest(ctx, r.error.issues, ['value']);
    return z.NEVER;
  }
  return { field: leaf.field, op: leaf.op, value: r.data, ...(leaf.days !== undefined ? { days: leaf.days } : {}) };
});

const MAX_CHILDREN = 50;
/** Chooses the node's schema by its keys, so an error names the path inside the right kind of node. */
const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.unknown().transform((node, ctx): Condition => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      ctx.addIssue({ code: 'custom', message: 'a condition is an object: {"all": [...]}, {"any": [...]}, {"not": {...}} or {"field", "op", "value"}' });
      return z.NEVER;
    }
    const schema = 'all' in node ? AllSchema : 'any' in node ? AnySchema : 'not' in node ? NotSchema : LeafSchema;
    const r = schema.safeParse(node);
    if (!r.success) {
      nest(ctx, r.error.issues);
      return z.NEVER;
    }
    return r.data;
  }),
);
const Children = z.array(ConditionSchema).min(1).max(MAX_CHILDREN);
const AllSchema = z.object({ all: Children }).strict();
const AnySchema = z.object({ any: Children }).strict();
const NotSchema = z.object({ not: ConditionSchema }).strict();

const MAX_DEPTH = 8;
const MAX_LEAVES = 200;

/** Nesting of the raw JSON, without recursion: refused early so a hostile body cannot exhaust the stack. */
function rawDepth(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    max = Math.max(max, d);
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** How the tree is documented: the body schemas validate with `Conditions`, answers are described with `ConditionsDoc`. */
const CONDITIONS_TEXT =
  'A tree of {"all": [...]}, {"any": [...]}, {"not": {...}} over comparisons {"field", "op", "value"}. Fields: ' +
  'status, country, locale, enrolment_channel, enrolled_at, birthdate, age, consent.email|sms|push, tags, tier (level name or id; ' +
  'gt/gte/lt/lte compare by threshold), attributes.<key>[.<key>…], balance.<currency> (available account), ' +
  'rfm_segment, recency_score, frequency_score, monetary_score, churn_risk, p_alive, expected_purchases, expected_spend, clv, ' +
  'repeat_purchases (from the latest scores), last_purchase_at, first_purchase_at, orders_count and total_spent (net of refunds, ' +
  'minor units; optional "days": only the last N days). Ops: eq, neq, in, not_in, gt, gte, lt, lte, between ([low, high], inclusive), ' +
  'exists (true/false), contains (text: case-insensitive part; tags: has all; attributes: part of a text or member of a list). ' +
  'Tags: eq = has, neq = has not, in = has any, not_in = has none. Times: "2026-01-31", an ISO 8601 instant, or {"days_ago": 30}. ' +
  'neq and not_in include members without a value; text compares case-insensitively. Erased members are never in a segment.';

/**
 * The whole tree: the node schema plus limits on depth and size. Its JSON Schema says only "an object" (with
 * the language in words): the checks are code, and the errors name the node at fault.
 */
export const Conditions = z
  .unknown()
  .superRefine((raw, ctx) => {
    // A leaf adds up to two levels (its object and a list value); each group two (object and list).
    if (rawDepth(raw) > 2 * MAX_DEPTH + 4) ctx.addIssue({ code: 'custom', message: `conditions nest at most ${MAX_DEPTH} deep` });
  })
  .pipe(ConditionSchema)
  .superRefine((tree, ctx) => {
  let leaves = 0;
  const walk = (c: Condition, path: (string | number)[], depth: number): boolean => {
    if (depth > MAX_DEPTH) {
      ctx.addIssue({ code: 'custom', path, message: `conditions nest at most ${MAX_DEPTH} deep` });
      return false;
    }
    if ('all' in c) return c.all.every((x, i) => walk(x, [...path, 'all', i], depth + 1));
    if ('any' in c) return c.any.every((x, i) => walk(x, [...path, 'any', i], depth + 1));
    if ('not' in c) return walk(c.not, [...path, 'not'], depth + 1);
    if (++leaves > MAX_LEAVES) {
      ctx.addIssue({ code: 'custom', path, message: `a segment has at most ${MAX_LEAVES} comparisons` });
      return false;
    }
    return true;
  };
  walk(tree, [], 0);
})
  .meta({ type: 'object', description: CONDITIONS_TEXT });

/** A condition tree as the API answers it (the one it was saved with). */
export const ConditionsDoc = z.record(z.string(), z.unknown()).describe(CONDITIONS_TEXT);
