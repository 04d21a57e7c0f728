import type { Queryable } from '../../platform/db.js';
import { DAY_MS } from '../../platform/clock.js';
import type { Program, Rounding } from '../programs/index.js';
import type { Effect, Limits, RuleDefinition } from './rules.contract.js';
import { evaluate, type Failure } from './rules.conditions.js';
import { periodKey, type Facts } from './rules.facts.js';
import { multiplierBp } from './rules.validate.js';
import { rulesRepo as repo, type UsageKey } from './rules.repo.js';

/** A rule as the engine runs it: the definition of one version. */
export interface CompiledRule {
  id: string;
  /** null for the built-in base_earning rule and for draft rules in a preview. */
  version: number | null;
  def: RuleDefinition;
}

export interface Award {
  currency: string;
  points: number;
  pendingDays: number;
}

/** What happened to one rule for one event. */
export interface RuleTrace {
  rule: CompiledRule;
  fired: boolean;
  paid: boolean;
  reason: string;
  failed: Failure | null;
  awards: Award[];
  capped: boolean;
  tags: { add: string[]; remove: string[] };
  rewards: string[];
}

export const BASE_RULE_ID = 'base_earning';

/** The program's base rate as a rule, so multipliers see it; none when the program pays 0 points. */
export function baseRule(program: Program): CompiledRule | null {
  const b = program.settings.base_earning;
  if (b.points <= 0) return null;
  return {
    id: BASE_RULE_ID,
    version: null,
    def: {
      name: 'Base earning rate',
      description: null,
      trigger: 'purchase',
      conditions: null,
      effects: [{ type: 'per_amount', points: b.points, per_amount: b.per_amount }],
      limits: null,
      priority: 0,
      stacking: 'stack',
      group: null,
      effective_from: null,
      effective_to: null,
    },
  };
}

/** n × num / den in exact integers, rounded as asked; clamped to a safe integer. */
function ratio(n: number, num: number, den: number, rounding: Rounding): number {
  const N = BigInt(n) * BigInt(num);
  const D = BigInt(den);
  let q = N / D;
  const r = N % D;
  if (r !== 0n && (rounding === 'ceil' || (rounding === 'round' && r * 2n >= D))) q += 1n;
  return q > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(q);
}

export interface RunInput {
  q: Queryable;
  program: Program;
  memberId: string;
  eventType: string;
  occurredAt: Date;
  amount: number | null;
  facts: Facts;
  /** apply: limits are claimed and counted; preview: read only. */
  mode: 'apply' | 'preview';
  /** A batch's usage rows, claimed once and counted in memory until the batch writes them (see `usageCache`). */
  usageCache?: UsageCache;
}

/**
 * The usage rows a batch of events has claimed, with what the batch has counted on them so far. A budget row
 * is shared by every member: updated once per event, its row versions pile up inside one transaction and each
 * later update walks them all; counted in memory and written once per batch, it stays one update.
 */
export interface UsageCache {
  rows: Map<string, { points: number; times: number }>;
  counted: Map<string, UsageKey & { rule_id: string; points: number; times: number }>;
}

export const usageCache = (): UsageCache => ({ rows: new Map(), counted: new Map() });

/** Writes what a batch counted, one statement for all its usage rows. */
export async function flushUsage(q: Queryable, programId: string, cache: UsageCache) {
  await repo.addUsage(q, programId, [...cache.counted.values()]);
  cache.counted.clear();
}

const isMultiplier = (d: RuleDefinition) => d.effects.some((e) => e.type === 'multiplier');

/**
 * Decides what every rule pays for one event: trigger and dates, conditions, exclusive groups, the points of
 * each effect, multipliers on what the other rules paid, then limits (cut to the cap). In apply mode the
 * limits' usage counters are claimed and updated here, in the event's transaction; crediting is the caller's.
 */
