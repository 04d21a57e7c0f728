import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { conflict, invalid, notFound, unprocessable } from '../../platform/errors.js';
import type { Program, ProgramsService } from '../programs/index.js';
import type { MembersService, MemberRef } from '../members/index.js';
import type { LedgerService, Tx } from '../ledger/index.js';
import type { EarningEngine, EventContext, EventOutcome, EventsService, EventInput, PurchaseEvent, CustomEvent } from '../events/index.js';
import { RuleCreate, RuleUpdate, type Condition, type Rule, type RuleDefinition, type PreviewRule } from './rules.contract.js';
import { rulesRepo as repo, type RuleRow, type RuleStatus } from './rules.repo.js';
import { checkDefinition, checkRewardRefs, parseBody, toDefinition, type UnknownRewards } from './rules.validate.js';
import { availableAt, baseRule, flushUsage, runRules, usageCache, type CompiledRule, type RuleTrace, type UsageCache } from './rules.engine.js';
import { createFacts, type TierLookup } from './rules.facts.js';
import { evaluate } from './rules.conditions.js';

/** Issues a reward that a rule's effect names, in the event's transaction (the rewards module wires it). */
export type IssueReward = (
  tx: Tx,
  r: { memberId: string; rewardId: string; eventId: string; ruleId: string; ruleVersion: number | null },
) => Promise<EventOutcome>;

const iso = (d: Date) => d.toISOString();

