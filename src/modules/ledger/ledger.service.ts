import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { AppError, conflict, invalid, notFound, unprocessable } from '../../platform/errors.js';
import type { Program, ProgramsService } from '../programs/index.js';
import { expiryFor, MAX_POINTS } from './ledger.policy.js';
import {
  OutOfRange,
  ledgerRepo as repo,
  type AccountKind,
  type AccountState,
  type Bucket,
  type ConsumedLot,
  type HoldRow,
  type NewLot,
  type NewTxn,
  type SystemKind,
  type TxnRow,
  type TxnType,
} from './ledger.repo.js';

export interface LedgerDeps {
  db: Db;
  clock: Clock;
  ids: Ids;
  programs: ProgramsService;
  log: Logger;
}

/** What a write needs: the open transaction, the program, and the time it happens. */
export interface Tx {
  q: Queryable;
  program: Program;
  now: Date;
  /** Set when the write belongs to a batch of events run together: credits then wait for its end (see `settle`). */
  batch?: TxScope;
}

/** The part of an event batch's scope the ledger uses. */
export interface TxScope {
  beforeEnd(fn: () => Promise<void>): void;
  onAbort(fn: () => void): void;
}

export interface CreditInput {
  memberId: string;
  currency: string;
  amount: number;
  type: Extract<TxnType, 'earn' | 'adjustment'>;
  source: Extract<SystemKind, 'issuance' | 'adjustment'>;
  /** Pending until this time (the return window); null or past: available now. */
  availableAt?: Date | null;
  /** Explicit lot expiry; undefined: the program's policy from `occurredAt`. */
  expiresAt?: Date | null;
  orderId?: string | null;
  eventId?: string | null;
  reason?: string | null;
  metadata?: Record<string, unknown>;
  occurredAt?: Date;
}

export interface DebitInput {
  memberId: string;
  currency: string;
  amount: number;
  type: Extract<TxnType, 'redeem' | 'adjustment'>;
  sink: Extract<SystemKind, 'redemption' | 'adjustment'>;
  reason?: string | null;
  reference?: string | null;
  metadata?: Record<string, unknown>;
  holdId?: string | null;
  /** When the spend happened (an event's occurred_at); default: now. */
  occurredAt?: Date;
}

const bucketOf: Record<TxnType, Bucket> = {
  earn: 'earned',
  release: 'earned',
  adjustment: 'earned',
  redeem: 'spent',
  expiry: 'expired',
  transfer: 'none',
  reversal: 'none',
};

/** Refuses a write that would take an amount, balance or counter past ±MAX_POINTS. */
export function outOfRange(field = 'points', details: Record<string, unknown> = {}) {
  return unprocessable(
    'ledger.amount_out_of_range',
    `This would take an amount or balance past ±${MAX_POINTS} points, the most the ledger holds exactly`,
    { field, limit: MAX_POINTS, ...details },
  );
}

/** A database refusal by one of the ledger's range constraints (migration 0012). */
function isRangeViolation(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const x = e as { code?: unknown; constraint?: unknown; constraint_name?: unknown; message?: unknown };
  return x.code === '23514' && /_in_range/.test(`${String(x.constraint ?? x.constraint_name ?? '')} ${String(x.message ?? '')}`);
}

/** Runs a ledger write, turning a write left undone for its range (or the constraint behind it) into ledger.amount_out_of_range. */
export async function bounded<T>(fn: () => Promise<T>, field = 'points', details: Record<string, unknown> = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof OutOfRange || isRangeViolation(e)) throw outOfRange(field, details);
    throw e;
  }
}

/**
 * The credits a batch kept back would take an account out of range when written together. Which event did it is
 * unknown at that point: the events module runs the batch again one event at a time, so that event alone is refused.
 */
export function isBatchOverflow(e: unknown): boolean {
  return e instanceof AppError && e.code === 'ledger.amount_out_of_range' && e.details.batch_credits === true;
}

/**
 * System accounts (issuance, redemption, expiry, adjustment) carry no cached balance: one row touched by every
 * write would serialise them all. A write moving at least this much checks the account's sum of postings under
 * a lock first, and so does every write to an account such a check found past half the range. Smaller writes
 * to other accounts are not checked: from below half the range they would need 2^20 writes at this size to
 * pass it, and `patron verify` reports an account that did (amounts_in_range).
 */
