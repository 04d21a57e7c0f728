import { createHash } from 'node:crypto';
import { pgArray, type Db, type Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import { DAY_MS } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { AppError, conflict, invalid, isAppError, notFound, toProblem, unprocessable } from '../../platform/errors.js';
import { parseDayOrInstant } from '../../platform/instant.js';
import type { Program, ProgramsService } from '../programs/index.js';
import { checkMemberRef, memberRefKey, type MemberStatus, type MembersService } from '../members/index.js';
import { basePoints, isBatchOverflow, type LedgerService, type Tx } from '../ledger/index.js';
import {
  parseEvent,
  type CustomEvent,
  type EventInput,
  type EventListQuery,
  type EventResult,
  type GuestPurchaseEvent,
  type PurchaseEvent,
  type RefundEvent,
} from './events.contract.js';
import { decodeCursor, encodeCursor, memberFilterRef } from './events.filters.js';
import { eventsRepo as repo, type NewOrder, type OrderLine, type StoredEvent } from './events.repo.js';
import { applyRefund, reversalTarget } from './events.refunds.js';

/**
 * What an applied purchase or custom event gives the earning engine and the hooks after it, inside the
 * event's own database transaction. They add to `result` (transactions, points, outcomes); a thrown AppError
 * refuses the whole event.
 */
export interface EventContext {
  tx: Tx;
  event: PurchaseEvent | CustomEvent;
  occurredAt: Date;
  member: { id: string; enrolled: boolean };
  /** The order a purchase created, with its amount in minor units. */
  order?: { id: string; amount: number; currency: string; lines: OrderLine[] };
  result: EventResult;
  /** Set when the event runs together with others of its batch (see `BatchScope`). */
  batch?: BatchScope;
}

/**
 * What lives as long as one batch run together, in its transaction: a module keeps state there (rows it has
 * claimed, counters) and registers what to write once before the batch ends, instead of once per event.
 */
export interface BatchScope {
  /** The module's state under `key`, made on first use. */
  get<T>(key: string, make: () => T): T;
  /** Runs once, in the batch's transaction, after its last event and before the batch commits. */
  beforeEnd(fn: () => Promise<void>): void;
  /** Runs if the batch is rolled back to run again: forget what was kept for it. */
  onAbort(fn: () => void): void;
}

function batchScope() {
  const state = new Map<string, unknown>();
  const ends: (() => Promise<void>)[] = [];
  const aborts: (() => void)[] = [];
  return {
    get<T>(key: string, make: () => T): T {
      if (!state.has(key)) state.set(key, make());
      return state.get(key) as T;
    },
    beforeEnd(fn: () => Promise<void>) {
      ends.push(fn);
    },
    onAbort(fn: () => void) {
      aborts.push(fn);
    },
    async end() {
      // An end step may add another (settling the ledger can run hooks): run until none is left.
      while (ends.length) await ends.shift()!();
    },
    abort() {
      for (const fn of aborts) fn();
    },
  };
}

/** Decides and credits what an event earns. The default pays the program's base rate on purchases. */
export type EarningEngine = (ctx: EventContext) => Promise<void>;
/** Runs after earning, in the same transaction (tiers, stamp cards, referrals, …), in registration order. */
export type EventHook = (ctx: EventContext) => Promise<void>;

export interface IngestOutcome {
  result: EventResult;
  replayed: boolean;
}

export interface IngestOptions {
  /** false records the event and its order without earning or hooks (history imported with --no-rules). */
  earn?: boolean;
  /** Name a bad field inside the batch (`events.3.amount`) even for a batch of one. */
  prefixFields?: boolean;
  /** The events were parsed already (a route validated them): skip parsing them again. */
  parsed?: boolean;
}

/** How one event runs: whether it earns, and the members its batch already looked up. */
interface Run {
  earn: boolean;
  known?: Map<string, KnownMember>;
  batch?: BatchScope;
  /** The batch's orders not yet written, and the slot of the event running now. */
  orders?: OrderBuffer;
  index?: number;
}

/** Orders a batch run together writes in one statement: before anything reads orders, or at its end. */
interface OrderBuffer {
  programId: string;
  rows: (NewOrder & { index: number })[];
  /** Order ids the program had before the batch, and those the batch has taken. */
  taken: Set<string>;
  /** The batch's members, whose order history is read once when first asked for. */
  members: string[];
  /**
   * Each member's orders (net money, time), the written ones and the buffered ones alike; undefined until read.
   * Guest orders have no member and are never in it.
   */
  history?: Map<string, { id: string; net: number; at: Date }[]>;
}

interface KnownMember {
  memberId: string;
  status: MemberStatus;
}

/** A parsed event of a batch, with what its run needs. */
interface Prepared {
  index: number;
  e: EventInput;
  hash: string;
  occurredAt: Date;
  now: Date;
}

/** An event of a batch run together was refused: the batch is rolled back and runs again without it. */
class EventFailed extends Error {
  constructor(
    readonly index: number,
    readonly error: AppError,
  ) {
    super(error.message);
  }
}

/** Refusals tolerated before a batch falls back to one savepoint per event. */
const MAX_TOGETHER_ATTEMPTS = 4;

const FUTURE_SLACK_MS = DAY_MS;

/** Names the earning rules that paid: rule id → name at the version that paid (the rules module answers). */
export type RuleNames = (programId: string, refs: readonly { id: string; version: number }[]) => Promise<Map<string, string>>;

const afterOf = (c: { at: Date; id: string }) => ({ occurredAt: c.at, id: c.id });
const hashOf = (e: EventInput) => createHash('sha256').update(JSON.stringify(e)).digest('hex');
const iso = (d: Date) => d.toISOString();

/**
 * Event ingestion: systems report what happened, Patron decides what it is worth. One event is one database
 * transaction (or one savepoint inside a batch's transaction); its id is claimed first, so a replay — even a
 * parallel one — finds the first result and writes nothing.
 */
export function createEventsService(deps: {
  db: Db;
  clock: Clock;
  ids: Ids;
  programs: ProgramsService;
  members: MembersService;
  ledger: LedgerService;
  log: Logger;
}) {
  const { db, clock, members, ledger } = deps;

  async function memberFor(q: Queryable, program: Program, e: { member: PurchaseEvent['member']; channel?: string }, at: Date, run: Run) {
    const key = run.known ? memberRefKey(e.member) : null;
    const hit = key ? run.known!.get(key) : undefined;
    const m = hit
      ? { ...hit, enrolled: false }
      : await members.resolve(q, program.id, e.member, { autoEnrol: program.settings.auto_enrol, channel: e.channel, at });
    // A member enrolled by this event is known to the batch's later events.
    if (key && !hit) run.known!.set(key, { memberId: m.memberId, status: m.status });
    if (m.status !== 'active') {
      throw unprocessable(`member.${m.status}`, `The member is ${m.status}: events cannot change their points`, { field: 'member' });
    }
    return m;
  }

  /**
   * What an event is refused for by its content and its program alone, before any member or order is read:
   * the queued path (--ingest=nats) refuses it at once, as the inline path does when applying.
   */
  function checkAgainst(program: Program, e: EventInput) {
    if (e.type === 'purchase') {
      const p = e as PurchaseEvent | GuestPurchaseEvent;
      if (p.currency !== program.currency) {
        throw unprocessable('event.currency_mismatch', `The program takes ${program.currency}; this purchase is in ${p.currency}`, {
          field: 'currency',
        });
      }
      const lines = p.lines ?? [];
      if (p.amount === undefined && lines.length === 0) throw invalid('event.amount_required', 'A purchase needs an amount or lines', 'amount');
      const amount = p.amount ?? lines.reduce((s, l) => s + l.quantity * l.unit_price, 0);
      if (!Number.isSafeInteger(amount)) throw invalid('event.amount_too_large', 'The lines add up to more than 2^53', 'lines');
    } else if (e.type === 'refund') {
      const r = e as RefundEvent;
      if ((r.amount === undefined) === (r.lines === undefined)) {
        throw invalid('refund.amount_or_lines', 'A refund gives either an amount or lines, not both or neither', r.lines ? 'amount' : 'lines');
      }
    }
  }

  async function purchase(
    tx: Tx,
    e: PurchaseEvent | GuestPurchaseEvent,
    occurredAt: Date,
    base: Omit<EventResult, 'member_id' | 'member_enrolled'>,
    run: Run,
  ) {
    const { q, program } = tx;
    checkAgainst(program, e);
    const lines: OrderLine[] = (e.lines ?? []).map((l) => ({ ...l, refunded_quantity: 0 }));
    const amount = e.amount ?? lines.reduce((s, l) => s + l.quantity * l.unit_price, 0);
    const m = e.guest === true ? null : await memberFor(q, program, e, occurredAt, run);
    const order: NewOrder = {
      id: e.order_id,
      memberId: m ? m.memberId : null,
      eventId: e.id,
      currency: e.currency,
      amount,
      lines,
      channel: e.channel ?? null,
      storeId: e.store_id ?? null,
      occurredAt,
      now: tx.now,
    };
    const duplicate = () => conflict('order.duplicate', `Order ${e.order_id} was already reported by another event`, { field: 'order_id' });
    if (run.orders) {
      if (run.orders.taken.has(order.id)) throw duplicate();
      run.orders.taken.add(order.id);
      run.orders.rows.push({ ...order, index: run.index! });
      if (run.orders.history && m) remember(run.orders.history, m.memberId, { id: order.id, net: order.amount, at: order.occurredAt });
    } else if (!(await repo.insertOrder(q, program.id, order))) {
      throw duplicate();
    }
    // A guest checkout is kept for analytics only: no member, so no points, rules or hooks.
    if (!m || e.guest === true) return { ...base, member_id: null, member_enrolled: false, guest: true, points: {}, transactions: [] } satisfies EventResult;
    const result: EventResult = { ...base, member_id: m.memberId, member_enrolled: m.enrolled, points: {}, transactions: [] };
    const ctx: EventContext = {
      tx,
      event: e,
      occurredAt,
      member: { id: m.memberId, enrolled: m.enrolled },
      order: { id: e.order_id, amount, currency: e.currency, lines },
      result,
      batch: run.batch,
    };
    await earnAndHooks(ctx, run);
    return result;
  }

  async function refund(tx: Tx, e: RefundEvent, occurredAt: Date, base: Omit<EventResult, 'member_id' | 'member_enrolled'>) {
    const { q, program } = tx;
    checkAgainst(program, e);
    // The order and its points may still be waiting in the batch: write them before reading.
    await flushOrders(q);
    await ledger.settle(q);
    const order = await repo.getOrder(q, program.id, e.order_id, true);
    if (!order) throw notFound('order.not_found', `No order ${e.order_id}`, 'order_id');
    if (e.currency && e.currency !== order.currency) {
      throw unprocessable('event.currency_mismatch', `Order ${order.id} was paid in ${order.currency}`, { field: 'currency' });
    }
    if (e.member) {
      const m = await members.resolve(q, program.id, e.member, { autoEnrol: false, at: occurredAt });
      if (m.memberId !== order.member_id) {
        const whose = order.member_id ? 'belongs to another member' : 'was a guest purchase';
        throw unprocessable('refund.member_mismatch', `Order ${order.id} ${whose}`, { field: 'member' });
      }
    }
    const next = applyRefund(order, e);
    await repo.updateOrderRefund(q, program.id, order.id, next.refundedAmount, next.lines);
    const result: EventResult = {
      ...base,
      member_id: order.member_id,
      member_enrolled: false,
      ...(order.member_id ? {} : { guest: true as const }),
      points: {},
      transactions: [],
      refund: { amount: next.money, refunded_amount: next.refundedAmount, order_amount: order.amount },
    };
    // A guest order earned nothing: there is nothing to reverse.
    if (!order.member_id) return result;
    // A batch's cached history has this order at its old net amount.
    const cached = orderBuffers.get(q)?.history?.get(order.member_id)?.find((o) => o.id === order.id);
    if (cached) cached.net = order.amount - next.refundedAmount;
    const after = { amount: order.amount, refunded_amount: next.refundedAmount };
    // Per currency: the points the whole refund state calls for, less what earlier refunds already reversed.
    const earnings = await repo.earnings(q, program.id, order.id);
    for (const currency of new Set(earnings.map((t) => t.currency))) {
      const mine = earnings.filter((t) => t.currency === currency);
      const earned = mine.reduce((s, t) => s + t.amount, 0);
      const reversed = mine.reduce((s, t) => s + t.reversed, 0);
      let due = reversalTarget(earned, after, next.lines) - reversed;
      for (const t of mine) {
        if (due <= 0) break;
        const share = Math.min(due, t.amount - t.reversed);
        due -= share;
        // Dated at the refund, not at its arrival: history sent late (imports, queues) lands in its own period.
        const out = await ledger.core.reverseEarning(tx, t, share, {
          eventId: e.id,
          reason: e.reason ?? 'refund',
          metadata: { refund_event: e.id },
          occurredAt,
        });
        if (!out) continue;
        result.points[currency] = (result.points[currency] ?? 0) - out.taken;
        result.transactions.push({ id: out.txnId, type: 'reversal', currency, points: -out.taken, pending: false, available_at: null });
      }
    }
    return result;
  }

  async function custom(tx: Tx, e: CustomEvent, occurredAt: Date, base: Omit<EventResult, 'member_id' | 'member_enrolled'>, run: Run) {
    const m = await memberFor(tx.q, tx.program, e, occurredAt, run);
    const result: EventResult = { ...base, member_id: m.memberId, member_enrolled: m.enrolled, points: {}, transactions: [] };
    const ctx: EventContext = { tx, event: e, occurredAt, member: { id: m.memberId, enrolled: m.enrolled }, result, batch: run.batch };
    await earnAndHooks(ctx, run);
    return result;
  }

  /** Earning, then the hooks; history recorded with `earn: false` (imports with --no-rules) runs neither. */
  async function earnAndHooks(ctx: EventContext, run: Run) {
    if (!run.earn) return;
    try {
      await earning(ctx);
      for (const hook of hooks) await hook(ctx);
    } catch (err) {
      // Points the ledger cannot hold: what the event reported (a purchase's amount, else its type) earned them.
      if (err instanceof AppError && err.code === 'ledger.amount_out_of_range' && !isBatchOverflow(err)) {
        throw new AppError(err.kind, err.code, err.message, { ...err.details, field: ctx.order ? 'amount' : 'type' });
      }
      throw err;
    }
  }

  /** The program's base rate on a purchase: what earns until rules say more. */
  async function baseEarning(ctx: EventContext) {
    const { tx, order, result } = ctx;
    if (!order) return;
    const points = basePoints(order.amount, tx.program.settings);
    if (points <= 0) return;
    const currency = tx.program.point_currencies[0]!;
    const days = tx.program.settings.pending_days;
    const credit = await ledger.core.credit(tx, {
      memberId: ctx.member.id,
      currency,
      amount: points,
      type: 'earn',
      source: 'issuance',
      availableAt: days > 0 ? new Date(ctx.occurredAt.getTime() + days * DAY_MS) : null,
      orderId: order.id,
      eventId: ctx.event.id,
      occurredAt: ctx.occurredAt,
      metadata: { rule: 'base_earning' },
    });
    result.points[currency] = (result.points[currency] ?? 0) + points;
    result.transactions.push({
      id: credit.txnId,
      type: 'earn',
      currency,
      points,
      pending: credit.pending,
      available_at: credit.availableAt ? iso(credit.availableAt) : null,
      rule_id: 'base_earning',
      rule_version: null,
    });
  }

  /** The order buffer of the batch running on a transaction handle, for readers that only have the handle. */
  const orderBuffers = new WeakMap<Queryable, OrderBuffer>();

  /**
   * Writes a batch's buffered orders. An id that another transaction took since the batch looked (a race the
   * up-front check cannot see) fails the event that reported it, so the batch runs again without it.
   */
  async function flushOrders(q: Queryable) {
    const b = orderBuffers.get(q);
    if (!b || b.rows.length === 0) return;
    const rows = b.rows;
    b.rows = [];
    // The history (if read) has these rows already: they were added as they were reported.
    const inserted = new Set(await repo.insertOrders(q, b.programId, rows));
    const lost = rows.find((r) => !inserted.has(r.id));
    if (lost) {
      throw new EventFailed(lost.index, conflict('order.duplicate', `Order ${lost.id} was already reported by another event`, { field: 'order_id' }));
    }
  }

  function remember(history: Map<string, { id: string; net: number; at: Date }[]>, memberId: string, o: { id: string; net: number; at: Date }) {
    const list = history.get(memberId);
    if (list) list.push(o);
    else history.set(memberId, [o]);
  }

  /**
   * Purchase stats inside a batch, without writing its orders first: the history of every member of the batch
   * is read in one query on first use, and the batch's own orders are added as they are reported.
   */
  async function batchPurchaseStats(q: Queryable, b: OrderBuffer, memberId: string, from: Date | null, to: Date | null) {
    if (!b.history) {
      b.history = new Map();
      for (const r of await repo.ordersOfMembers(q, b.programId, b.members)) remember(b.history, r.member_id, { id: r.id, net: r.net, at: r.occurred_at });
      for (const r of b.rows) if (r.memberId) remember(b.history, r.memberId, { id: r.id, net: r.amount, at: r.occurredAt });
    }
    let count = 0;
    let amount = 0;
    let first: Date | null = null;
    let last: Date | null = null;
    for (const o of b.history.get(memberId) ?? []) {
      if ((from && o.at < from) || (to && o.at >= to)) continue;
      count++;
      amount += o.net;
      if (!first || o.at < first) first = o.at;
      if (!last || o.at > last) last = o.at;
    }
    return { count, amount, first_at: first, last_at: last };
  }

  let earning: EarningEngine = baseEarning;
  const hooks: EventHook[] = [];

  /**
   * Looks up every existing member a batch names (one or two queries), then locks, in one statement and in a
   * fixed order (member, then available before pending), their accounts. Two batches over overlapping members
   * then queue instead of deadlocking, and a single event (which locks one member's available account, then
   * pending) fits the same order. Answers the members found, for the events to skip resolving one by one.
   */
  async function lockMembersOf(q: Queryable, program: Program, events: readonly EventInput[]) {
    const refs = events.flatMap((e) => ('member' in e && e.member ? [e.member] : []));
    const orderIds = events.flatMap((e) => (e.type === 'refund' ? [(e as RefundEvent).order_id] : []));
    const known = await members.lookup(q, program.id, refs);
    const ids = new Set([...known.values()].map((m) => m.memberId));
    if (orderIds.length) for (const m of await repo.membersOfOrders(q, program.id, orderIds)) ids.add(m);
    if (ids.size > 0) {
      // A member who never earned has no account yet: made here, in the lock order, so that two batches do not
      // create them in opposite orders halfway through and deadlock.
      await q.query(
        `insert into accounts (program_id, owner, kind, currency)
         select $1, owner, 'available', $3 from unnest($2::text[]) as owner order by owner
         on conflict do nothing`,
        [program.id, pgArray([...ids]), program.point_currencies[0]],
      );
      await q.query(
        `select id from accounts where program_id = $1 and owner = any($2::text[])
         order by owner, kind <> 'available', id for update`,
        [program.id, pgArray([...ids])],
      );
    }
    return known;
  }

  /** When the event happened; refused if it claims to be more than a day ahead of `now`. */
  function occurredAtOf(e: EventInput, now: Date): Date {
    const occurredAt = e.occurred_at ? new Date(e.occurred_at) : now;
    if (occurredAt.getTime() > now.getTime() + FUTURE_SLACK_MS) {
      throw invalid('event.occurred_in_future', 'occurred_at is more than a day in the future', 'occurred_at');
    }
    return occurredAt;
  }

  /** A claimed event's effects: the order, the ledger, the rules and hooks. Writes nothing to the event row. */
  function apply(q: Queryable, program: Program, e: EventInput, occurredAt: Date, now: Date, run: Run): Promise<EventResult> {
    const base = {
      id: e.id,
      type: e.type,
      status: 'applied' as const,
      order_id: 'order_id' in e ? e.order_id : null,
      points: {},
      transactions: [],
      occurred_at: iso(occurredAt),
      received_at: iso(now),
    };
    const tx: Tx = { q, program, now, batch: run.batch };
    return e.type === 'purchase'
      ? purchase(tx, e as PurchaseEvent | GuestPurchaseEvent, occurredAt, base, run)
      : e.type === 'refund'
        ? refund(tx, e as RefundEvent, occurredAt, base)
        : custom(tx, e as CustomEvent, occurredAt, base, run);
  }

  /** The stored answer to an event id that is already taken: a replay, or a 409 if the body differs. */
  function replayOf(prev: { body_hash: string; result: EventResult } | undefined, e: EventInput, hash: string): IngestOutcome {
    if (!prev || prev.body_hash !== hash) {
      throw conflict('event.id_reused', `Event id ${e.id} was already used for a different event`, { field: 'id' });
    }
    return { result: prev.result, replayed: true };
  }

  /** Applies one validated event inside the caller's transaction. */
  async function ingest(q: Queryable, program: Program, e: EventInput, opts: IngestOptions = {}): Promise<IngestOutcome> {
    const now = clock.now();
    const occurredAt = occurredAtOf(e, now);
    const hash = hashOf(e);
    const claimed = await repo.claim(q, program.id, { id: e.id, type: e.type, hash, payload: e, occurredAt, receivedAt: now });
    if (!claimed) return replayOf(await repo.get(q, program.id, e.id), e, hash);
    const result = await apply(q, program, e, occurredAt, now, { earn: opts.earn !== false });
    await repo.complete(q, program.id, e.id, result.member_id, result.order_id, result);
    return { result, replayed: false };
  }

  /**
   * The fast path of a batch, all or nothing: every event id claimed in one statement, the members looked up
   * beforehand, each event applied in turn, every result stored in one statement. An event that fails throws
   * `EventFailed` naming it, so the caller can roll the batch back and run it again without that event.
   */
  async function applyTogether(q: Queryable, program: Program, items: readonly Prepared[], known: Map<string, KnownMember>, run: Run) {
    const out = new Map<number, IngestOutcome | AppError>();
    const claimed = new Set(
      await repo.claimMany(
        q,
        program.id,
        items.map((it) => ({ id: it.e.id, type: it.e.type, hash: it.hash, payload: it.e, occurredAt: it.occurredAt, receivedAt: it.now })),
      ),
    );
    const taken = items.filter((it) => !claimed.has(it.e.id));
    if (taken.length) {
      const prev = new Map((await repo.getMany(q, program.id, taken.map((it) => it.e.id))).map((p) => [p.id, p]));
      for (const it of taken) {
        try {
          out.set(it.index, replayOf(prev.get(it.e.id), it.e, it.hash));
        } catch (err) {
          out.set(it.index, err as AppError);
        }
      }
    }
    const done: EventResult[] = [];
    const scope = batchScope();
    const purchases = items.filter((it) => it.e.type === 'purchase' && claimed.has(it.e.id)).map((it) => (it.e as PurchaseEvent | GuestPurchaseEvent).order_id);
    const orders: OrderBuffer = {
      programId: program.id,
      rows: [],
      taken: new Set(await repo.existingOrderIds(q, program.id, purchases)),
      members: [...new Set([...known.values()].map((m) => m.memberId))],
    };
    orderBuffers.set(q, orders);
    scope.beforeEnd(() => flushOrders(q));
    const batchRun: Run = { ...run, known: new Map(known), batch: scope, orders };
    try {
      for (const it of items) {
        if (!claimed.has(it.e.id)) continue;
        let result: EventResult;
        try {
          batchRun.index = it.index;
          result = await apply(q, program, it.e, it.occurredAt, it.now, batchRun);
        } catch (err) {
          if (err instanceof AppError && !isBatchOverflow(err)) throw new EventFailed(it.index, err);
          throw err;
        }
        done.push(result);
        out.set(it.index, { result, replayed: false });
      }
      await scope.end();
    } catch (err) {
      scope.abort();
      throw err;
    } finally {
      orderBuffers.delete(q);
    }
    await repo.completeMany(q, program.id, done);
    return out;
  }

  /**
   * Many events in one database transaction, in order. The batch first runs together (see `applyTogether`);
   * an event that is refused is set aside and the rest run again without it, and after a few refusals each
   * event runs under its own savepoint instead. Either way a refused event is rolled back alone and answered
   * in its slot while the rest commit together. Answers each event's outcome, or the AppError that refused it.
   */
  async function ingestMany(q: Queryable, program: Program, raws: readonly unknown[], opts: IngestOptions = {}) {
    const now = clock.now();
    const outcomes: (IngestOutcome | AppError)[] = new Array(raws.length);
    const fresh: Prepared[] = [];
    const repeats: Prepared[] = [];
    const seen = new Set<string>();
    raws.forEach((raw, index) => {
      try {
        const e = opts.parsed ? (raw as EventInput) : parseEvent(raw, opts.prefixFields ? `events.${index}.` : '');
        const it = { index, e, hash: hashOf(e), occurredAt: occurredAtOf(e, now), now };
        // A second event with the same id in one batch is answered after the first has run.
        (seen.has(e.id) ? repeats : fresh).push(it);
        seen.add(e.id);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        outcomes[index] = err;
      }
    });
    const run: Run = { earn: opts.earn !== false };
    const known = await lockMembersOf(q, program, [...fresh, ...repeats].map((it) => it.e));
    let pending = fresh;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_TOGETHER_ATTEMPTS) {
        for (const it of pending) outcomes[it.index] = await alone(q, program, it.e, opts);
        break;
      }
      await q.query('savepoint batch');
      try {
        const out = await applyTogether(q, program, pending, known, run);
        await q.query('release savepoint batch');
        for (const [index, o] of out) outcomes[index] = o;
        break;
      } catch (err) {
        if (isBatchOverflow(err)) {
          // The batch's credits together would pass an account's range, and which event tipped it is unknown:
          // every event runs again on its own, so only the one that does not fit is refused.
          await q.query('rollback to savepoint batch');
          for (const it of pending) outcomes[it.index] = await alone(q, program, it.e, opts);
          break;
        }
        if (!(err instanceof EventFailed)) throw err;
        await q.query('rollback to savepoint batch');
        outcomes[err.index] = err.error;
        pending = pending.filter((it) => it.index !== err.index);
      }
    }
    for (const it of repeats) outcomes[it.index] = await alone(q, program, it.e, opts);
    return outcomes;
  }

  /** One event under its own savepoint: refused, it is rolled back alone. */
  async function alone(q: Queryable, program: Program, e: EventInput, opts: IngestOptions): Promise<IngestOutcome | AppError> {
    await q.query('savepoint event');
    try {
      const out = await ingest(q, program, e, opts);
      await q.query('release savepoint event');
      return out;
    } catch (err) {
      await q.query('rollback to savepoint event');
      if (err instanceof AppError) return err;
      throw err;
    }
  }

  let ruleNames: RuleNames | undefined;

  /** Stored events as the API shows them, with the names of the rules that paid them. */
  async function views(programId: string, rows: readonly StoredEvent[]) {
    const refs = new Map<string, { id: string; version: number }>();
    for (const e of rows) {
      for (const t of e.result.transactions ?? []) {
        if (t.rule_id && t.rule_id !== 'base_earning' && typeof t.rule_version === 'number') refs.set(`${t.rule_id}@${t.rule_version}`, { id: t.rule_id, version: t.rule_version });
      }
    }
    const names = refs.size && ruleNames ? await ruleNames(programId, [...refs.values()]) : new Map<string, string>();
    return rows.map((e) => {
      const paid: Record<string, string> = {};
      for (const t of e.result.transactions ?? []) {
        const name = t.rule_id ? names.get(`${t.rule_id}@${t.rule_version}`) : undefined;
        if (t.rule_id && name !== undefined) paid[t.rule_id] = name;
      }
      return {
        id: e.id,
        type: e.type,
        member_id: e.member_id,
        order_id: e.order_id,
        payload: e.payload,
        result: e.result,
        occurred_at: iso(e.occurred_at),
        received_at: iso(e.received_at),
        ...(Object.keys(paid).length ? { rule_names: paid } : {}),
      };
    });
  }

  const service = {
    ingest,
    ingestMany,
    /**
     * Everything an event is checked for before it is applied, without the database: its shape, its text and
     * its time. The queued path (--ingest=nats) runs it before publishing, so that a worker refuses nothing
     * for its input that the API accepted.
     */
    parseEvent(raw: unknown, prefix = '', program?: Program): EventInput {
      const e = parseEvent(raw, prefix);
      try {
        if ('member' in e && e.member) checkMemberRef(e.member);
        occurredAtOf(e, clock.now());
        if (program) checkAgainst(program, e);
      } catch (err) {
        if (err instanceof AppError && err.details.field) err.details.field = prefix + err.details.field;
        throw err;
      }
      return e;
    },
    /** The base-rate engine, for an engine that pays the base rate as one of its rules. */
    baseEarning,
    /**
     * A member's purchase history in [from, to) (null = open end): orders, money net of refunds (minor units),
     * first and last purchase time. Runs on `q` so it sees the current transaction's own writes.
     */
    async purchaseStats(q: Queryable, programId: string, memberId: string, range: { from?: Date | null; to?: Date | null } = {}) {
      const b = orderBuffers.get(q);
      if (b && b.programId === programId) return batchPurchaseStats(q, b, memberId, range.from ?? null, range.to ?? null);
      return repo.purchaseStats(q, programId, memberId, range.from ?? null, range.to ?? null);
    },
    /** Replaces the earning engine (the rules module installs its own). */
    setEarningEngine(engine: EarningEngine) {
      earning = engine;
    },
    /** Adds a hook that runs after earning on every applied purchase and custom event. */
    addHook(hook: EventHook) {
      hooks.push(hook);
    },

    /** Many events in one database transaction (see `ingestMany`), answered as the batch endpoint does. */
    async ingestBatch(q: Queryable, program: Program, raws: unknown[], opts: IngestOptions = {}) {
      const outcomes = await ingestMany(q, program, raws, { ...opts, prefixFields: true });
      let applied = 0;
      let replayed = 0;
      let rejected = 0;
      const results = outcomes.map((o, index) => {
        const raw = raws[index];
        const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
        if (o instanceof AppError) {
          rejected++;
          const p = toProblem(o);
          // A field is named as the batch names it (`events.3.amount`), whether parsing or the ledger refused it.
          const field = p.field && !p.field.startsWith('events.') ? `events.${index}.${p.field}` : p.field;
          return {
            index,
            id,
            status: 'rejected' as const,
            error: { status: p.status, code: p.code, detail: p.detail, ...(field ? { field } : {}) },
          };
        }
        if (o.replayed) replayed++;
        else applied++;
        return { index, id, status: o.replayed ? ('replayed' as const) : ('applied' as const), result: o.result };
      });
      return { applied, replayed, rejected, results };
    },

    /** `previous` for many events in one query: the answers of those already applied, by event id. */
    async previousMany(program: Program, list: readonly EventInput[]): Promise<Map<string, IngestOutcome | AppError>> {
      const out = new Map<string, IngestOutcome | AppError>();
      if (list.length === 0) return out;
      const stored = new Map((await repo.getMany(db, program.id, list.map((e) => e.id))).map((r) => [r.id, r]));
      for (const e of list) {
        const prev = stored.get(e.id);
        if (!prev) continue;
        try {
          out.set(e.id, replayOf(prev, e, hashOf(e)));
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          out.set(e.id, err);
        }
      }
      return out;
    },

    /** The answer to an event already applied under its id (a replay, or a 409 if the body differs); else undefined. */
    async previous(program: Program, e: EventInput): Promise<IngestOutcome | undefined> {
      const prev = (await service.previousMany(program, [e])).get(e.id);
      if (prev instanceof AppError) throw prev;
      return prev;
    },

    async get(program: Program, id: string) {
      const e = await repo.get(db, program.id, id);
      if (!e) throw notFound('event.not_found', `No event ${id}`, 'event_id');
      return (await views(program.id, [e]))[0]!;
    },

    /** Replaces how the log names the rules that paid (the rules module installs its own). */
    setRuleNames(fn: RuleNames) {
      ruleNames = fn;
    },

    /**
     * The event log, newest first by when events happened, filtered; a member named by an identity nobody has
     * gives an empty page, not an error (it is a filter).
     */
    async list(program: Program, query: EventListQuery) {
      let memberId: string | undefined;
      if (query.member !== undefined) {
        const ref = memberFilterRef(query.member.trim());
        try {
          memberId = (await members.resolve(db, program.id, ref, { autoEnrol: false, at: clock.now() })).memberId;
        } catch (err) {
          if (isAppError(err) && err.code === 'member.not_found') return { data: [], next_cursor: null };
          // A malformed identity names the query parameter it came from.
          if (isAppError(err) && err.details.field) err.details.field = 'member';
          throw err;
        }
      }
      const from = query.from === undefined ? undefined : parseDayOrInstant(query.from, 'from');
      const to = query.to === undefined ? undefined : parseDayOrInstant(query.to, 'to');
      if (from && to && from >= to) throw invalid('event.invalid_range', 'to must be after from', 'to');
      const rows = await repo.list(db, program.id, {
        type: query.type,
        memberId,
        orderId: query.order_id,
        outcome: query.outcome,
        from,
        to,
        after: query.cursor === undefined ? undefined : afterOf(decodeCursor(query.cursor)),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return { data: await views(program.id, page), next_cursor: rows.length > query.limit && last ? encodeCursor(last.occurred_at, last.id) : null };
    },

    async order(program: Program, id: string) {
      const o = await repo.getOrder(db, program.id, id);
      if (!o) throw notFound('order.not_found', `No order ${id}`, 'order_id');
      const earnings = await repo.earnings(db, program.id, id);
      const points: Record<string, { earned: number; reversed: number }> = {};
      for (const t of earnings) {
        const p = (points[t.currency] ??= { earned: 0, reversed: 0 });
        p.earned += t.amount;
        p.reversed += t.reversed;
      }
      return {
        id: o.id,
        member_id: o.member_id,
        event_id: o.event_id,
        currency: o.currency,
        amount: o.amount,
        refunded_amount: o.refunded_amount,
        lines: o.lines,
        channel: o.channel,
        store_id: o.store_id,
        points,
        occurred_at: iso(o.occurred_at),
        created_at: iso(o.created_at),
      };
    },

    /** The order was fulfilled: its pending points become available now, before the lock period ends. */
    async fulfil(q: Queryable, program: Program, id: string) {
      const o = await repo.getOrder(q, program.id, id, true);
      if (!o) throw notFound('order.not_found', `No order ${id}`, 'order_id');
      const lots = await repo.pendingLotsOfOrder(q, program.id, id);
      let released = 0;
      for (const lot of lots) released += await ledger.releaseLot({ q, program, now: clock.now() }, lot);
      return { order_id: id, released_points: released };
    },
  };
  return service;
}

export type EventsService = ReturnType<typeof createEventsService>;