function ruleView(r: RuleRow, versions?: { version: number; definition: RuleDefinition; created_at: Date }[]): Rule {
  return {
    id: r.id,
    version: r.version,
    status: r.status,
    ...r.definition,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    ...(versions ? { versions: versions.map((v) => ({ version: v.version, ...v.definition, created_at: iso(v.created_at) })) } : {}),
  } as Rule;
}

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(c: string) {
  const id = Buffer.from(c, 'base64url').toString('utf8');
  if (!/^rul_[0-9a-z]{26}$/.test(id)) throw invalid('rules.invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return id;
}

/**
 * Earning rules: configured as data, compiled into each configuration snapshot of the program (so every process
 * runs the rules of the version it holds, and a change anywhere is in force everywhere), and run as the events
 * pipeline's earning engine inside each event's transaction.
 */
export function createRulesService(deps: {
  db: Db;
  clock: Clock;
  ids: Ids;
  programs: ProgramsService;
  members: MembersService;
  ledger: LedgerService;
  events: EventsService;
  log: Logger;
  tierLookup?: TierLookup;
  issueReward?: IssueReward;
  /** Which reward ids are not the program's, to refuse effects that name them (wired with `issueReward`). */
  unknownRewards?: UnknownRewards;
}) {
  const { db, clock, ids, members, ledger, events, log } = deps;
  const config = deps.programs.config;
  const activePart = config.define('rules', async (q, program): Promise<readonly CompiledRule[]> =>
    (await repo.active(q, program.id)).map((r) => ({ id: r.id, version: r.version, def: r.definition })),
  );

  /** The active rules of the configuration snapshot `program` belongs to; `q` is the caller's transaction, if any. */
  const activeRules = (q: Queryable, program: Program) => config.read(program, activePart, q);

  async function mustGet(q: Queryable, programId: string, id: string, lock = false) {
    const r = await repo.get(q, programId, id, lock);
    if (!r) throw notFound('rule.not_found', `No rule ${id}`, 'rule_id');
    return r;
  }

  function checkActivatable(def: RuleDefinition) {
    const i = def.effects.findIndex((e) => e.type === 'reward');
    if (i >= 0 && !deps.issueReward) {
      throw unprocessable('rules.rewards_unavailable', 'This rule issues a reward, but rewards are not available in this installation', {
        field: `effects.${i}`,
      });
    }
  }

  const definitionFrom = async (q: Queryable, program: Program, body: RuleCreate | (RuleDefinition & { status?: string }), prefix = '') => {
    const def = checkDefinition(toDefinition(body), program, prefix);
    await checkRewardRefs(q, program, def, deps.unknownRewards, prefix);
    return def;
  };

  /** Rules → points, outcomes and ledger credits for one event, in its transaction. */
  const engine: EarningEngine = async (ctx: EventContext) => {
    const { tx, result } = ctx;
    const { q, program } = tx;
    const base = baseRule(program);
    const rules = [...(base ? [base] : []), ...(await activeRules(q, program))];
    // In a batch, limit usage is claimed once and written once for all its events.
    const cache = ctx.batch?.get('rules.usage', () => {
      const c = usageCache();
      ctx.batch!.beforeEnd(() => flushUsage(q, program.id, c));
      return c;
    });
    const traces = await run(q, program, ctx.member.id, ctx.event, ctx.occurredAt, ctx.order, true, rules, cache);
    // All the rules' credits in one ledger call: one transaction per rule, currency and lock period, each
    // naming the rule and version that paid.
    const credits: { meta: { rule_id: string; rule_version: number | null }; currency: string; points: number; pendingDays: number }[] = [];
    for (const t of traces) {
      if (!t.paid) continue;
      const merged = new Map<string, { currency: string; points: number; pendingDays: number }>();
      for (const a of t.awards) {
        const k = `${a.currency}\n${a.pendingDays}`;
        const m = merged.get(k);
        if (m) m.points += a.points;
        else merged.set(k, { ...a });
      }
      for (const a of merged.values()) credits.push({ meta: { rule_id: t.rule.id, rule_version: t.rule.version }, ...a });
    }
    const made = await ledger.core.creditMany(
      tx,
      credits.map((a) => ({
        memberId: ctx.member.id,
        currency: a.currency,
        amount: a.points,
        type: 'earn' as const,
        source: 'issuance' as const,
        availableAt: availableAt(ctx.occurredAt, a.pendingDays),
        orderId: ctx.order?.id ?? null,
        eventId: ctx.event.id,
        occurredAt: ctx.occurredAt,
        metadata: a.meta,
      })),
    );
    credits.forEach((a, i) => {
      const c = made[i]!;
      result.points[a.currency] = (result.points[a.currency] ?? 0) + a.points;
      result.transactions.push({
        id: c.txnId,
        type: 'earn',
        currency: a.currency,
        points: a.points,
        pending: c.pending,
        available_at: c.availableAt ? iso(c.availableAt) : null,
        ...a.meta,
      });
    });
    for (const t of traces) {
      if (!t.paid) continue;
      const meta = { rule_id: t.rule.id, rule_version: t.rule.version };
      if (t.tags.add.length || t.tags.remove.length) {
        const before = new Set((await members.get(program.id, ctx.member.id, q)).tags);
        await members.changeTags(q, program.id, ctx.member.id, t.tags);
        const outcomes = (result.outcomes ??= []);
        for (const tag of new Set(t.tags.add)) if (!before.has(tag) && !t.tags.remove.includes(tag)) outcomes.push({ kind: 'tag_added', tag, ...meta });
        for (const tag of new Set(t.tags.remove)) if (before.has(tag)) outcomes.push({ kind: 'tag_removed', tag, ...meta });
      }
      for (const rewardId of t.rewards) {
        if (!deps.issueReward) {
          log.warn({ programId: program.id, ruleId: t.rule.id, rewardId }, 'rule issues a reward but rewards are not wired; skipped');
          continue;
        }
        const outcome = await deps.issueReward(tx, { memberId: ctx.member.id, rewardId, eventId: ctx.event.id, ruleId: t.rule.id, ruleVersion: t.rule.version });
        (result.outcomes ??= []).push(outcome);
      }
    }
  };

  function run(
    q: Queryable,
    program: Program,
    memberId: string,
    event: PurchaseEvent | CustomEvent,
    occurredAt: Date,
    order: { amount: number; lines: readonly { sku: string; category?: string; quantity: number; unit_price: number }[] } | undefined,
    stored: boolean,
    rules: CompiledRule[],
    cache?: UsageCache,
  ): Promise<RuleTrace[]> {
    const facts = createFacts({
      q,
      program,
      programId: program.id,
      memberId,
      event,
      occurredAt,
      order,
      orderStored: stored,
      getMember: (mq, pid, mid) => members.get(pid, mid, mq),
      purchaseStats: events.purchaseStats,
      tierLookup: deps.tierLookup,
    });
    return runRules(rules, {
      q,
      program,
      memberId,
      eventType: event.type,
      occurredAt,
      amount: order?.amount ?? null,
      facts,
      mode: stored ? 'apply' : 'preview',
      usageCache: cache,
    });
  }

  return {
    engine,
    /**
     * Whether a condition of the rules' language holds for a member — about an event (a journey's entry) or at a
     * moment with none (a journey's branch: `event` absent reads as a custom event of type `journey`).
     */
    async check(q: Queryable, program: Program, input: { memberId: string; condition: Condition | null; at: Date; event?: PurchaseEvent | CustomEvent }) {
      if (input.condition === null) return true;
      const event = input.event ?? ({ type: 'journey', id: 'journey', member: { id: input.memberId } } as unknown as CustomEvent);
      const facts = createFacts({
        q,
        program,
        programId: program.id,
        memberId: input.memberId,
        event,
        occurredAt: input.at,
        // A purchase's amount and lines are the order's, as when it was applied (it is stored: history counts it).
        order: event.type === 'purchase' ? { amount: (event as PurchaseEvent).amount ?? 0, lines: (event as PurchaseEvent).lines ?? [] } : undefined,
        orderStored: true,
        getMember: (mq, pid, mid) => members.get(pid, mid, mq),
        purchaseStats: events.purchaseStats,
        tierLookup: deps.tierLookup,
      });
      return (await evaluate(input.condition, facts.resolve)).ok;
    },
    /** Whether reward effects can be activated (an issuer is wired). */
    rewardsAvailable: !!deps.issueReward,
    activeRules,

    /** Each rule's name at a version (`id@version` → name), for the event log. */
    async names(programId: string, refs: readonly { id: string; version: number }[]): Promise<Map<string, string>> {
      return new Map((await repo.names(db, programId, refs)).map((r) => [`${r.rule_id}@${r.version}`, r.name]));
    },

    async create(q: Queryable, program: Program, body: RuleCreate): Promise<Rule> {
      const def = await definitionFrom(q, program, body);
      const status: RuleStatus = body.status ?? 'draft';
      if (status === 'active') checkActivatable(def);
      const id = ids.next('rul');
      await repo.insert(q, program.id, { id, status, definition: def, now: clock.now() });
      await config.bump(q, program.id);
      return ruleView(await mustGet(q, program.id, id));
    },

    async get(program: Program, id: string, q: Queryable = db): Promise<Rule> {
      const r = await mustGet(q, program.id, id);
      return ruleView(r, await repo.versions(q, program.id, id));
    },

    async list(program: Program, opts: { status?: RuleStatus; limit: number; cursor?: string }) {
      const rows = await repo.list(db, program.id, { status: opts.status, after: opts.cursor ? decodeCursor(opts.cursor) : undefined, limit: opts.limit + 1 });
      const page = rows.slice(0, opts.limit);
      return { data: page.map((r) => ruleView(r)), next_cursor: rows.length > opts.limit ? encodeCursor(page.at(-1)!.id) : null };
    },

    /** A draft is edited in place; an active rule gets a new version (the old ones stay); an archived one is frozen. */
    async update(q: Queryable, program: Program, id: string, patch: RuleUpdate): Promise<Rule> {
      const r = await mustGet(q, program.id, id, true);
      if (r.status === 'archived') throw conflict('rules.archived', `Rule ${id} is archived: it cannot change`, { field: 'rule_id' });
      const merged = { ...r.definition, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
      // Re-validate the whole: a patch may pair with stored fields into something invalid.
      const reparsed = parseBody(RuleCreate, merged);
      const def = await definitionFrom(q, program, reparsed);
      const now = clock.now();
      if (r.status === 'draft') await repo.replaceDraft(q, program.id, id, r.version, def, now);
      else {
        checkActivatable(def);
        await repo.addVersion(q, program.id, id, r.version + 1, def, now);
      }
      await config.bump(q, program.id);
      return ruleView(await mustGet(q, program.id, id), await repo.versions(q, program.id, id));
    },

    async setStatus(q: Queryable, program: Program, id: string, status: 'active' | 'archived'): Promise<Rule> {
      const r = await mustGet(q, program.id, id, true);
      if (status === 'active') {
        checkActivatable(r.definition);
        // The program's currencies may have changed since the rule was written.
        checkDefinition(r.definition, program);
      }
      if (r.status !== status) {
        await repo.setStatus(q, program.id, id, status, clock.now());
        await config.bump(q, program.id);
      }
      return ruleView(await mustGet(q, program.id, id));
    },

    /**
     * Evaluates an event for a member against the active rules (or the draft rules given) and says, rule by
     * rule, what it would pay and why it fired or not. Reads only: nothing is written, no limit is counted.
     */
    async preview(program: Program, body: { member: MemberRef; event: Record<string, unknown>; rules?: Record<string, unknown>[] }) {
      const m = await members.resolve(db, program.id, body.member, { autoEnrol: false, at: clock.now() });
      // Only a purchase has an order: a custom event (signup, review_submitted, …) is previewed as sent.
      const filler = body.event.type === 'purchase' ? { id: 'preview', order_id: 'preview' } : { id: 'preview' };
      const event: EventInput = events.parseEvent({ ...filler, ...body.event, member: { id: m.memberId } }, 'event.');
      if (event.type === 'refund') throw invalid('rules.preview_refund', 'A refund reverses points; preview a purchase or custom event', 'event.type');
      const e = event as PurchaseEvent | CustomEvent;
      const occurredAt = e.occurred_at ? new Date(e.occurred_at) : clock.now();
      let order: { amount: number; lines: NonNullable<PurchaseEvent['lines']> } | undefined;
      if (e.type === 'purchase') {
        const p = e as PurchaseEvent;
        const lines = p.lines ?? [];
        if (p.amount === undefined && lines.length === 0) throw invalid('event.amount_required', 'A purchase needs an amount or lines', 'event.amount');
        order = { amount: p.amount ?? lines.reduce((s, l) => s + l.quantity * l.unit_price, 0), lines };
      }
      let drafts: CompiledRule[] | undefined;
      if (body.rules) {
        drafts = [];
        for (const [i, raw] of body.rules.entries()) {
          drafts.push({ id: `draft_${i}`, version: null, def: await definitionFrom(db, program, parseBody(RuleCreate, raw, `rules.${i}.`), `rules.${i}.`) });
        }
      }
      const base = baseRule(program);
      const rules = [...(base ? [base] : []), ...(drafts ?? (await activeRules(db, program)))];
      const traces = await run(db, program, m.memberId, e, occurredAt, order, false, rules);
      const points: Record<string, number> = {};
      const out: PreviewRule[] = traces.map((t) => {
        if (t.paid) for (const a of t.awards) points[a.currency] = (points[a.currency] ?? 0) + a.points;
        return {
          rule_id: t.rule.id,
          version: t.rule.version,
          name: t.rule.def.name,
          fired: t.fired,
          paid: t.paid,
          reason: t.reason,
          failed: t.failed ? { ...t.failed } : null,
          awards: t.paid ? t.awards.map((a) => ({ currency: a.currency, points: a.points, pending: a.pendingDays > 0 })) : [],
          capped: t.capped,
          ...(t.tags.add.length || t.tags.remove.length ? { tags: t.tags } : {}),
          ...(t.rewards.length ? { rewards: t.rewards } : {}),
        };
      });
      return { member_id: m.memberId, points, rules: out };
    },
  };
}

export type RulesService = ReturnType<typeof createRulesService>;
