import { pgArray, type Queryable } from '../../platform/db.js';
import { MAX_POINTS } from './ledger.policy.js';

/** Row shapes and SQL of the ledger. No decisions here: the service decides what to post. */

export type AccountKind = 'available' | 'pending';
export type SystemKind = 'issuance' | 'redemption' | 'expiry' | 'adjustment';
export type TxnType = 'earn' | 'release' | 'redeem' | 'adjustment' | 'transfer' | 'reversal' | 'expiry';
export type Bucket = 'earned' | 'spent' | 'expired' | 'none';

export interface AccountState {
  id: number;
  balance: number;
  held: number;
}

export interface TxnRow {
  id: string;
  type: TxnType;
  bucket: Bucket;
  member_id: string | null;
  currency: string;
  amount: number;
  event_id: string | null;
  order_id: string | null;
  reverses_id: string | null;
  hold_id: string | null;
  reason: string | null;
  metadata: Record<string, unknown>;
  occurred_at: Date;
  created_at: Date;
}

export interface NewTxn {
  id: string;
  type: TxnType;
  bucket: Bucket;
  memberId: string | null;
  currency: string;
  amount: number;
  eventId?: string | null;
  orderId?: string | null;
  reversesId?: string | null;
  holdId?: string | null;
  reason?: string | null;
  metadata?: Record<string, unknown>;
  occurredAt: Date;
  createdAt: Date;
}

export interface NewLot {
  accountId: number;
  memberId: string;
  currency: string;
  orderId: string | null;
  amount: number;
  remaining: number;
  pending: boolean;
  availableAt: Date | null;
  expiresAt: Date | null;
}

export interface ConsumedLot {
  id: number;
  taken: number;
  expires_at: Date | null;
}

export interface LotRow {
  id: number;
  account_id: number;
  member_id: string;
  currency: string;
  txn_id: string;
  order_id: string | null;
  amount: number;
  remaining: number;
  pending: boolean;
  available_at: Date | null;
  expires_at: Date | null;
}

