import { pgArray, type Queryable } from '../../platform/db.js';
import type { EventOutcomeFilter, EventResult } from './events.contract.js';
import type { LotRow, TxnRow } from '../ledger/index.js';

export interface OrderLine {
  sku: string;
  name?: string;
  category?: string;
  quantity: number;
  unit_price: number;
  refunded_quantity: number;
}

export interface OrderRow {
  id: string;
  /** null: a guest purchase. */
  member_id: string | null;
  event_id: string;
  currency: string;
  amount: number;
  refunded_amount: number;
  lines: OrderLine[];
  channel: string | null;
  store_id: string | null;
  occurred_at: Date;
  created_at: Date;
}

/** An order as an event writes it; `memberId` null for a guest purchase. */
export interface NewOrder {
  id: string;
  memberId: string | null;
  eventId: string;
  currency: string;
  amount: number;
  lines: OrderLine[];
  channel: string | null;
  storeId: string | null;
  occurredAt: Date;
  now: Date;
}

export interface StoredEvent {
  id: string;
  type: string;
  member_id: string | null;
  order_id: string | null;
  body_hash: string;
  payload: Record<string, unknown>;
  result: EventResult;
  occurred_at: Date;
  received_at: Date;
}

export interface EventFilter {
  type?: string;
  memberId?: string;
  orderId?: string;
  outcome?: EventOutcomeFilter;
  from?: Date;
  to?: Date;
  /** Events after this one in the order of the log (newest first): the cursor. */
  after?: { occurredAt: Date; id: string };
  limit: number;
}

/** How each outcome reads in an event's stored result (see EventOutcomeFilter). */
const OUTCOME_SQL: Record<EventOutcomeFilter, string> = {
  earned: `type <> 'refund' and jsonb_array_length(result->'transactions') > 0`,
  reversed: `type = 'refund' and jsonb_array_length(result->'transactions') > 0`,
  no_points: `coalesce(result->>'guest', '') <> 'true' and jsonb_array_length(result->'transactions') = 0`,
  guest: `result->>'guest' = 'true'`,
};