export async function runRules(rules: readonly CompiledRule[], input: RunInput): Promise<RuleTrace[]> {
  const { occurredAt } = input;
  const sorted = [...rules].sort((a, b) => b.def.priority - a.def.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const traces: RuleTrace[] = [];
  const groupWinner = new Map<string, string>();
  const t = occurredAt.toISOString();
  for (const rule of sorted) {
    const trace: RuleTrace = { rule, fired: false, paid: false, reason: '', failed: null, awards: [], capped: false, tags: { add: [], remove: [] }, rewards: [] };
    traces.push(trace);
    const d = rule.def;
    if (d.trigger !== input.eventType) {
      trace.reason = `triggers on ${d.trigger}, not ${input.eventType}`;
      continue;
    }
    if (d.effective_from && t < d.effective_from) {
      trace.reason = `not in effect before ${d.effective_from}`;
      continue;
    }
    if (d.effective_to && t >= d.effective_to) {
      trace.reason = `not in effect since ${d.effective_to}`;
      continue;
    }
    const verdict = await evaluate(d.conditions, input.facts.resolve);
    if (!verdict.ok) {
      trace.failed = verdict.failed;
      trace.reason = `condition ${verdict.failed.path} failed: ${verdict.failed.message}`;
      continue;
    }
    trace.fired = true;
    if (d.stacking === 'exclusive' && d.group) {
      const winner = groupWinner.get(d.group);
      if (winner) {
        trace.reason = `excluded: ${winner} has priority in group ${d.group}`;
        continue;
      }
      groupWinner.set(d.group, rule.id);
    }
    trace.paid = true;
    trace.reason = 'conditions matched';
  }

  // Multipliers apply to what the other rules paid (after their limits), so those go first.
  const paying = traces.filter((x) => x.paid);
  const usage = await claimUsage(paying, input);
  const base: Record<string, number> = {};
  for (const phase of [false, true]) {
    for (const trace of paying.filter((x) => isMultiplier(x.rule.def) === phase)) {
      trace.awards = effectsOf(trace, input, base);
      applyLimits(trace, input, usage);
      if (!phase) for (const a of trace.awards) base[a.currency] = (base[a.currency] ?? 0) + a.points;
    }
  }
  if (input.mode === 'apply') {
    const cache = input.usageCache;
    if (!cache) {
      await repo.addUsage(input.q, input.program.id, usage.counted.map((c) => ({ ...c, times: 1 })));
    } else {
      for (const c of usage.counted) {
        const id = usageId(c.rule_id, c);
        const row = cache.rows.get(id) ?? { points: 0, times: 0 };
        cache.rows.set(id, { points: row.points + c.points, times: row.times + 1 });
        const sum = cache.counted.get(id) ?? { ...c, points: 0, times: 0 };
        cache.counted.set(id, { ...sum, points: sum.points + c.points, times: sum.times + 1 });
      }
    }
  }
  return traces;
}

interface Usage {
  keys: Map<string, { keys: UsageKey[]; of: (k: UsageKey) => { points?: number; times?: number } }>;
  rows: Map<string, { points: number; times: number }>;
  /** What the event's rules paid against each usage row, written in one statement at the end. */
  counted: (UsageKey & { rule_id: string; points: number })[];
}

const usageId = (ruleId: string, k: UsageKey) => `${ruleId}\n${k.member_id}\n${k.period}`;

/** Reads (apply: claims and locks) the usage rows of every paying rule with limits, in one statement. */
async function claimUsage(paying: readonly RuleTrace[], input: RunInput): Promise<Usage> {
  const usage: Usage = { keys: new Map(), rows: new Map(), counted: [] };
  const all: (UsageKey & { rule_id: string })[] = [];
  for (const trace of paying) {
    const limits = trace.rule.def.limits;
    if (!limits || (!limits.per_member?.length && !limits.budget)) continue;
    const k = await usageKeys(limits, input);
    usage.keys.set(trace.rule.id, k);
    // Two limits over the same period share one row: claim it once (a statement cannot lock a row twice).
    for (const key of k.keys) if (!all.some((a) => a.rule_id === trace.rule.id && usageId(a.rule_id, a) === usageId(trace.rule.id, key))) all.push({ ...key, rule_id: trace.rule.id });
  }
  const cache = input.mode === 'apply' ? input.usageCache : undefined;
  if (cache) {
    // Rows this batch already holds are read from memory; the others are claimed now and kept.
    const missing = all.filter((k) => !cache.rows.has(usageId(k.rule_id, k)));
    for (const r of await repo.lockUsage(input.q, input.program.id, missing)) {
      cache.rows.set(usageId(r.rule_id, r), { points: r.points, times: r.times });
    }
    for (const k of all) usage.rows.set(usageId(k.rule_id, k), { ...cache.rows.get(usageId(k.rule_id, k))! });
    return usage;
  }
  const rows =
    input.mode === 'apply' ? await repo.lockUsage(input.q, input.program.id, all) : await repo.readUsage(input.q, input.program.id, all);
  for (const r of rows) usage.rows.set(usageId(r.rule_id, r), { points: r.points, times: r.times });
  return usage;
}

function effectsOf(trace: RuleTrace, input: RunInput, base: Record<string, number>): Award[] {
  const { program } = input;
  const main = program.point_currencies[0]!;
  const defaultPending = input.eventType === 'purchase' ? program.settings.pending_days : 0;
  const awards: Award[] = [];
  const add = (e: Effect & { currency?: string; pending_days?: number }, points: number) => {
    if (points > 0) awards.push({ currency: e.currency ?? main, points, pendingDays: e.pending_days ?? defaultPending });
  };
  for (const e of trace.rule.def.effects) {
    switch (e.type) {
      case 'fixed':
        add(e, e.points);
        break;
      case 'per_amount': {
        const money = e.lines ? input.facts.lines(e.lines).reduce((s, l) => s + l.quantity * l.unit_price, 0) : (input.amount ?? 0);
        add(e, ratio(money, e.points, e.per_amount, e.rounding ?? program.settings.rounding));
        break;
      }
      case 'threshold': {
        const amount = input.amount ?? 0;
        if (amount >= e.min_amount) add(e, e.repeat ? ratio(Math.floor(amount / e.min_amount), e.points, 1, 'floor') : e.points);
        break;
      }
      case 'multiplier':
        add(e, ratio(base[e.currency ?? main] ?? 0, multiplierBp(e) - 10_000, 10_000, 'floor'));
        break;
      case 'tag':
        trace.tags.add.push(...(e.add ?? []));
        trace.tags.remove.push(...(e.remove ?? []));
        break;
      case 'reward':
        trace.rewards.push(e.reward_id);
        break;
    }
  }
  return awards;
}

/** The usage rows a rule's limits count on for this event. */
async function usageKeys(limits: Limits, input: RunInput): Promise<{ keys: UsageKey[]; of: (k: UsageKey) => { points?: number; times?: number } }> {
  const keys: UsageKey[] = [];
  const caps = new Map<string, { points?: number; times?: number }>();
  if (limits.per_member?.length) {
    const l = await input.facts.local();
    for (const p of limits.per_member) {
      const k = { member_id: input.memberId, period: periodKey(p.period, l) };
      keys.push(k);
      caps.set(`${k.member_id}\n${k.period}`, { points: p.points, times: p.times });
    }
  }
  if (limits.budget) {
    keys.push({ member_id: '', period: 'budget' });
    caps.set('\nbudget', { points: limits.budget.points });
  }
  return { keys, of: (k) => caps.get(`${k.member_id}\n${k.period}`) ?? {} };
}

/** Cuts a rule's award to its limits (a capped award is cut, not dropped); a spent `times` limit stops it. */
function applyLimits(trace: RuleTrace, input: RunInput, usageOf: Usage) {
  const limits = trace.rule.def.limits;
  if (!limits || (!limits.per_member?.length && !limits.budget)) return;
  const currency = limits.currency ?? input.program.point_currencies[0]!;
  const { keys, of } = usageOf.keys.get(trace.rule.id)!;
  const usage = (k: UsageKey) => usageOf.rows.get(usageId(trace.rule.id, k)) ?? { points: 0, times: 0 };
  let headroom = Number.MAX_SAFE_INTEGER;
  for (const k of keys) {
    const cap = of(k);
    const used = usage(k);
    if (cap.times !== undefined && used.times >= cap.times) {
      trace.paid = false;
      trace.awards = [];
      trace.tags = { add: [], remove: [] };
      trace.rewards = [];
      trace.reason = k.period === 'budget' ? 'limit reached' : `limit reached: ${cap.times} time(s) per ${k.period.split(':')[0]}`;
      return;
    }
    if (cap.points !== undefined) headroom = Math.min(headroom, Math.max(0, cap.points - used.points));
  }
  const wanted = trace.awards.filter((a) => a.currency === currency).reduce((s, a) => s + a.points, 0);
  let left = Math.min(wanted, headroom);
  const granted = left;
  if (granted < wanted) {
    trace.capped = true;
    trace.reason = `capped by its limits: ${granted} of ${wanted} ${currency}`;
    trace.awards = trace.awards
      .map((a) => {
        if (a.currency !== currency) return a;
        const points = Math.min(a.points, left);
        left -= points;
        return { ...a, points };
      })
      .filter((a) => a.points > 0);
  }
  for (const k of new Map(keys.map((k) => [usageId(trace.rule.id, k), k])).values()) {
    usageOf.counted.push({ ...k, rule_id: trace.rule.id, points: granted });
  }
}

export const availableAt = (occurredAt: Date, days: number) => (days > 0 ? new Date(occurredAt.getTime() + days * DAY_MS) : null);