export interface HoldRow {
  id: string;
  member_id: string;
  account_id: number;
  currency: string;
  amount: number;
  status: 'active' | 'confirmed' | 'cancelled' | 'expired';
  reference: string | null;
  expires_at: Date;
  txn_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Held points that still count: holds past their expiry no longer reserve anything, even before the sweep. */
const STALE_HELD = `coalesce((select sum(h.amount) from holds h
   where h.program_id = a.program_id and h.account_id = a.id and h.status = 'active' and h.expires_at <= $NOW), 0)`;
export const staleHeld = (nowParam: number) => STALE_HELD.replace('$NOW', `$${nowParam}`);

/**
 * The range every cached figure of an account stays in (what migration 0012's constraint also says). Writes test
 * it in their own conditions and answer no row when it would break, rather than raise an error: on PostgreSQL
 * a failed statement would doom the whole transaction, and a batch refuses one event while the rest commit.
 */
const within = (expr: string) => `(${expr}) between -${MAX_POINTS} and ${MAX_POINTS}`;

/** A write the range conditions left undone (see `within`); the ledger answers it as ledger.amount_out_of_range. */
export class OutOfRange extends Error {
  constructor() {
    super('the change would take an account out of range');
    this.name = 'OutOfRange';
  }
}

export const ledgerRepo = {
  async systemAccounts(q: Queryable, programId: string) {
    return q.query<{ id: number; kind: SystemKind; currency: string }>(
      `select id, kind, currency from accounts where program_id = $1 and owner = 'system'`,
      [programId],
    );
  },

  /**
   * Adds to a member account, creating it on first use; returns its state after the change (row locked), or
   * nothing when the change would take it out of range.
   */
  async credit(
    q: Queryable,
    a: { programId: string; memberId: string; kind: AccountKind; currency: string; amount: number; earned: number },
  ): Promise<AccountState | undefined> {
    const rows = await q.query<AccountState>(
      `insert into accounts as a (program_id, owner, kind, currency, balance, earned)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (program_id, owner, currency, kind)
       do update set balance = a.balance + excluded.balance, earned = a.earned + excluded.earned
       where ${within('a.balance + excluded.balance')} and ${within('a.earned + excluded.earned')}
       returning id, balance, held`,
      [a.programId, a.memberId, a.kind, a.currency, a.amount, a.earned],
    );
    return rows[0];
  },

  /**
   * Takes `amount` from a member's available account only if what is available (balance less live holds)
   * covers `cover`. The conditional update is the whole concurrency story: a second debit waits on the row
   * and re-checks the condition against the committed balance.
   */
  async debitIfAvailable(
    q: Queryable,
    a: { programId: string; memberId: string; currency: string; amount: number; cover: number; reversed: number; spent: number; now: Date },
  ): Promise<AccountState | undefined> {
    const rows = await q.query<AccountState>(
      `update accounts a set balance = a.balance - $4, reversed = a.reversed + $6, spent = a.spent + $7
       where a.program_id = $1 and a.owner = $2 and a.currency = $3 and a.kind = 'available'
         and a.balance - a.held + ${staleHeld(8)} >= $5
         and ${within('a.reversed + $6')} and ${within('a.spent + $7')}
       returning a.id, a.balance, a.held`,
      [a.programId, a.memberId, a.currency, a.amount, a.cover, a.reversed, a.spent, a.now],
    );
    return rows[0];
  },

  /** Unconditional change of an account the caller has decided about (reversals that may go negative, expiry). */
  async adjustAccount(
    q: Queryable,
    a: { programId: string; accountId: number; delta: number; earned?: number; reversed?: number; spent?: number; expired?: number; held?: number },
  ): Promise<AccountState> {
    const rows = await q.query<AccountState>(
      `update accounts set balance = balance + $3, earned = earned + $4, spent = spent + $5, expired = expired + $6,
         held = held + $7, reversed = reversed + $8
       where program_id = $1 and id = $2
         and ${within('balance + $3')} and ${within('earned + $4')} and ${within('spent + $5')} and ${within('expired + $6')}
         and ${within('held + $7')} and ${within('reversed + $8')}
       returning id, balance, held`,
      [a.programId, a.accountId, a.delta, a.earned ?? 0, a.spent ?? 0, a.expired ?? 0, a.held ?? 0, a.reversed ?? 0],
    );
    // The account exists (the caller has it by id): no row means the change would take it out of range.
    if (!rows[0]) throw new OutOfRange();
    return rows[0];
  },

  async postedBalance(q: Queryable, programId: string, memberId: string, currency: string): Promise<number> {
    const rows = await q.query<{ balance: number }>(
      `select balance from accounts where program_id = $1 and owner = $2 and currency = $3 and kind = 'available'`,
      [programId, memberId, currency],
    );
    return rows[0]?.balance ?? 0;
  },

  /** Locks a member account row and returns it with what is available now (null if it was never used). */
  async lockAccount(q: Queryable, programId: string, memberId: string, currency: string, kind: AccountKind, now: Date) {
    const rows = await q.query<AccountState & { available: number }>(
      `select a.id, a.balance, a.held, (a.balance - a.held + ${staleHeld(5)})::bigint as available
       from accounts a where a.program_id = $1 and a.owner = $2 and a.currency = $3 and a.kind = $4 for update`,
      [programId, memberId, currency, kind, now],
    );
    return rows[0];
  },

  async accountsOf(q: Queryable, programId: string, memberId: string, now: Date) {
    return q.query<{
      id: number;
      kind: AccountKind;
      currency: string;
      balance: number;
      held: number;
      live_held: number;
      earned: number;
      spent: number;
      expired: number;
    }>(
      `select a.id, a.kind, a.currency, a.balance, a.held, (a.held - ${staleHeld(3)})::bigint as live_held,
              a.earned, a.spent, a.expired
       from accounts a where a.program_id = $1 and a.owner = $2`,
      [programId, memberId, now],
    );
  },

  /** Consumes open lots soonest-expiring first (never-expiring last) up to `amount`; returns what it took. */
  async consumeLots(q: Queryable, programId: string, accountId: number, amount: number, firstLotId?: number): Promise<ConsumedLot[]> {
    if (amount <= 0) return [];
    const rows = await q.query<ConsumedLot>(
      `with c as (
         select id, remaining,
                sum(remaining) over (order by (id = $4) desc, expires_at asc nulls last, id) - remaining as before
         from lots where program_id = $1 and account_id = $2 and remaining > 0 and not pending
       )
       update lots l set remaining = l.remaining - least(c.remaining, $3 - c.before)
       from c where l.program_id = $1 and l.id = c.id and c.before < $3
       returning l.id, least(c.remaining, $3 - c.before)::bigint as taken, l.expires_at`,
      [programId, accountId, amount, firstLotId ?? -1],
    );
    // RETURNING follows no order: answer the lots in the order they were consumed, which callers rely on (a
    // transfer to a member in debt pays it from the soonest-expiring points).
    const at = (d: Date | null) => (d ? new Date(d).getTime() : Number.POSITIVE_INFINITY);
    return rows.sort((a, b) => Number(b.id === firstLotId) - Number(a.id === firstLotId) || at(a.expires_at) - at(b.expires_at) || a.id - b.id);
  },

  async takeFromLot(q: Queryable, programId: string, lotId: number, amount: number) {
    const rows = await q.query<{ taken: number }>(
      `with c as (select remaining from lots where program_id = $1 and id = $2)
       update lots l set remaining = l.remaining - least(c.remaining, $3)
       from c where l.program_id = $1 and l.id = $2
       returning least(c.remaining, $3)::bigint as taken`,
      [programId, lotId, amount],
    );
    return rows[0]?.taken ?? 0;
  },

  /** The transaction, its postings and any new lots, in one statement. */
  async insertTxn(q: Queryable, programId: string, t: NewTxn, postings: { accountId: number; amount: number }[], lots: NewLot[] = []) {
    await q.query(
      `with t as (
         insert into transactions (program_id, id, type, bucket, member_id, currency, amount, event_id, order_id,
           reverses_id, hold_id, reason, metadata, occurred_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ), p as (
         insert into postings (program_id, txn_id, account_id, amount)
         select $1, $2, acc, amt from unnest($16::bigint[], $17::bigint[]) as x(acc, amt)
       )
       insert into lots (program_id, account_id, member_id, currency, txn_id, order_id, amount, remaining, pending,
         available_at, expires_at, created_at)
       select $1, acc, mem, cur, $2, ord, amt, rem, pen, avail, exp, $15
       from unnest($18::bigint[], $19::text[], $20::text[], $21::text[], $22::bigint[], $23::bigint[], $24::boolean[],
                   $25::timestamptz[], $26::timestamptz[]) as l(acc, mem, cur, ord, amt, rem, pen, avail, exp)`,
      [
        programId,
        t.id,
        t.type,
        t.bucket,
        t.memberId,
        t.currency,
        t.amount,
        t.eventId ?? null,
        t.orderId ?? null,
        t.reversesId ?? null,
        t.holdId ?? null,
        t.reason ?? null,
        t.metadata ?? {},
        t.occurredAt,
        t.createdAt,
        pgArray(postings.map((p) => p.accountId)),
        pgArray(postings.map((p) => p.amount)),
        pgArray(lots.map((l) => l.accountId)),
        pgArray(lots.map((l) => l.memberId)),
        pgArray(lots.map((l) => l.currency)),
        pgArray(lots.map((l) => l.orderId)),
        pgArray(lots.map((l) => l.amount)),
        pgArray(lots.map((l) => l.remaining)),
        pgArray(lots.map((l) => l.pending)),
        pgArray(lots.map((l) => l.availableAt)),
        pgArray(lots.map((l) => l.expiresAt)),
      ],
    );
  },

  /**
   * An available (not pending) credit whole, in one statement: the member's account is created or added to,
   * the transaction and its two postings are written, and the lot gets what is left once a negative balance
   * is paid back. Answers the account's state after the change.
   */
  async creditAvailable(
    q: Queryable,
    programId: string,
    t: NewTxn & { memberId: string },
    fromAccount: number,
    lot: { orderId: string | null; expiresAt: Date | null },
  ): Promise<AccountState | undefined> {
    const rows = await q.query<AccountState>(
      `with a as (
         insert into accounts as a (program_id, owner, kind, currency, balance, earned)
         values ($1, $5, 'available', $6, $7, $7)
         on conflict (program_id, owner, currency, kind)
         do update set balance = a.balance + excluded.balance, earned = a.earned + excluded.earned
         where ${within('a.balance + excluded.balance')} and ${within('a.earned + excluded.earned')}
         returning id, balance, held
       ), t as (
         insert into transactions (program_id, id, type, bucket, member_id, currency, amount, event_id, order_id,
           reverses_id, hold_id, reason, metadata, occurred_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, null, null, $10, $11, $12, $13)
       ), p as (
         insert into postings (program_id, txn_id, account_id, amount)
         select $1, $2, $14::bigint, -$7::bigint union all select $1, $2, a.id, $7 from a
       ), l as (
         insert into lots (program_id, account_id, member_id, currency, txn_id, order_id, amount, remaining, pending,
           available_at, expires_at, created_at)
         select $1, a.id, $5, $6, $2, $15, $7, least($7::bigint, a.balance), false, null, $16, $13 from a where a.balance > 0
       )
       select id, balance, held from a`,
      [
        programId,
        t.id,
        t.type,
        t.bucket,
        t.memberId,
        t.currency,
        t.amount,
        t.eventId ?? null,
        t.orderId ?? null,
        t.reason ?? null,
        t.metadata ?? {},
        t.occurredAt,
        t.createdAt,
        fromAccount,
        lot.orderId,
        lot.expiresAt,
      ],
    );
    // No row: the credit would take the account out of range. The caller refuses it, and its transaction (or
    // savepoint) undoes the transaction row and lone posting the statement wrote regardless.
    return rows[0];
  },

  /**
   * Adds to several member accounts at once, creating them on first use, locking them in the one order every
   * writer uses (member, available before pending). Returns each account's state after the change; an account the
   * change would take out of range is left as it was and missing from the answer.
   */
  async creditAccounts(
    q: Queryable,
    programId: string,
    rows: readonly { memberId: string; kind: AccountKind; currency: string; amount: number; earned: number }[],
  ) {
    return q.query<AccountState & { owner: string; kind: AccountKind; currency: string }>(
      `insert into accounts as a (program_id, owner, kind, currency, balance, earned)
       select $1, x.owner, x.kind, x.currency, x.amount, x.earned
       from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) as x(owner, kind, currency, amount, earned)
       order by x.owner, x.kind <> 'available', x.currency
       on conflict (program_id, owner, currency, kind)
       do update set balance = a.balance + excluded.balance, earned = a.earned + excluded.earned
       where ${within('a.balance + excluded.balance')} and ${within('a.earned + excluded.earned')}
       returning a.id, a.balance, a.held, a.owner, a.kind, a.currency`,
      [
        programId,
        pgArray(rows.map((r) => r.memberId)),
        pgArray(rows.map((r) => r.kind)),
        pgArray(rows.map((r) => r.currency)),
        pgArray(rows.map((r) => r.amount)),
        pgArray(rows.map((r) => r.earned)),
      ],
    );
  },

  /** Several transactions with their postings and lots, in one statement. */
  async insertTxns(q: Queryable, programId: string, txns: readonly NewTxn[], postings: readonly { txnId: string; accountId: number; amount: number }[], lots: readonly (NewLot & { txnId: string })[]) {
    await q.query(
      `with t as (
         insert into transactions (program_id, id, type, bucket, member_id, currency, amount, event_id, order_id,
           reverses_id, hold_id, reason, metadata, occurred_at, created_at)
         select $1, x.id, x.type, x.bucket, x.mem, x.cur, x.amt, x.ev, x.ord, x.rev, x.hold, x.reason, x.meta::jsonb, x.occ, x.created
         from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::timestamptz[])
              as x(id, type, bucket, mem, cur, amt, ev, ord, rev, hold, reason, meta, occ, created)
       ), p as (
         insert into postings (program_id, txn_id, account_id, amount)
         select $1, x.txn, x.acc, x.amt from unnest($16::text[], $17::bigint[], $18::bigint[]) as x(txn, acc, amt)
       )
       insert into lots (program_id, account_id, member_id, currency, txn_id, order_id, amount, remaining, pending,
         available_at, expires_at, created_at)
       select $1, l.acc, l.mem, l.cur, l.txn, l.ord, l.amt, l.rem, l.pen, l.avail, l.exp, l.created
       from unnest($19::text[], $20::bigint[], $21::text[], $22::text[], $23::text[], $24::bigint[], $25::bigint[], $26::boolean[],
                   $27::timestamptz[], $28::timestamptz[], $29::timestamptz[]) as l(txn, acc, mem, cur, ord, amt, rem, pen, avail, exp, created)`,
      [
        programId,
        pgArray(txns.map((t) => t.id)),
        pgArray(txns.map((t) => t.type)),
        pgArray(txns.map((t) => t.bucket)),
        pgArray(txns.map((t) => t.memberId)),
        pgArray(txns.map((t) => t.currency)),
        pgArray(txns.map((t) => t.amount)),
        pgArray(txns.map((t) => t.eventId ?? null)),
        pgArray(txns.map((t) => t.orderId ?? null)),
        pgArray(txns.map((t) => t.reversesId ?? null)),
        pgArray(txns.map((t) => t.holdId ?? null)),
        pgArray(txns.map((t) => t.reason ?? null)),
        pgArray(txns.map((t) => JSON.stringify(t.metadata ?? {}))),
        pgArray(txns.map((t) => t.occurredAt)),
        pgArray(txns.map((t) => t.createdAt)),
        pgArray(postings.map((p) => p.txnId)),
        pgArray(postings.map((p) => p.accountId)),
        pgArray(postings.map((p) => p.amount)),
        pgArray(lots.map((l) => l.txnId)),
        pgArray(lots.map((l) => l.accountId)),
        pgArray(lots.map((l) => l.memberId)),
        pgArray(lots.map((l) => l.currency)),
        pgArray(lots.map((l) => l.orderId)),
        pgArray(lots.map((l) => l.amount)),
        pgArray(lots.map((l) => l.remaining)),
        pgArray(lots.map((l) => l.pending)),
        pgArray(lots.map((l) => l.availableAt)),
        pgArray(lots.map((l) => l.expiresAt)),
        pgArray(lots.map(() => txns[0]!.createdAt)),
      ],
    );
  },

  async getTxn(q: Queryable, programId: string, id: string) {
    const rows = await q.query<TxnRow>(`select * from transactions where program_id = $1 and id = $2`, [programId, id]);
    return rows[0];
  },

  async postingsOf(q: Queryable, programId: string, txnId: string) {
    return q.query<{ account_id: number; owner: string; kind: string; currency: string; amount: number }>(
      `select p.account_id, a.owner, a.kind, a.currency, p.amount
       from postings p join accounts a on a.program_id = p.program_id and a.id = p.account_id
       where p.program_id = $1 and p.txn_id = $2 order by p.amount`,
      [programId, txnId],
    );
  },

  /** Points already taken back from a transaction by reversals (what they were due, including any unrecovered). */
  async reversedOf(q: Queryable, programId: string, txnId: string) {
    const rows = await q.query<{ due: number }>(
      `select coalesce(sum(coalesce((metadata->>'due')::bigint, amount)), 0)::bigint as due
       from transactions where program_id = $1 and reverses_id = $2`,
      [programId, txnId],
    );
    return rows[0]!.due;
  },

  /**
   * Points of `currency` credited to a member by earn and adjustment transactions with occurred_at in [from, to)
   * (null = open end), net of their reversals and of debit adjustments: what tier qualification counts.
   */
  async creditedBetween(q: Queryable, programId: string, memberId: string, currency: string, from: Date | null, to: Date | null) {
    const rows = await q.query<{ points: number }>(
      `with base as (
         select id from transactions
         where program_id = $1 and member_id = $2 and currency = $3 and type in ('earn', 'adjustment')
           and ($4::timestamptz is null or occurred_at >= $4) and ($5::timestamptz is null or occurred_at < $5)
       ), moved as (
         select id from base
         union all
         select r.id from transactions r join base b on r.reverses_id = b.id where r.program_id = $1
       )
       select coalesce(sum(p.amount), 0)::bigint as points
       from moved m
       join postings p on p.program_id = $1 and p.txn_id = m.id
       join accounts a on a.program_id = p.program_id and a.id = p.account_id
       where a.owner = $2 and a.currency = $3`,
      [programId, memberId, currency, from, to],
    );
    return rows[0]!.points;
  },

  async lotsOfTxn(q: Queryable, programId: string, txnId: string) {
    return q.query<LotRow>(`select * from lots where program_id = $1 and txn_id = $2 order by id`, [programId, txnId]);
  },

  async insertHold(q: Queryable, programId: string, h: Omit<HoldRow, 'status' | 'txn_id' | 'updated_at'>) {
    const rows = await q.query<HoldRow>(
      `insert into holds (program_id, id, member_id, account_id, currency, amount, status, reference, expires_at, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $9) returning *`,
      [programId, h.id, h.member_id, h.account_id, h.currency, h.amount, h.reference, h.expires_at, h.created_at],
    );
    return rows[0]!;
  },

  async getHold(q: Queryable, programId: string, id: string, lock = false) {
    const rows = await q.query<HoldRow>(
      `select * from holds where program_id = $1 and id = $2${lock ? ' for update' : ''}`,
      [programId, id],
    );
    return rows[0];
  },

  async setHoldStatus(q: Queryable, programId: string, id: string, status: HoldRow['status'], now: Date, txnId: string | null = null) {
    const rows = await q.query<HoldRow>(
      `update holds set status = $3, txn_id = $4, updated_at = $5 where program_id = $1 and id = $2 returning *`,
      [programId, id, status, txnId, now],
    );
    return rows[0]!;
  },
};