const SYSTEM_CHECK_FROM = 2 ** 32;

export function assertCurrency(program: Program, currency: string) {
  if (!program.point_currencies.includes(currency)) {
    throw invalid('ledger.unknown_currency', `The program has no point currency "${currency}"`, 'currency');
  }
}

/** The double-entry core: every change is one transaction of postings summing to zero. */
export function createLedgerCore(deps: Pick<LedgerDeps, 'ids'>) {
  const { ids } = deps;
  const systemIds = new Map<string, Map<string, number>>();
  /** System accounts (program:account) this process has found past half the range: see `guardSystem`. */
  const nearLimit = new Set<string>();

  async function systemAccount(tx: Tx, kind: SystemKind, currency: string): Promise<number> {
    let m = systemIds.get(tx.program.id);
    let id = m?.get(`${kind}:${currency}`);
    if (id !== undefined) return id;
    m = new Map((await repo.systemAccounts(tx.q, tx.program.id)).map((r) => [`${r.kind}:${r.currency}`, r.id]));
    id = m.get(`${kind}:${currency}`);
    if (id === undefined) throw new Error(`program ${tx.program.id} has no ${kind} account for ${currency}`);
    systemIds.set(tx.program.id, m);
    return id;
  }

  /**
   * Refuses a write whose postings would take a system account past ±MAX_POINTS (see SYSTEM_CHECK_FROM). Big
   * writes to one system account queue on a transaction-scoped lock, so two cannot both fit the same room.
   */
  async function guardSystem(tx: Tx, moves: readonly { accountId: number; amount: number }[], field = 'points') {
    const net = new Map<number, number>();
    for (const m of moves) net.set(m.accountId, (net.get(m.accountId) ?? 0) + m.amount);
    for (const [accountId, delta] of [...net.entries()].sort((a, b) => a[0] - b[0])) {
      const key = `${tx.program.id}:${accountId}`;
      if (Math.abs(delta) < SYSTEM_CHECK_FROM && !nearLimit.has(key)) continue;
      if (Math.abs(delta) > MAX_POINTS) throw outOfRange(field);
      await tx.q.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`patron:system:${key}`]);
      const [row] = await tx.q.query<{ total: string }>(
        `select coalesce(sum(amount), 0)::text as total from postings where program_id = $1 and account_id = $2`,
        [tx.program.id, accountId],
      );
      const after = BigInt(row?.total ?? '0') + BigInt(delta);
      const magnitude = after < 0n ? -after : after;
      // Past half the range, every write to the account is checked, however small.
      if (magnitude > BigInt(MAX_POINTS) / 2n) nearLimit.add(key);
      if (magnitude > BigInt(MAX_POINTS)) throw outOfRange(field, { account: 'system' });
    }
  }

  function txn(tx: Tx, t: Omit<NewTxn, 'id' | 'createdAt' | 'bucket' | 'occurredAt'> & { occurredAt?: Date; bucket?: Bucket }): NewTxn {
    return { ...t, id: ids.next('txn'), bucket: t.bucket ?? bucketOf[t.type], occurredAt: t.occurredAt ?? tx.now, createdAt: tx.now };
  }

  async function insufficient(tx: Tx, memberId: string, currency: string, requested: number): Promise<never> {
    const acc = await repo.lockAccount(tx.q, tx.program.id, memberId, currency, 'available', tx.now);
    // The points were there: the debit was left undone because a lifetime counter would pass the range.
    if (acc && acc.available >= requested) throw new OutOfRange();
    const available = Math.max(0, acc?.available ?? 0);
    throw unprocessable('ledger.insufficient_points', `Only ${available} ${currency} available; ${requested} requested`, {
      field: 'points',
      available,
      requested,
    });
  }

  /** A credit decided but not yet written: its transaction (id included) and where it goes. */
  interface CreditPlan {
    c: CreditInput;
    t: NewTxn;
    occurredAt: Date;
    pending: boolean;
    expiresAt: Date | null;
    from: number;
  }

  async function planCredit(tx: Tx, c: CreditInput): Promise<CreditPlan> {
    assertCurrency(tx.program, c.currency);
    if (!Number.isSafeInteger(c.amount) || c.amount > MAX_POINTS) throw outOfRange();
    const occurredAt = c.occurredAt ?? tx.now;
    const pending = !!c.availableAt && c.availableAt > tx.now;
    const expiresAt = c.expiresAt === undefined ? expiryFor(tx.program.settings.expiry, occurredAt) : c.expiresAt;
    const t = txn(tx, {
      type: c.type,
      bucket: pending ? 'none' : 'earned',
      memberId: c.memberId,
      currency: c.currency,
      amount: c.amount,
      eventId: c.eventId,
      orderId: c.orderId,
      reason: c.reason,
      metadata: { ...c.metadata, ...(pending ? { pending: true } : {}) },
      occurredAt,
    });
    return { c, t, occurredAt, pending, expiresAt, from: await systemAccount(tx, c.source, c.currency) };
  }

  const outcomeOf = (p: CreditPlan) => ({
    txnId: p.t.id,
    pending: p.pending,
    availableAt: p.pending ? p.c.availableAt! : null,
    expiresAt: p.expiresAt,
  });

  /** Credits in two statements: the accounts (made or added to, in lock order), then transactions, postings, lots. */
  async function writePlans(tx: Tx, plans: readonly CreditPlan[]) {
    // One row per account touched: every currency's available account (pending lots hang off it), and the
    // pending account where something is pending.
    const key = (m: string, kind: AccountKind, cur: string) => `${m}\n${kind}\n${cur}`;
    const sums = new Map<string, { memberId: string; kind: AccountKind; currency: string; amount: number; earned: number }>();
    const add = (memberId: string, kind: AccountKind, currency: string, amount: number) => {
      const k = key(memberId, kind, currency);
      const row = sums.get(k) ?? { memberId, kind, currency, amount: 0, earned: 0 };
      row.amount += amount;
      if (kind === 'available') row.earned += amount;
      sums.set(k, row);
    };
    for (const p of plans) {
      add(p.c.memberId, 'available', p.c.currency, p.pending ? 0 : p.c.amount);
      if (p.pending) add(p.c.memberId, 'pending', p.c.currency, p.c.amount);
    }
    // Several credits to one account add up before the database sees them: an account made by this statement
    // would otherwise start out of range.
    if ([...sums.values()].some((r) => r.amount > MAX_POINTS)) throw outOfRange();
    await guardSystem(tx, plans.map((p) => ({ accountId: p.from, amount: -p.c.amount })));
    const accounts = new Map(
      (await repo.creditAccounts(tx.q, tx.program.id, [...sums.values()])).map((a) => [key(a.owner, a.kind, a.currency), a]),
    );
    if (accounts.size < sums.size) throw new OutOfRange();
    // What each credit adds to lots: a negative balance is paid back first, credit by credit in order.
    const before = new Map([...sums.entries()].map(([k, r]) => [k, accounts.get(k)!.balance - r.amount]));
    const txns: NewTxn[] = [];
    const postings: { txnId: string; accountId: number; amount: number }[] = [];
    const lots: (NewLot & { txnId: string })[] = [];
    for (const p of plans) {
      const { c, pending } = p;
      const availKey = key(c.memberId, 'available', c.currency);
      const targetKey = pending ? key(c.memberId, 'pending', c.currency) : availKey;
      const target = accounts.get(targetKey)!;
      const prior = before.get(targetKey)!;
      before.set(targetKey, prior + c.amount);
      const t = p.t;
      txns.push(t);
      postings.push({ txnId: t.id, accountId: p.from, amount: -c.amount }, { txnId: t.id, accountId: target.id, amount: c.amount });
      const remaining = pending ? c.amount : Math.max(0, Math.min(c.amount, prior + c.amount));
      if (remaining > 0) {
        lots.push({
          txnId: t.id,
          accountId: accounts.get(availKey)!.id,
          memberId: c.memberId,
          currency: c.currency,
          orderId: c.orderId ?? null,
          amount: c.amount,
          remaining,
          pending,
          availableAt: pending ? c.availableAt! : null,
          expiresAt: p.expiresAt,
        });
      }
    }
    await repo.insertTxns(tx.q, tx.program.id, txns, postings, lots);
  }

  /**
   * Credits kept back by a batch of events, per transaction handle. A batch's events mostly only add points;
   * writing those together at the end turns two statements per event into two per batch. Anything that reads
   * or changes the ledger in the meantime settles them first, so it sees every point.
   */
  const deferred = new WeakMap<Queryable, { tx: Tx; plans: CreditPlan[] }>();

  function defer(tx: Tx, plans: CreditPlan[]) {
    let d = deferred.get(tx.q);
    if (!d) {
      d = { tx, plans: [] };
      deferred.set(tx.q, d);
      const q = tx.q;
      tx.batch!.beforeEnd(() => settle(q));
      // A batch rolled back to run again forgets what it kept back.
      tx.batch!.onAbort(() => deferred.delete(q));
    }
    d.plans.push(...plans);
  }

  async function settle(q: Queryable) {
    const d = deferred.get(q);
    if (!d) return;
    deferred.delete(q);
    if (!d.plans.length) return;
    try {
      await bounded(() => writePlans(d.tx, d.plans));
    } catch (e) {
      if (e instanceof AppError && e.code === 'ledger.amount_out_of_range') throw outOfRange('points', { batch_credits: true });
      throw e;
    }
  }

  const core = {
    systemAccount,

    /** Credits a member from a system account, pending or available, making the lot. */
    async credit(tx: Tx, c: CreditInput): Promise<{ txnId: string; pending: boolean; availableAt: Date | null; expiresAt: Date | null }> {
      const plan = await planCredit(tx, c);
      if (tx.batch) defer(tx, [plan]);
      // Available now: account, transaction, postings and lot in one statement.
      else if (!plan.pending) {
        await guardSystem(tx, [{ accountId: plan.from, amount: -c.amount }]);
        const after = await repo.creditAvailable(tx.q, tx.program.id, { ...plan.t, memberId: c.memberId }, plan.from, {
          orderId: c.orderId ?? null,
          expiresAt: plan.expiresAt,
        });
        if (!after) throw new OutOfRange();
      } else await writePlans(tx, [plan]);
      return outcomeOf(plan);
    },

    /**
     * Several credits to members at once (an event's rules paying in several currencies and lock periods):
     * the same postings, lots and transactions as one `credit` each, in two statements whatever their number.
     * In a batch of events they wait, with the batch's other credits, until the batch ends or something reads
     * the ledger (see `settle`).
     */
    async creditMany(tx: Tx, credits: readonly CreditInput[]) {
      if (credits.length === 0) return [];
      if (credits.length === 1 && !tx.batch) return [await core.credit(tx, credits[0]!)];
      const plans: CreditPlan[] = [];
      for (const c of credits) plans.push(await planCredit(tx, c));
      if (tx.batch) defer(tx, plans);
      else await writePlans(tx, plans);
      return plans.map(outcomeOf);
    },

    /** Writes the credits a batch has kept back on `q`; every ledger read and write calls it first. */
    settle,

    /** Spends points: refused unless what is available (balance less live holds) covers it. */
    async debit(tx: Tx, d: DebitInput & { fromHold?: HoldRow }) {
      await settle(tx.q);
      assertCurrency(tx.program, d.currency);
      const bucket = bucketOf[d.type];
      const to = await systemAccount(tx, d.sink, d.currency);
      await guardSystem(tx, [{ accountId: to, amount: d.amount }]);
      let after: AccountState | undefined;
      if (d.fromHold) {
        // The hold already reserved the points: release the reservation and spend, if the balance still has them.
        const rows = await tx.q.query<AccountState>(
          `update accounts set balance = balance - $3, held = held - $3, spent = spent + $4, reversed = reversed + $5
           where program_id = $1 and id = $2 and balance >= $3
             and spent + $4 <= ${MAX_POINTS} and reversed + $5 <= ${MAX_POINTS} returning id, balance, held`,
          [tx.program.id, d.fromHold.account_id, d.amount, bucket === 'spent' ? d.amount : 0, bucket === 'earned' ? d.amount : 0],
        );
        after = rows[0];
        if (!after) {
          const [acc] = await tx.q.query<{ balance: number }>(`select balance from accounts where program_id = $1 and id = $2`, [tx.program.id, d.fromHold.account_id]);
          if (acc && acc.balance >= d.amount) throw new OutOfRange();
        }
      } else {
        after = await repo.debitIfAvailable(tx.q, {
          programId: tx.program.id,
          memberId: d.memberId,
          currency: d.currency,
          amount: d.amount,
          cover: d.amount,
          // A debit adjustment takes earned points back: it counts as reversed, and earned stays gross.
          reversed: bucket === 'earned' ? d.amount : 0,
          spent: bucket === 'spent' ? d.amount : 0,
          now: tx.now,
        });
      }
      if (!after) return insufficient(tx, d.memberId, d.currency, d.amount);
      const consumed = await repo.consumeLots(tx.q, tx.program.id, after.id, d.amount);
      const t = txn(tx, {
        type: d.type,
        memberId: d.memberId,
        currency: d.currency,
        amount: d.amount,
        holdId: d.holdId,
        reason: d.reason,
        metadata: { ...d.metadata, ...(d.reference ? { reference: d.reference } : {}), lots: lotsMeta(consumed) },
        occurredAt: d.occurredAt,
      });
      await repo.insertTxn(tx.q, tx.program.id, t, [
        { accountId: after.id, amount: -d.amount },
        { accountId: to, amount: d.amount },
      ]);
      return { txnId: t.id, balance: after.balance };
    },

    /**
     * Takes `amount` back from a member's available points for a reversal: the lot it came from first, then
     * soonest-expiring. Under `allow` the balance may go negative (it is flagged); under `forbid` it takes only
     * what is available and reports the rest as unrecovered.
     */
    async takeBack(
      tx: Tx,
      r: { memberId: string; currency: string; amount: number; bucket: Bucket; lotId?: number },
    ): Promise<{ accountId: number; taken: number }> {
      await settle(tx.q);
      const acc = await repo.lockAccount(tx.q, tx.program.id, r.memberId, r.currency, 'available', tx.now);
      if (!acc) return { accountId: -1, taken: 0 };
      const taken = tx.program.settings.negative_balance === 'allow' ? r.amount : Math.min(r.amount, Math.max(0, acc.available));
      if (taken <= 0) return { accountId: acc.id, taken: 0 };
      await repo.adjustAccount(tx.q, {
        programId: tx.program.id,
        accountId: acc.id,
        delta: -taken,
        // Earned points taken back are counted as reversed: the earned counter stays gross.
        reversed: r.bucket === 'earned' ? taken : 0,
        spent: r.bucket === 'spent' ? -taken : 0,
      });
      await repo.consumeLots(tx.q, tx.program.id, acc.id, Math.min(taken, Math.max(0, acc.balance)), r.lotId);
      return { accountId: acc.id, taken };
    },

    /**
     * Reverses up to `amount` of an earning transaction (a refund's share, or all that is left of it): from its
     * pending lot while pending, else from the member's available points. Returns the reversal txn id, or null
     * when nothing was due. A refund passes its own `occurredAt`: the reversal is dated when the refund happened
     * (never before the points it takes back were earned), not when it was received.
     */
    async reverseEarning(
      tx: Tx,
      original: TxnRow,
      amount: number,
      meta: { reason?: string | null; eventId?: string | null; metadata?: Record<string, unknown>; occurredAt?: Date },
    ): Promise<{ txnId: string; taken: number; due: number } | null> {
      if (amount <= 0) return null;
      await settle(tx.q);
      const [lot] = await repo.lotsOfTxn(tx.q, tx.program.id, original.id);
      const counter = original.type === 'adjustment' ? 'adjustment' : 'issuance';
      const counterId = await systemAccount(tx, counter, original.currency);
      // At most `amount` goes back to the counter account: check that much room before any member row moves.
      await guardSystem(tx, [{ accountId: counterId, amount }]);
      let taken: number;
      let memberAccount: number;
      let bucket: Bucket = 'earned';
      if (lot && lot.pending) {
        // Lock order is available account first, then pending: the same order every writer uses.
        await repo.lockAccount(tx.q, tx.program.id, original.member_id!, original.currency, 'available', tx.now);
        const pendingAcc = await repo.lockAccount(tx.q, tx.program.id, original.member_id!, original.currency, 'pending', tx.now);
        taken = await repo.takeFromLot(tx.q, tx.program.id, lot.id, amount);
        memberAccount = pendingAcc!.id;
        bucket = 'none';
        await repo.adjustAccount(tx.q, { programId: tx.program.id, accountId: memberAccount, delta: -taken });
      } else {
        const r = await core.takeBack(tx, {
          memberId: original.member_id!,
          currency: original.currency,
          amount,
          bucket: 'earned',
          lotId: lot?.id,
        });
        taken = r.taken;
        memberAccount = r.accountId;
      }
      const t = txn(tx, {
        type: 'reversal',
        bucket,
        memberId: original.member_id,
        currency: original.currency,
        amount: taken,
        reversesId: original.id,
        orderId: original.order_id,
        eventId: meta.eventId,
        reason: meta.reason,
        metadata: { ...meta.metadata, due: amount, ...(taken < amount ? { unrecovered: amount - taken } : {}) },
        occurredAt: meta.occurredAt && meta.occurredAt < new Date(original.occurred_at) ? new Date(original.occurred_at) : meta.occurredAt,
      });
      await repo.insertTxn(
        tx.q,
        tx.program.id,
        t,
        taken > 0
          ? [
              { accountId: memberAccount, amount: -taken },
              { accountId: counterId, amount: taken },
            ]
          : [],
      );
      return { txnId: t.id, taken, due: amount };
    },

    /** Moves points between two members, carrying each lot's expiry across so a transfer never extends it. */
    async transfer(tx: Tx, r: { from: string; to: string; currency: string; amount: number; reason?: string | null; reversesId?: string }) {
      await settle(tx.q);
      assertCurrency(tx.program, r.currency);
      // Lock both accounts in a fixed order so two opposite transfers cannot deadlock.
      const [first, second] = [r.from, r.to].sort();
      for (const m of [first!, second!]) {
        await repo.credit(tx.q, { programId: tx.program.id, memberId: m, kind: 'available', currency: r.currency, amount: 0, earned: 0 });
      }
      const from = await repo.debitIfAvailable(tx.q, {
        programId: tx.program.id,
        memberId: r.from,
        currency: r.currency,
        amount: r.amount,
        cover: r.amount,
        reversed: 0,
        spent: 0,
        now: tx.now,
      });
      if (!from) return insufficient(tx, r.from, r.currency, r.amount);
      const consumed = await repo.consumeLots(tx.q, tx.program.id, from.id, r.amount);
      const to = await repo.credit(tx.q, {
        programId: tx.program.id,
        memberId: r.to,
        kind: 'available',
        currency: r.currency,
        amount: r.amount,
        earned: 0,
      });
      if (!to) throw new OutOfRange();
      const t = txn(tx, {
        type: r.reversesId ? 'reversal' : 'transfer',
        bucket: 'none',
        memberId: r.from,
        currency: r.currency,
        amount: r.amount,
        reason: r.reason,
        reversesId: r.reversesId,
        metadata: { to_member_id: r.to, lots: lotsMeta(consumed) },
      });
      await repo.insertTxn(
        tx.q,
        tx.program.id,
        t,
        [
          { accountId: from.id, amount: -r.amount },
          { accountId: to.id, amount: r.amount },
        ],
        relots(to, r.amount, consumed, { memberId: r.to, currency: r.currency }),
      );
      return { txnId: t.id };
    },

    /** Gives spent points back (reversal of a redemption), restoring the lots they came from with their expiry. */
    async restore(tx: Tx, original: TxnRow, meta: { reason?: string | null }) {
      await settle(tx.q);
      const sinkId = await systemAccount(tx, original.type === 'redeem' ? 'redemption' : 'adjustment', original.currency);
      await guardSystem(tx, [{ accountId: sinkId, amount: -original.amount }]);
      const after = await repo.credit(tx.q, {
        programId: tx.program.id,
        memberId: original.member_id!,
        kind: 'available',
        currency: original.currency,
        amount: original.amount,
        earned: 0,
      });
      if (!after) throw new OutOfRange();
      await repo.adjustAccount(tx.q, {
        programId: tx.program.id,
        accountId: after.id,
        delta: 0,
        spent: original.type === 'redeem' ? -original.amount : 0,
        earned: original.type === 'adjustment' ? original.amount : 0,
      });
      const consumed = parseLotsMeta(original.metadata.lots);
      const t = txn(tx, {
        type: 'reversal',
        bucket: original.type === 'redeem' ? 'spent' : 'earned',
        memberId: original.member_id,
        currency: original.currency,
        amount: original.amount,
        reversesId: original.id,
        reason: meta.reason,
        metadata: { due: original.amount },
      });
      await repo.insertTxn(
        tx.q,
        tx.program.id,
        t,
        [
          { accountId: sinkId, amount: -original.amount },
          { accountId: after.id, amount: original.amount },
        ],
        relots(after, original.amount, consumed, { memberId: original.member_id!, currency: original.currency }),
      );
      return { txnId: t.id };
    },
  };
  // Every write of the core answers a range constraint's refusal as ledger.amount_out_of_range.
  const guarded = {
    ...core,
    credit: (tx: Tx, c: CreditInput) => bounded(() => core.credit(tx, c)),
    creditMany: (tx: Tx, credits: readonly CreditInput[]) => bounded(() => core.creditMany(tx, credits)),
    debit: (tx: Tx, d: DebitInput & { fromHold?: HoldRow }) => bounded(() => core.debit(tx, d)),
    takeBack: (tx: Tx, r: Parameters<typeof core.takeBack>[1]) => bounded(() => core.takeBack(tx, r)),
    reverseEarning: (tx: Tx, original: TxnRow, amount: number, meta: Parameters<typeof core.reverseEarning>[3]) =>
      bounded(() => core.reverseEarning(tx, original, amount, meta)),
    transfer: (tx: Tx, r: Parameters<typeof core.transfer>[1]) => bounded(() => core.transfer(tx, r)),
    restore: (tx: Tx, original: TxnRow, meta: { reason?: string | null }) => bounded(() => core.restore(tx, original, meta)),
    guardSystem,
  };
  return guarded;
}
export type LedgerCore = ReturnType<typeof createLedgerCore>;

