import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { conflict, invalid, isAppError, notFound } from '../../platform/errors.js';
import { consumeHappenings, recordHappenings, type Happening, type NewHappening } from '../../platform/happenings.js';
import type { ConfigStore, Program, ProgramsService } from '../programs/index.js';
import type { MembersService } from '../members/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { EventContext, EventsService, CustomEvent, PurchaseEvent } from '../events/index.js';
import { parseCondition, type RulesService } from '../rules/index.js';
import type { Condition } from '../rules/index.js';
import { JourneyDefinition, type Duration, type JourneyStatus, type JourneyStep } from './journeys.contract.js';
import { journeysRepo as repo, type JourneyRow, type RunRow } from './journeys.repo.js';

/** How a journey sends a message: the messaging module's queue (idempotent on `key`, sent after commit). */
export interface JourneySender {
  enqueue(
    q: Queryable,
    program: Program,
    m: { key: string; member_id: string; channel: 'email' | 'sms' | 'push' | 'wechat'; template_id: string; source: { kind: 'journey'; id: string; version: number; step: string } },
  ): Promise<{ id: string; created: boolean }>;
}

const CONSUMER = 'journeys';
/** Steps one run may take in one go before it yields (a loop in a journey would otherwise never wait). */
const MAX_STEPS_AT_ONCE = 50;
const MINUTE = 60_000;

export const durationMs = (d: Duration) => ((d.days ?? 0) * 1440 + (d.hours ?? 0) * 60 + (d.minutes ?? 0)) * MINUTE;

/**
 * Whether a member is held out of a journey: a stable hash of journey and member, so the same member is in or out
 * on every entry and every process, and about `bp` of every 10,000 members are.
 */
export function inHoldout(journeyId: string, memberId: string, bp: number): boolean {
  if (bp <= 0) return false;
  const h = createHash('sha256').update(`${journeyId}\u0000${memberId}`).digest();
  return h.readUInt32BE(0) % 10_000 < bp;
}

/** The branch of a split a run takes: a stable hash of run and step over the weights. */
function splitPick(runId: string, stepId: string, weights: readonly number[]): number {
  const total = weights.reduce((s, w) => s + w, 0);
  let x = createHash('sha256').update(`${runId}\u0000${stepId}`).digest().readUInt32BE(0) % total;
  for (let i = 0; i < weights.length; i++) {
    if (x < weights[i]!) return i;
    x -= weights[i]!;
  }
  return weights.length - 1;
}

