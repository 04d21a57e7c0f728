import type { z } from 'zod';
import type { Queryable } from '../../platform/db.js';
import { AppError, type FieldError } from '../../platform/errors.js';
import type { Program } from '../programs/index.js';
import { parseCondition } from './rules.conditions.js';
import type { Effect, RuleDefinition } from './rules.contract.js';

const CODE_BY_SECTION: Record<string, string> = {
  effects: 'rules.invalid_effect',
  limits: 'rules.invalid_limit',
  conditions: 'rules.invalid_condition',
};

/**
 * Parses a request body with `schema`, then its condition tree. Errors name the field; those inside effects,
 * limits or conditions carry `rules.invalid_effect|limit|condition` so a caller can tell what to fix.
 */
export function parseBody<S extends z.ZodType>(schema: S, raw: unknown, prefix = ''): z.infer<S> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AppError('invalid', 'validation.invalid_type', 'A rule is a JSON object', { field: prefix || 'body' });
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const errors: FieldError[] = r.error.issues.map((i) => {
      const path = i.path.map(String);
      if (i.code === 'unrecognized_keys' && i.keys.length) path.push(i.keys[0]!);
      const field = prefix + (path.length ? path.join('.') : 'body');
      return {
        field,
        code: Object.hasOwn(CODE_BY_SECTION, path[0] ?? '') ? CODE_BY_SECTION[path[0]!]! : `validation.${i.code}`,
        message: i.code === 'unrecognized_keys' ? `Unknown field: ${i.keys.join(', ')}` : i.message,
      };
    });
    const first = errors[0]!;
    throw new AppError('invalid', first.code, `Invalid rule: ${first.field}: ${first.message}`, { field: first.field, errors });
  }
  const data = r.data as { conditions?: unknown };
  if (data.conditions !== undefined && data.conditions !== null) data.conditions = parseCondition(data.conditions, `${prefix}conditions`);
  return r.data;
}

const fail = (code: string, field: string, message: string) => new AppError('invalid', code, message, { field });

/** A multiplier in basis points (×1.5 = 15000), from `multiplier_bp` or the decimal string, in integers only. */
export function multiplierBp(e: Extract<Effect, { type: 'multiplier' }>): number {
  if (e.multiplier_bp !== undefined) return e.multiplier_bp;
  const [whole, frac = ''] = e.multiplier!.split('.');
  return Number(whole) * 10_000 + Number(frac.padEnd(4, '0'));
}

/** Checks what the schema cannot: a definition against itself and the program (its point currencies). */
export function checkDefinition(d: RuleDefinition, program: Program, prefix = ''): RuleDefinition {
  const currencies = program.point_currencies;
  const currency = (c: string | undefined, field: string, code: string) => {
    if (c !== undefined && !currencies.includes(c)) {
      throw fail(code, field, `The program has no point currency "${c}" (it has ${currencies.join(', ')})`);
    }
  };
  d.effects.forEach((e, i) => {
    const at = `${prefix}effects.${i}`;
    if ('currency' in e) currency(e.currency, `${at}.currency`, 'rules.invalid_effect');
    if ((e.type === 'per_amount' || e.type === 'threshold') && d.trigger !== 'purchase') {
      throw fail('rules.invalid_effect', `${at}.type`, `A ${e.type} effect needs an amount: its rule must trigger on purchase`);
    }
    if (e.type === 'per_amount' && e.lines && !e.lines.sku && !e.lines.category) {
      throw fail('rules.invalid_effect', `${at}.lines`, 'Name the lines by sku or category');
    }
    if (e.type === 'multiplier') {
      if ((e.multiplier_bp === undefined) === (e.multiplier === undefined)) {
        throw fail('rules.invalid_effect', `${at}.multiplier_bp`, 'Give exactly one of multiplier_bp or multiplier');
      }
      const bp = multiplierBp(e);
      if (bp <= 10_000 || bp > 1_000_000) throw fail('rules.invalid_effect', `${at}.multiplier`, 'A multiplier is above 1 and at most 100');
    }
    if (e.type === 'tag' && !e.add?.length && !e.remove?.length) {
      throw fail('rules.invalid_effect', `${at}.add`, 'A tag effect adds or removes at least one tag');
    }
  });
  if (d.limits) {
    currency(d.limits.currency, `${prefix}limits.currency`, 'rules.invalid_limit');
    d.limits.per_member?.forEach((l, i) => {
      if (l.points === undefined && l.times === undefined) {
        throw fail('rules.invalid_limit', `${prefix}limits.per_member.${i}`, 'A limit caps points, times, or both');
      }
    });
    const periods = d.limits.per_member?.map((l) => l.period) ?? [];
    const dup = periods.find((p, i) => periods.indexOf(p) !== i);
    if (dup) throw fail('rules.invalid_limit', `${prefix}limits.per_member`, `Period ${dup} is limited twice: put points and times in one entry`);
  }
  if (d.stacking === 'exclusive' && !d.group) throw fail('rules.invalid_stacking', `${prefix}group`, 'An exclusive rule names its group');
  if (d.stacking === 'stack' && d.group) throw fail('rules.invalid_stacking', `${prefix}stacking`, 'A group only matters to exclusive rules');
  if (d.effective_from && d.effective_to && d.effective_from >= d.effective_to) {
    throw fail('rules.invalid_dates', `${prefix}effective_to`, 'effective_to must be after effective_from');
  }
  return d;
}

/** Which of some reward ids name no reward of the program (the rewards module answers). */
export type UnknownRewards = (q: Queryable, programId: string, ids: readonly string[]) => Promise<Set<string>>;

/**
 * Every reward a definition's effects issue must be one of the program's: an unknown one (made up, or another
 * program's) is refused when the rule is written, naming the effect, instead of failing each time it fires.
 */
export async function checkRewardRefs(q: Queryable, program: Program, d: RuleDefinition, unknown: UnknownRewards | undefined, prefix = '') {
  const refs = d.effects.flatMap((e, i) => (e.type === 'reward' ? [{ id: e.reward_id, field: `${prefix}effects.${i}.reward_id` }] : []));
  if (!refs.length || !unknown) return;
  const missing = await unknown(q, program.id, refs.map((r) => r.id));
  const bad = refs.find((r) => missing.has(r.id));
  if (bad) throw fail('rules.unknown_reward', bad.field, `The program has no reward ${bad.id}`);
}

const isoOrNull = (s: string | null | undefined) => (s ? new Date(s).toISOString() : null);

/** A definition with its defaults, from a parsed create body or a stored definition merged with a patch. */
export function toDefinition(b: {
  name: string;
  description?: string | null;
  trigger: string;
  conditions?: unknown;
  effects: Effect[];
  limits?: RuleDefinition['limits'];
  priority?: number;
  stacking?: 'stack' | 'exclusive';
  group?: string | null;
  effective_from?: string | null;
  effective_to?: string | null;
}): RuleDefinition {
  return {
    name: b.name,
    description: b.description ?? null,
    trigger: b.trigger,
    conditions: (b.conditions ?? null) as RuleDefinition['conditions'],
    effects: b.effects,
    limits: b.limits ?? null,
    priority: b.priority ?? 0,
    stacking: b.stacking ?? 'stack',
    group: b.group ?? null,
    effective_from: isoOrNull(b.effective_from),
    effective_to: isoOrNull(b.effective_to),
  };
}
