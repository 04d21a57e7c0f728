import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import type { Condition, LineFilter, Op } from './rules.contract.js';

type Kind = 'number' | 'string' | 'boolean' | 'strings' | 'any';
interface FieldSpec {
  kind: Kind;
  /** Takes a line filter (`where`). */
  where?: boolean;
  /** Takes a window in days: required or optional. */
  days?: 'required' | 'optional';
}

const FIELDS: Record<string, FieldSpec> = {
  'event.type': { kind: 'string' },
  'event.amount': { kind: 'number' },
  'event.currency': { kind: 'string' },
  'event.channel': { kind: 'string' },
  'event.store_id': { kind: 'string' },
  'event.quantity': { kind: 'number' },
  'event.skus': { kind: 'strings' },
  'event.categories': { kind: 'strings' },
  'event.occurred_at': { kind: 'string' },
  'lines.quantity': { kind: 'number', where: true },
  'lines.amount': { kind: 'number', where: true },
  'lines.count': { kind: 'number', where: true },
  'member.tier': { kind: 'string' },
  'member.tier_level_id': { kind: 'string' },
  'member.tier_rank': { kind: 'number' },
  'member.tags': { kind: 'strings' },
  'member.enrolment_days': { kind: 'number' },
  'member.enrolment_channel': { kind: 'string' },
  'member.country': { kind: 'string' },
  'member.locale': { kind: 'string' },
  'member.consent.email': { kind: 'boolean' },
  'member.consent.sms': { kind: 'boolean' },
  'member.consent.push': { kind: 'boolean' },
  'date.weekday': { kind: 'number' },
  'date.hour': { kind: 'number' },
  'date.date': { kind: 'string' },
  'date.month': { kind: 'number' },
  'date.birthday_month': { kind: 'boolean' },
  'date.days_to_birthday': { kind: 'number' },
  'history.first_purchase': { kind: 'boolean' },
  'history.purchase_count': { kind: 'number' },
  'history.spend': { kind: 'number', days: 'required' },
  'history.purchases': { kind: 'number', days: 'optional' },
  'history.days_since_last_purchase': { kind: 'number' },
};
/** Open-ended paths into free-form JSON. */
const PREFIXES = ['event.properties.', 'member.attributes.', 'member.tier_benefits.'];

export function fieldSpec(field: string): FieldSpec | undefined {
  if (FIELDS[field]) return FIELDS[field];
  const p = PREFIXES.find((x) => field.startsWith(x));
  if (p && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(field.slice(p.length))) return { kind: 'any' };
  return undefined;
}

const Scalar = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);
const Leaf = z
  .object({
    field: z.string().min(1).max(200),
    op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'exists']),
    value: z.union([Scalar, z.array(Scalar).min(1).max(1000)]).optional(),
    where: z
      .object({ sku: z.array(z.string().min(1).max(100)).min(1).max(500).optional(), category: z.array(z.string().min(1).max(100)).min(1).max(500).optional() })
      .strict()
      .optional(),
    days: z.number().int().min(1).max(3660).optional(),
  })
  .strict();

const MAX_DEPTH = 8;
const MAX_NODES = 200;

const bad = (field: string, message: string) =>
  new AppError('invalid', 'rules.invalid_condition', `Invalid condition at ${field}: ${message}`, { field });

/** Validates a condition tree and returns it typed; a bad node is refused with the dotted path of its field. */
export function parseCondition(raw: unknown, path = 'conditions'): Condition {
  let nodes = 0;
  const walk = (node: unknown, at: string, depth: number): Condition => {
    if (++nodes > MAX_NODES) throw bad(at, `a condition tree has at most ${MAX_NODES} nodes`);
    if (depth > MAX_DEPTH) throw bad(at, `conditions nest at most ${MAX_DEPTH} deep`);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) throw bad(at, 'a condition is a JSON object');
    const keys = Object.keys(node);
    const o = node as Record<string, unknown>;
    for (const k of ['all', 'any'] as const) {
      if (k in o) {
        if (keys.length !== 1) throw bad(at, `"${k}" stands alone in its object`);
        const list = o[k];
        if (!Array.isArray(list) || list.length === 0 || list.length > 50) throw bad(`${at}.${k}`, 'a list of 1 to 50 conditions');
        return k === 'all'
          ? { all: list.map((c, i) => walk(c, `${at}.all.${i}`, depth + 1)) }
          : { any: list.map((c, i) => walk(c, `${at}.any.${i}`, depth + 1)) };
      }
    }
    if ('not' in o) {
      if (keys.length !== 1) throw bad(at, '"not" stands alone in its object');
      return { not: walk(o.not, `${at}.not`, depth + 1) };
    }
    if (!('field' in o)) throw bad(at, 'give "all", "any", "not", or a comparison with "field" and "op"');
    const r = Leaf.safeParse(node);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const sub = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.map(String).join('.');
      throw bad(sub ? `${at}.${sub}` : at, issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : issue.message);
    }
    const leaf = r.data;
    const spec = fieldSpec(leaf.field);
    if (!spec) throw bad(`${at}.field`, `unknown field "${leaf.field}"`);
    if (leaf.where && !spec.where) throw bad(`${at}.where`, `${leaf.field} takes no line filter`);
    if (leaf.days !== undefined && !spec.days) throw bad(`${at}.days`, `${leaf.field} takes no "days"`);
    if (spec.days === 'required' && leaf.days === undefined) throw bad(`${at}.days`, `${leaf.field} needs "days" (the window)`);
    checkValue(leaf.field, spec.kind, leaf.op, leaf.value, `${at}.value`);
    return leaf as Condition;
  };
  return walk(raw, path, 0);
}