const clocks = new Map<string, Intl.DateTimeFormat>();
/** The hour and minute on the wall clock of a time zone at `at`. */
function wallClock(at: Date, tz: string): { hour: number; minute: number } {
  let f = clocks.get(tz);
  if (!f) clocks.set(tz, (f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return { hour: Number(p.hour), minute: Number(p.minute) };
}

/** The next `HH:MM` in a time zone strictly after `now`. */
export function nextLocalTime(now: Date, hhmm: string, tz: string): Date {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  // Walk forward minute by minute from the current local time would be slow: step to the target by the local
  // difference, then correct for an offset change (a DST switch) by looking again.
  let at = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE + MINUTE);
  for (let i = 0; i < 3; i++) {
    const l = wallClock(at, tz);
    let diff = (h * 60 + m - (l.hour * 60 + l.minute)) * MINUTE;
    if (diff < 0) diff += 1440 * MINUTE;
    if (diff === 0) return at;
    at = new Date(at.getTime() + diff);
  }
  return at;
}

/** A definition as stored: the steps' links and the conditions checked, each fault a 400 naming its field. */
export function checkDefinition(d: JourneyDefinition): JourneyDefinition {
  const ids = new Map<string, number>();
  d.steps.forEach((s, i) => {
    if (ids.has(s.id)) throw invalid('journey.duplicate_step', `Two steps are called ${s.id}`, `definition.steps.${i}.id`);
    ids.set(s.id, i);
  });
  if (!ids.has(d.start)) throw invalid('journey.unknown_step', `No step ${d.start} to start with`, 'definition.start');
  const link = (i: number, field: string, to: string | undefined) => {
    if (to !== undefined && !ids.has(to)) throw invalid('journey.unknown_step', `Step ${d.steps[i]!.id} leads to ${to}, which is not a step`, `definition.steps.${i}.${field}`);
  };
  d.steps.forEach((s, i) => {
    switch (s.type) {
      case 'wait_for_event':
        link(i, 'on_event', s.on_event);
        link(i, 'on_timeout', s.on_timeout);
        break;
      case 'branch':
        parseCondition(s.condition, `definition.steps.${i}.condition`);
        link(i, 'then', s.then);
        link(i, 'else', s.else);
        break;
      case 'split':
        s.branches.forEach((b, j) => link(i, `branches.${j}.next`, b.next));
        break;
      case 'exit':
        break;
      default:
        link(i, 'next', s.next);
    }
  });
  if (d.trigger.conditions !== undefined) parseCondition(d.trigger.conditions, 'definition.trigger.conditions');
  if (d.re_entry.policy === 'after' && !d.re_entry.days) throw invalid('journey.re_entry_days', 'Say after how many days a member may enter again', 'definition.re_entry.days');
  return d;
}

interface LiveJourney {
  id: string;
  name: string;
  status: JourneyStatus;
  current: number;
  versions: Map<number, JourneyDefinition>;
}

/** What the journeys of a program listen for: the event types that let members in, end a wait or meet a goal. */
interface JourneysPart {
  journeys: readonly LiveJourney[];
  eventTypes: ReadonlySet<string>;
  tierChanges: boolean;
}

export function createJourneysService(deps: {
  db: Db;
  clock: Clock;
  ids: Ids;
  log: Logger;
  config: ConfigStore;
  programs: Pick<ProgramsService, 'program'>;
  members: MembersService;
  ledger: LedgerService;
  events: EventsService;
  rules: RulesService;
  sender?: JourneySender;
}) {
  const { db, clock, ids, log, config, members, ledger, rules } = deps;
  let sender = deps.sender;

  const part = config.define('journeys', async (q, program): Promise<JourneysPart> => {
    const rows = await repo.live(q, program.id);
    const byId = new Map<string, LiveJourney>();
    const eventTypes = new Set<string>();
    let tierChanges = false;
    for (const r of rows) {
      let j = byId.get(r.id);
      if (!j) byId.set(r.id, (j = { id: r.id, name: r.name, status: r.status, current: r.current, versions: new Map() }));
      j.versions.set(r.version, r.definition);
      const d = r.definition;
      if (d.trigger.type === 'event' && r.status === 'active' && r.version === r.current) eventTypes.add(d.trigger.event_type);
      if (d.trigger.type === 'tier_changed' && r.status === 'active' && r.version === r.current) tierChanges = true;
      if (d.goal) eventTypes.add(d.goal.event_type);
      for (const s of d.steps) if (s.type === 'wait_for_event') eventTypes.add(s.event_type);
    }
    return { journeys: [...byId.values()], eventTypes, tierChanges };
  });

  /** The definitions of versions no longer live (archived journeys' runs never run again): read once, never change. */
  const definitions = new Map<string, JourneyDefinition>();
  async function definitionOf(q: Queryable, program: Program, journeyId: string, version: number): Promise<JourneyDefinition | undefined> {
    const live = (await config.read(program, part, q)).journeys.find((j) => j.id === journeyId)?.versions.get(version);
    if (live) return live;
    const key = `${program.id}:${journeyId}:${version}`;
    if (!definitions.has(key)) {
      const d = await repo.definition(q, program.id, journeyId, version);
      if (!d) return undefined;
      definitions.set(key, d);
    }
    return definitions.get(key);
  }

  // ——— After each applied event, in its transaction: a happening when a journey listens for it. ———

  async function onEvent(ctx: EventContext) {
    const p = await config.read(ctx.tx.program, part, ctx.tx.q);
    const rows: NewHappening[] = [];
    const base = { program_id: ctx.tx.program.id, member_id: ctx.member.id, occurred_at: ctx.occurredAt };
    if (p.eventTypes.has(ctx.event.type)) {
      rows.push({ ...base, kind: 'event', ref: ctx.event.id, data: { type: ctx.event.type, order_id: ctx.order?.id ?? null, amount: ctx.order?.amount ?? null } });
    }
    if (p.tierChanges) {
      for (const o of ctx.result.outcomes ?? []) {
        if (o.kind === 'tier_changed') rows.push({ ...base, kind: 'tier_changed', ref: ctx.event.id, data: { ...o } });
      }
    }
    if (rows.length === 0) return;
    if (ctx.batch) {
      const buffered = ctx.batch.get<NewHappening[]>('journeys.happenings', () => []);
      if (buffered.length === 0) {
        ctx.batch.beforeEnd(async () => {
          await recordHappenings(ctx.tx.q, buffered.splice(0), ctx.tx.now);
        });
        ctx.batch.onAbort(() => buffered.splice(0));
      }
      buffered.push(...rows);
    } else await recordHappenings(ctx.tx.q, rows, ctx.tx.now);
  }

  // ——— Reading happenings: entries, waits ended by an event, conversions. ———

  async function onHappenings(q: Queryable, rows: Happening[]) {
    for (const h of rows) {
      if (!h.member_id) continue;
      let program: Program;
      try {
        program = await deps.programs.program(h.program_id, q);
      } catch (e) {
        if (isAppError(e) && e.kind === 'not_found') continue;
        throw e;
      }
      if (h.kind === 'event') await eventHappened(q, program, h);
      await enter(q, program, h);
    }
  }

  async function eventHappened(q: Queryable, program: Program, h: Happening) {
    const type = String(h.data.type);
    const now = clock.now();
    for (const run of await repo.openForEvent(q, program.id, h.member_id!, type)) {
      const def = await definitionOf(q, program, run.journey_id, run.version);
      if (!def) continue;
      let changed = false;
      if (def.goal && def.goal.event_type === type && !run.converted_at && run.goal_until && h.occurred_at >= run.entered_at && h.occurred_at <= run.goal_until) {
        run.converted_at = h.occurred_at;
        run.conversion_ref = h.ref;
        changed = true;
        if (def.goal.exit_on_conversion && !run.ended_at) end(run, 'exited', 'converted', now);
      }
      if (run.status === 'waiting' && run.waiting_for === type && h.occurred_at >= run.entered_at) {
        const step = def.steps.find((s) => s.id === run.step);
        if (step?.type === 'wait_for_event') {
          await advance(q, program, run, def, 'event', now);
          changed = false;
          continue;
        }
      }
      if (changed) await repo.saveRun(q, run, now);
    }
  }

  async function enter(q: Queryable, program: Program, h: Happening) {
    const p = await config.read(program, part, q);
    const now = clock.now();
    for (const j of p.journeys) {
      if (j.status !== 'active') continue;
      const def = j.versions.get(j.current)!;
      const t = def.trigger;
      if (t.type === 'event' ? !(h.kind === 'event' && h.data.type === t.event_type) : !(h.kind === 'tier_changed' && tierMatches(t.direction, h.data))) continue;
      const last = await repo.lastRun(q, program.id, j.id, h.member_id!);
      if (last) {
        if (!last.ended_at || def.re_entry.policy === 'never') continue;
        if (def.re_entry.policy === 'after' && now.getTime() - last.entered_at.getTime() < (def.re_entry.days ?? 0) * 1440 * MINUTE) continue;
      }
      if (t.conditions !== undefined && t.conditions !== null) {
        const payload = h.ref && h.kind === 'event' ? await repo.eventPayload(q, program.id, h.ref) : undefined;
        const ok = await rules.check(q, program, { memberId: h.member_id!, condition: t.conditions as Condition, at: h.occurred_at, event: payload as PurchaseEvent | CustomEvent | undefined });
        if (!ok) continue;
      }
      const holdout = inHoldout(j.id, h.member_id!, def.holdout_bp);
      const goalUntil = def.goal ? new Date(now.getTime() + durationMs(def.goal.within)) : null;
      // A held-out member passes through untouched: entered (and measured against the goal), never contacted.
      await repo.insertRun(
        q,
        {
          program_id: program.id,
          id: ids.next('jrr'),
          journey_id: j.id,
          version: j.current,
          member_id: h.member_id!,
          holdout,
          status: holdout ? 'completed' : 'waiting',
          step: null,
          due_at: holdout ? null : now,
          waiting_for: null,
          entered_at: now,
          trigger_ref: h.ref,
          goal_until: goalUntil,
          ended_at: holdout ? now : null,
          end_reason: holdout ? 'holdout' : null,
        },
        now,
      );
    }
  }

  const tierMatches = (direction: 'up' | 'down' | 'any', data: Record<string, unknown>) =>
    direction === 'any' || (typeof data.direction === 'string' ? data.direction === direction : direction === 'up');

  // ——— Running steps. ———

  function end(run: RunRow, status: 'completed' | 'exited', reason: string, now: Date) {
    run.status = status;
    run.ended_at = now;
    run.end_reason = reason;
    run.due_at = null;
    run.waiting_for = null;
  }

  /**
   * Moves a run on from where it waits (or from the start), running steps until one waits or the journey ends,
   * in the caller's transaction: each step's effect (a message queued, points given, a tag) commits with the
   * run's new place, so a crash redoes a step whole or not at all.
   */
  async function advance(q: Queryable, program: Program, run: RunRow, def: JourneyDefinition, cause: 'due' | 'event', now: Date) {
    const byId = new Map(def.steps.map((s) => [s.id, s]));
    let nextId: string | undefined;
    const at = run.step ? byId.get(run.step) : undefined;
    if (!run.step) nextId = def.start;
    else if (at?.type === 'wait' || at?.type === 'wait_until') nextId = at.next;
    else if (at?.type === 'wait_for_event') nextId = cause === 'event' ? at.on_event : at.on_timeout;
    else nextId = undefined;
    if (at?.type === 'wait_for_event') {
      run.visits++;
      await repo.logStep(q, program.id, run.id, run.visits, at.id, 'wait_for_event', { ended_by: cause === 'event' ? 'event' : 'timeout' }, now);
    }
    run.status = 'active';
    run.due_at = null;
    run.waiting_for = null;
    for (let n = 0; ; n++) {
      if (nextId === undefined) {
        end(run, 'completed', 'completed', now);
        break;
      }
      const step = byId.get(nextId);
      if (!step) {
        end(run, 'exited', 'step_missing', now);
        break;
      }
      if (n >= MAX_STEPS_AT_ONCE) {
        // Yield: the rest runs on the next pass of the scheduler.
        run.status = 'waiting';
        run.step = null;
        run.due_at = now;
        break;
      }
      run.visits++;
      run.step = step.id;
      const r = await runStep(q, program, run, def, step, now);
      await repo.logStep(q, program.id, run.id, run.visits, step.id, step.type, r.outcome, now);
      if (r.wait) {
        run.status = 'waiting';
        run.due_at = r.wait.until;
        run.waiting_for = r.wait.event ?? null;
        break;
      }
      if (r.exit) {
        end(run, 'exited', 'exit_step', now);
        break;
      }
      nextId = r.next;
    }
    await repo.saveRun(q, run, now);
  }

  type StepResult = { next?: string; wait?: { until: Date; event?: string }; exit?: boolean; outcome: Record<string, unknown> };

  async function runStep(q: Queryable, program: Program, run: RunRow, def: JourneyDefinition, step: JourneyStep, now: Date): Promise<StepResult> {
    switch (step.type) {
      case 'wait':
        return { wait: { until: new Date(now.getTime() + durationMs(step.duration)) }, outcome: { until: new Date(now.getTime() + durationMs(step.duration)).toISOString() } };
      case 'wait_until': {
        const m = await members.get(program.id, run.member_id, q);
        const until = nextLocalTime(now, step.local_time, m.time_zone ?? 'UTC');
        return { wait: { until }, outcome: { until: until.toISOString() } };
      }
      case 'wait_for_event': {
        const until = new Date(now.getTime() + durationMs(step.timeout));
        return { wait: { until, event: step.event_type }, outcome: { event_type: step.event_type, until: until.toISOString() } };
      }
      case 'branch': {
        const ok = await rules.check(q, program, { memberId: run.member_id, condition: parseCondition(step.condition, 'condition'), at: now });
        return { next: ok ? step.then : step.else, outcome: { matched: ok } };
      }
      case 'split': {
        const i = splitPick(run.id, step.id, step.branches.map((b) => b.weight));
        return { next: step.branches[i]!.next, outcome: { branch: i } };
      }
      case 'send': {
        if (!sender) return { next: step.next, outcome: { sent: false, reason: 'messaging_unavailable' } };
        const m = await sender.enqueue(q, program, {
          key: `jrn:${run.id}:${run.visits}`,
          member_id: run.member_id,
          channel: step.channel,
          template_id: step.template_id,
          source: { kind: 'journey', id: run.journey_id, version: run.version, step: step.id },
        });
        return { next: step.next, outcome: { message_id: m.id, channel: step.channel } };
      }
      case 'give_points':
        try {
          const t = await ledger.adjust(q, program, run.member_id, { points: step.points, currency: step.currency, reason: step.reason });
          return { next: step.next, outcome: { points: step.points, transaction_id: (t as { id?: string }).id ?? null } };
        } catch (e) {
          if (!isAppError(e)) throw e;
          return { next: step.next, outcome: { points: 0, refused: e.code } };
        }
      case 'tag':
        await members.changeTags(q, program.id, run.member_id, { add: step.add, remove: step.remove });
        return { next: step.next, outcome: { added: step.add, removed: step.remove } };
      case 'exit':
        return { exit: true, outcome: {} };
    }
  }

  /** Runs due now (waits over, timeouts, entrants): each in a transaction of its own. */
  async function runDue(limit = 100): Promise<number> {
    let done = 0;
    for (;;) {
      const n = await db.tx(async (q) => {
        const now = clock.now();
        const due = await repo.claimDue(q, now, 1);
        const run = due[0];
        if (!run) return 0;
        const program = await deps.programs.program(run.program_id, q);
        const def = await definitionOf(q, program, run.journey_id, run.version);
        if (!def) {
          end(run, 'exited', 'version_missing', now);
          await repo.saveRun(q, run, now);
          return 1;
        }
        const j = await repo.get(q, program.id, run.journey_id);
        if (j?.status === 'paused') {
          // A paused journey holds its members where they are: they go on once it is active again.
          run.due_at = new Date(now.getTime() + 5 * MINUTE);
          await repo.saveRun(q, run, now);
          return 1;
        }
        if (!j || j.status === 'archived') {
          end(run, 'exited', 'archived', now);
          await repo.saveRun(q, run, now);
          return 1;
        }
        await advance(q, program, run, def, 'due', now);
        return 1;
      });
      if (n === 0) break;
      done += n;
      if (done >= limit) break;
    }
    return done;
  }

  /** One pass of the journeys' work: the happenings not read yet, then the runs that are due. */
  async function work(opts: { limit?: number } = {}): Promise<{ happenings: number; runs: number }> {
    let happenings = 0;
    for (;;) {
      const n = await consumeHappenings(db, CONSUMER, onHappenings, { limit: 200 });
      happenings += n;
      if (n === 0) break;
    }
    const runs = await runDue(opts.limit ?? 1000);
    if (happenings || runs) log.debug({ job: 'journeys', happenings, runs }, 'journeys pass');
    return { happenings, runs };
  }

  // ——— Definitions through the API. ———

  async function view(q: Queryable, programId: string, j: JourneyRow) {
    const versions = await repo.versions(q, programId, j.id);
    const [counts] = await repo.counts(q, programId, [j.id]);
    return {
      id: j.id,
      name: j.name,
      status: j.status,
      version: j.version,
      definition: versions.find((v) => v.version === j.version)!.definition,
      versions: versions.map((v) => ({ version: v.version, created_at: v.created_at.toISOString(), created_by: v.created_by })),
      counts: { entered: counts?.entered ?? 0, in_flight: counts?.in_flight ?? 0, holdout: counts?.holdout ?? 0, converted: counts?.converted ?? 0 },
      created_at: j.created_at.toISOString(),
      updated_at: j.updated_at.toISOString(),
    };
  }

  async function mustGet(q: Queryable, programId: string, id: string, lock = false) {
    const j = await repo.get(q, programId, id, lock);
    if (!j) throw notFound('journey.not_found', `No journey ${id}`, 'journey_id');
    return j;
  }

  const encode = (id: string) => Buffer.from(id).toString('base64url');
  const decode = (c: string) => {
    const id = Buffer.from(c, 'base64url').toString();
    if (!/^jr[nr]_[a-z0-9]{26}$/.test(id)) throw invalid('journey.invalid_cursor', 'cursor is not one this API returned', 'cursor');
    return id;
  };

  return {
    onEvent,
    work,
    runDue,
    /** The messaging module's queue, once it is wired (messages are skipped, and say so, without it). */
    setSender(s: JourneySender) {
      sender = s;
    },

    async create(q: Queryable, program: Program, body: { name: string; definition: JourneyDefinition }) {
      const definition = checkDefinition(JourneyDefinition.parse(body.definition));
      const id = ids.next('jrn');
      await repo.insertJourney(q, program.id, { id, name: body.name, definition, by: null, now: clock.now() }).catch((e: unknown) => {
        if ((e as { code?: string }).code === '23505') throw conflict('journey.name_taken', `A journey is already called ${body.name}`, { field: 'name' });
        throw e;
      });
      return view(q, program.id, (await repo.get(q, program.id, id))!);
    },

    async get(program: Program, id: string, q: Queryable = db) {
      return view(q, program.id, await mustGet(q, program.id, id));
    },

    async list(program: Program, query: { status?: JourneyStatus; limit: number; cursor?: string }) {
      const rows = await repo.list(db, program.id, { status: query.status, afterId: query.cursor ? decode(query.cursor) : undefined, limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const counts = new Map((await repo.counts(db, program.id, page.map((r) => r.id))).map((c) => [c.journey_id, c]));
      return {
        data: page.map((j) => {
          const c = counts.get(j.id);
          return {
            id: j.id,
            name: j.name,
            status: j.status,
            version: j.version,
            counts: { entered: c?.entered ?? 0, in_flight: c?.in_flight ?? 0, holdout: c?.holdout ?? 0, converted: c?.converted ?? 0 },
            created_at: j.created_at.toISOString(),
            updated_at: j.updated_at.toISOString(),
          };
        }),
        next_cursor: rows.length > query.limit ? encode(page.at(-1)!.id) : null,
      };
    },

    /**
     * A draft changes in place; a journey that has run (active, paused) gets a new version that new entrants
     * take, while members in flight finish the version they entered. An archived journey cannot change.
     */
    async update(q: Queryable, program: Program, id: string, body: { name?: string; definition?: JourneyDefinition }) {
      const j = await mustGet(q, program.id, id, true);
      if (j.status === 'archived') throw conflict('journey.archived', `Journey ${id} is archived`, { field: 'journey_id' });
      const now = clock.now();
      let version = j.version;
      if (body.definition) {
        const definition = checkDefinition(JourneyDefinition.parse(body.definition));
        if (j.status === 'draft') {
          await q.query(`update journey_versions set definition = $4::text::jsonb where program_id = $1 and journey_id = $2 and version = $3`, [program.id, id, j.version, JSON.stringify(definition)]);
        } else {
          version = j.version + 1;
          await repo.addVersion(q, program.id, id, version, definition, null, now);
        }
      }
      await repo.update(q, program.id, id, { name: body.name, version }, now).catch((e: unknown) => {
        if ((e as { code?: string }).code === '23505') throw conflict('journey.name_taken', `A journey is already called ${body.name}`, { field: 'name' });
        throw e;
      });
      if (j.status !== 'draft') await config.bump(q, program.id);
      return view(q, program.id, (await repo.get(q, program.id, id))!);
    },

    /** active (from draft or paused), paused (from active), archived (from any but archived: members in flight leave). */
    async setStatus(q: Queryable, program: Program, id: string, status: 'active' | 'paused' | 'archived') {
      const j = await mustGet(q, program.id, id, true);
      const allowed: Record<string, JourneyStatus[]> = { active: ['draft', 'paused'], paused: ['active'], archived: ['draft', 'active', 'paused'] };
      if (j.status === status) return view(q, program.id, j);
      if (!allowed[status]!.includes(j.status)) throw conflict('journey.bad_transition', `A ${j.status} journey cannot become ${status}`, { field: 'status' });
      await repo.update(q, program.id, id, { status }, clock.now());
      await config.bump(q, program.id);
      return view(q, program.id, (await repo.get(q, program.id, id))!);
    },

    async runs(program: Program, id: string, query: { member_id?: string; limit: number; cursor?: string }) {
      await mustGet(db, program.id, id);
      const rows = await repo.runs(db, program.id, id, { memberId: query.member_id, afterId: query.cursor ? decode(query.cursor) : undefined, limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const history = await repo.history(db, program.id, page.map((r) => r.id));
      const iso = (d: Date | null) => (d ? d.toISOString() : null);
      return {
        data: page.map((r) => ({
          id: r.id,
          journey_id: r.journey_id,
          version: r.version,
          member_id: r.member_id,
          holdout: r.holdout,
          status: r.status,
          step: r.step,
          due_at: iso(r.due_at),
          waiting_for: r.waiting_for,
          entered_at: r.entered_at.toISOString(),
          converted_at: iso(r.converted_at),
          ended_at: iso(r.ended_at),
          end_reason: r.end_reason,
          history: history.filter((x) => x.run_id === r.id).map((x) => ({ visit: x.visit, step: x.step, kind: x.kind, outcome: x.outcome, at: x.at.toISOString() })),
        })),
        next_cursor: rows.length > query.limit ? encode(page.at(-1)!.id) : null,
      };
    },
  };
}
export type JourneysService = ReturnType<typeof createJourneysService>;