function lotsMeta(consumed: ConsumedLot[]) {
  return consumed.map((c) => ({ lot: c.id, points: c.taken, expires_at: c.expires_at ? new Date(c.expires_at).toISOString() : null }));
}

function parseLotsMeta(v: unknown): ConsumedLot[] {
  if (!Array.isArray(v)) return [];
  return v.map((x: { lot: number; points: number; expires_at: string | null }) => ({
    id: x.lot,
    taken: x.points,
    expires_at: x.expires_at ? new Date(x.expires_at) : null,
  }));
}

/**
 * New lots for points arriving with known origins: each keeps its origin's expiry. If the receiving balance was
 * negative, the debt is paid first, from the soonest-expiring points.
 */
function relots(after: AccountState, amount: number, consumed: ConsumedLot[], who: { memberId: string; currency: string }): NewLot[] {
  let debt = amount - Math.max(0, Math.min(amount, after.balance));
  const known = consumed.reduce((a, c) => a + c.taken, 0);
  const parts = [...consumed];
  if (known < amount) parts.push({ id: -1, taken: amount - known, expires_at: null });
  const lots: NewLot[] = [];
  for (const p of parts) {
    const absorbed = Math.min(debt, p.taken);
    debt -= absorbed;
    const remaining = p.taken - absorbed;
    if (remaining > 0) {
      lots.push({
        accountId: after.id,
        memberId: who.memberId,
        currency: who.currency,
        orderId: null,
        amount: remaining,
        remaining,
        pending: false,
        availableAt: null,
        expiresAt: p.expires_at,
      });
    }
  }
  return lots;
}

export { conflict, notFound };