export const eventsRepo = {
  /**
   * The log, newest first by when events happened (then id). Only the filters given become conditions, so
   * PostgreSQL plans each shape on its own index (events_recent, events_type_recent, events_member).
   */
  async list(q: Queryable, programId: string, f: EventFilter): Promise<StoredEvent[]> {
    const params: unknown[] = [programId];
    const where = ['program_id = $1'];
    const add = (sql: (n: string) => string, v: unknown) => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    if (f.type !== undefined) add((n) => `type = ${n}`, f.type);
    if (f.memberId !== undefined) add((n) => `member_id = ${n}`, f.memberId);
    if (f.orderId !== undefined) add((n) => `order_id = ${n}`, f.orderId);
    if (f.from !== undefined) add((n) => `occurred_at >= ${n}`, f.from);
    if (f.to !== undefined) add((n) => `occurred_at < ${n}`, f.to);
    if (f.after !== undefined) {
      params.push(f.after.occurredAt, f.after.id);
      where.push(`(occurred_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::text)`);
    }
    if (f.outcome !== undefined) where.push(OUTCOME_SQL[f.outcome]);
    params.push(f.limit);
    return q.query<StoredEvent>(
      `select * from events where ${where.join(' and ')} order by occurred_at desc, id desc limit $${params.length}`,
      params,
    );
  },

  /** Claims the event id; false if the program already has it (committed, or waited for on PostgreSQL). */
  async claim(
    q: Queryable,
    programId: string,
    e: { id: string; type: string; hash: string; payload: unknown; occurredAt: Date; receivedAt: Date },
  ): Promise<boolean> {
    const rows = await q.query(
      `insert into events (program_id, id, type, body_hash, payload, result, occurred_at, received_at)
       values ($1, $2, $3, $4, $5, '{}', $6, $7) on conflict do nothing returning 1`,
      [programId, e.id, e.type, e.hash, e.payload, e.occurredAt, e.receivedAt],
    );
    return rows.length > 0;
  },

  /**
   * Claims many event ids in one statement (in id order, so two batches claiming overlapping ids wait on each
   * other rather than deadlock); answers the ids it claimed. The rest are taken already.
   */
  async claimMany(
    q: Queryable,
    programId: string,
    events: readonly { id: string; type: string; hash: string; payload: unknown; occurredAt: Date; receivedAt: Date }[],
  ): Promise<string[]> {
    if (events.length === 0) return [];
    const rows = await q.query<{ id: string }>(
      `insert into events (program_id, id, type, body_hash, payload, result, occurred_at, received_at)
       select $1, x.id, x.type, x.hash, x.payload, '{}', x.occurred_at, x.received_at
       from jsonb_to_recordset($2::text::jsonb)
         as x(id text, type text, hash text, payload jsonb, occurred_at timestamptz, received_at timestamptz)
       order by x.id
       on conflict do nothing returning id`,
      [programId, JSON.stringify(events.map((e) => ({ ...e, occurred_at: e.occurredAt, received_at: e.receivedAt })))],
    );
    return rows.map((r) => r.id);
  },

  async getMany(q: Queryable, programId: string, ids: readonly string[]) {
    return q.query<StoredEvent>(`select * from events where program_id = $1 and id = any($2::text[])`, [programId, pgArray(ids)]);
  },

  /** Stores the results of claimed events, in one statement. */
  async completeMany(q: Queryable, programId: string, results: readonly EventResult[]) {
    if (results.length === 0) return;
    await q.query(
      `update events e set member_id = x.member_id, order_id = x.order_id, result = x.result
       from jsonb_to_recordset($2::text::jsonb) as x(id text, member_id text, order_id text, result jsonb)
       where e.program_id = $1 and e.id = x.id`,
      [programId, JSON.stringify(results.map((r) => ({ id: r.id, member_id: r.member_id, order_id: r.order_id, result: r })))],
    );
  },

  async get(q: Queryable, programId: string, id: string) {
    const rows = await q.query<StoredEvent>(`select * from events where program_id = $1 and id = $2`, [programId, id]);
    return rows[0];
  },

  async complete(q: Queryable, programId: string, id: string, memberId: string | null, orderId: string | null, result: EventResult) {
    await q.query(`update events set member_id = $3, order_id = $4, result = $5 where program_id = $1 and id = $2`, [
      programId,
      id,
      memberId,
      orderId,
      result,
    ]);
  },

  async insertOrder(q: Queryable, programId: string, o: NewOrder): Promise<boolean> {
    const rows = await q.query(
      `insert into orders (program_id, id, member_id, event_id, currency, amount, lines, channel, store_id, occurred_at, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing returning 1`,
      [programId, o.id, o.memberId, o.eventId, o.currency, o.amount, o.lines, o.channel, o.storeId, o.occurredAt, o.now],
    );
    return rows.length > 0;
  },

  /** Which of these order ids the program already has. */
  async existingOrderIds(q: Queryable, programId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await q.query<{ id: string }>(`select id from orders where program_id = $1 and id = any($2::text[])`, [programId, pgArray(ids)]);
    return rows.map((r) => r.id);
  },

  /** Many orders in one statement; answers the ids inserted (an id another transaction took is left out). */
  async insertOrders(q: Queryable, programId: string, orders: readonly NewOrder[]): Promise<string[]> {
    if (orders.length === 0) return [];
    const rows = await q.query<{ id: string }>(
      `insert into orders (program_id, id, member_id, event_id, currency, amount, lines, channel, store_id, occurred_at, created_at)
       select $1, x.id, x.member_id, x.event_id, x.currency, x.amount, x.lines, x.channel, x.store_id, x.occurred_at, x.created_at
       from jsonb_to_recordset($2::text::jsonb)
         as x(id text, member_id text, event_id text, currency text, amount bigint, lines jsonb, channel text, store_id text,
              occurred_at timestamptz, created_at timestamptz)
       on conflict do nothing returning id`,
      [
        programId,
        JSON.stringify(
          orders.map((o) => ({
            id: o.id,
            member_id: o.memberId,
            event_id: o.eventId,
            currency: o.currency,
            amount: o.amount,
            lines: o.lines,
            channel: o.channel,
            store_id: o.storeId,
            occurred_at: o.occurredAt,
            created_at: o.now,
          })),
        ),
      ],
    );
    return rows.map((r) => r.id);
  },

  async getOrder(q: Queryable, programId: string, id: string, lock = false) {
    const rows = await q.query<OrderRow>(
      `select * from orders where program_id = $1 and id = $2${lock ? ' for update' : ''}`,
      [programId, id],
    );
    return rows[0];
  },

  async updateOrderRefund(q: Queryable, programId: string, id: string, refundedAmount: number, lines: OrderLine[]) {
    await q.query(`update orders set refunded_amount = $3, lines = $4 where program_id = $1 and id = $2`, [
      programId,
      id,
      refundedAmount,
      lines,
    ]);
  },

  /** A member's purchases (orders) with occurred_at in [from, to): count, money net of refunds, first and last. */
  async purchaseStats(q: Queryable, programId: string, memberId: string, from: Date | null, to: Date | null) {
    const rows = await q.query<{ count: number; amount: number; first_at: Date | null; last_at: Date | null }>(
      `select count(*)::bigint as count, coalesce(sum(amount - refunded_amount), 0)::bigint as amount,
              min(occurred_at) as first_at, max(occurred_at) as last_at
       from orders where program_id = $1 and member_id = $2
         and ($3::timestamptz is null or occurred_at >= $3) and ($4::timestamptz is null or occurred_at < $4)`,
      [programId, memberId, from, to],
    );
    return rows[0]!;
  },

  /** Every order of these members: net money (paid less refunded) and when it happened. */
  async ordersOfMembers(q: Queryable, programId: string, memberIds: readonly string[]) {
    if (memberIds.length === 0) return [];
    return q.query<{ id: string; member_id: string; net: number; occurred_at: Date }>(
      `select id, member_id, (amount - refunded_amount)::bigint as net, occurred_at from orders
       where program_id = $1 and member_id = any($2::text[])`,
      [programId, pgArray(memberIds)],
    );
  },

  /** The members of these orders (guest orders have none). */
  async membersOfOrders(q: Queryable, programId: string, orderIds: readonly string[]) {
    const rows = await q.query<{ member_id: string }>(
      `select distinct member_id from orders where program_id = $1 and id = any($2::text[]) and member_id is not null`,
      [programId, pgArray(orderIds)],
    );
    return rows.map((r) => r.member_id);
  },

  /** The order's earning transactions with what reversals already took from each. */
  async earnings(q: Queryable, programId: string, orderId: string) {
    return q.query<TxnRow & { reversed: number }>(
      `select t.*,
              coalesce((select sum(coalesce((r.metadata->>'due')::bigint, r.amount)) from transactions r
                        where r.program_id = t.program_id and r.reverses_id = t.id), 0)::bigint as reversed
       from transactions t where t.program_id = $1 and t.order_id = $2 and t.type = 'earn' order by t.id`,
      [programId, orderId],
    );
  },

  async pendingLotsOfOrder(q: Queryable, programId: string, orderId: string) {
    return q.query<LotRow>(
      `select * from lots where program_id = $1 and order_id = $2 and pending and remaining > 0 order by id`,
      [programId, orderId],
    );
  },
};