function checkValue(field: string, kind: Kind, op: Op, value: unknown, at: string) {
  const is = (v: unknown, k: Kind) =>
    k === 'any' || (k === 'strings' ? typeof v === 'string' : k === 'string' ? typeof v === 'string' : typeof v === k);
  if (op === 'exists') {
    if (value !== undefined && typeof value !== 'boolean') throw bad(at, 'exists takes true or false (default true)');
    return;
  }
  if (value === undefined) throw bad(at, `${op} needs a value`);
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(value)) throw bad(at, `${op} takes a list`);
    if (kind === 'boolean') throw bad(at, `${field} is true or false: use eq`);
    if (!value.every((v) => is(v, kind))) throw bad(at, `every value must be a ${kind === 'strings' ? 'string' : kind}`);
    return;
  }
  if (Array.isArray(value)) throw bad(at, `${op} takes one value; use in for a list`);
  if (kind === 'strings') {
    if (op !== 'contains') throw bad(`${at.replace(/\.value$/, '.op')}`, `${field} is a list: use contains, in, nin or exists`);
    if (typeof value !== 'string') throw bad(at, 'must be a string');
    return;
  }
  if (op === 'contains') {
    if (kind !== 'string' && kind !== 'any') throw bad(`${at.replace(/\.value$/, '.op')}`, `contains applies to text and lists, not ${field}`);
    return;
  }
  if (['gt', 'gte', 'lt', 'lte'].includes(op)) {
    if (kind === 'boolean') throw bad(`${at.replace(/\.value$/, '.op')}`, `${field} is true or false: use eq`);
    if (kind === 'any' ? typeof value === 'boolean' : !is(value, kind)) throw bad(at, `must be a ${kind === 'any' ? 'number or string' : kind}`);
    return;
  }
  if (!is(value, kind)) throw bad(at, `must be a ${kind}`);
}

/** Where a condition failed, for preview and logs. */
export interface Failure {
  path: string;
  field?: string;
  op?: string;
  value?: unknown;
  actual?: unknown;
  message: string;
}
export type Verdict = { ok: true } | { ok: false; failed: Failure };

/** Gives a field's value for the event being evaluated (loaded lazily: only fields a rule names are read). */
export type Resolve = (leaf: { field: string; where?: LineFilter; days?: number }) => Promise<unknown>;

function compare(op: Op, actual: unknown, value: unknown): boolean {
  if (op === 'exists') return (value === false) === (actual === null || actual === undefined);
  if (actual === null || actual === undefined) return op === 'ne' || op === 'nin';
  const list = Array.isArray(actual) ? (actual as unknown[]) : null;
  switch (op) {
    case 'eq':
      return list ? list.includes(value) : actual === value;
    case 'ne':
      return list ? !list.includes(value) : actual !== value;
    case 'in':
      return list ? list.some((a) => (value as unknown[]).includes(a)) : (value as unknown[]).includes(actual);
    case 'nin':
      return list ? !list.some((a) => (value as unknown[]).includes(a)) : !(value as unknown[]).includes(actual);
    case 'contains':
      return list ? list.includes(value) : typeof actual === 'string' && typeof value === 'string' && actual.includes(value);
    default: {
      if (typeof actual !== typeof value || (typeof actual !== 'number' && typeof actual !== 'string')) return false;
      const a = actual as number | string;
      const v = value as number | string;
      return op === 'gt' ? a > v : op === 'gte' ? a >= v : op === 'lt' ? a < v : a <= v;
    }
  }
}

/** Evaluates a condition tree; the verdict names the first condition that failed. */
export async function evaluate(c: Condition | null, resolve: Resolve, path = 'conditions'): Promise<Verdict> {
  if (c === null) return { ok: true };
  if ('all' in c) {
    for (let i = 0; i < c.all.length; i++) {
      const v = await evaluate(c.all[i]!, resolve, `${path}.all.${i}`);
      if (!v.ok) return v;
    }
    return { ok: true };
  }
  if ('any' in c) {
    const failures: Failure[] = [];
    for (let i = 0; i < c.any.length; i++) {
      const v = await evaluate(c.any[i]!, resolve, `${path}.any.${i}`);
      if (v.ok) return v;
      failures.push(v.failed);
    }
    return { ok: false, failed: { path, message: `none of ${c.any.length} alternatives matched (first: ${failures[0]!.message})` } };
  }
  if ('not' in c) {
    const v = await evaluate(c.not, resolve, `${path}.not`);
    return v.ok ? { ok: false, failed: { path, message: 'the negated condition matched' } } : { ok: true };
  }
  const actual = await resolve(c);
  if (compare(c.op, actual, c.value)) return { ok: true };
  return {
    ok: false,
    failed: {
      path,
      field: c.field,
      op: c.op,
      value: c.value,
      actual: actual ?? null,
      message: `${c.field} ${c.op}${c.value === undefined ? '' : ` ${JSON.stringify(c.value)}`} failed (actual ${JSON.stringify(actual ?? null)})`,
    },
  };
}

/** Whether a line passes a filter (no filter: every line). */
export function lineMatches(line: { sku: string; category?: string }, where?: LineFilter): boolean {
  if (!where || (!where.sku && !where.category)) return true;
  return !!(where.sku?.includes(line.sku) || (line.category !== undefined && where.category?.includes(line.category)));
}

/** Field names a condition tree reads (to know which facts an evaluation may need). */
export function fieldsOf(c: Condition | null, out = new Set<string>()): Set<string> {
  if (!c) return out;
  if ('all' in c) c.all.forEach((x) => fieldsOf(x, out));
  else if ('any' in c) c.any.forEach((x) => fieldsOf(x, out));
  else if ('not' in c) fieldsOf(c.not, out);
  else out.add(c.field);
  return out;
}
