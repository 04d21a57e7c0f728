import { pgArray, type Queryable } from '../../platform/db.js';
import type { RefusalSource } from './events.contract.js';

export interface RefusalRow {
  id: string;
  event_id: string | null;
  type: string;
  member_id: string | null;
  member_ref: Record<string, unknown> | null;
  member_key: string | null;
  order_id: string | null;
  payload: Record<string, unknown>;
  status: number;
  code: string;
  detail: string;
  field: string | null;
  source: RefusalSource;
  occurred_at: Date | null;
  refused_at: Date;
}

export interface RefusalFilter {
  type?: string;
  /** The member filter: their id, and/or the normalised identity the events named them by. */
  memberId?: string;
  memberKey?: string;
  code?: string;
  eventId?: string;
  from?: Date;
  to?: Date;
  /** Refusals after this one in the order of the list (newest first): the cursor. */
  after?: { at: Date; id: string };
  limit: number;
}

/** A replay of the same refused event (same id, same code) this soon after the last is not kept again. */
const REPEAT_WINDOW = `interval '1 minute'`;

export const refusalsRepo = {
  /** Keeps refusals in one statement, leaving out repeats (see REPEAT_WINDOW); answers the ids kept. */
  async insertMany(q: Queryable, programId: string, rows: readonly RefusalRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const kept = await q.query<{ id: string }>(
      `insert into event_refusals (program_id, id, event_id, type, member_id, member_ref, member_key, order_id, payload,
                                   status, code, detail, field, source, occurred_at, refused_at)
       select $1, x.id, x.event_id, x.type, x.member_id, x.member_ref, x.member_key, x.order_id, x.payload,
              x.status, x.code, x.detail, x.field, x.source, x.occurred_at, x.refused_at
       from jsonb_to_recordset($2::text::jsonb)
         as x(id text, event_id text, type text, member_id text, member_ref jsonb, member_key text, order_id text, payload jsonb,
              status int, code text, detail text, field text, source text, occurred_at timestamptz, refused_at timestamptz)
       where x.event_id is null or not exists (
         select 1 from event_refusals r
         where r.program_id = $1 and r.event_id = x.event_id and r.code = x.code and r.refused_at > x.refused_at - ${REPEAT_WINDOW})
       returning id`,
      [programId, JSON.stringify(rows)],
    );
    return kept.map((r) => r.id);
  },

  /** Newest first (then id), by event_refusals_recent; only the filters given become conditions. */
  async list(q: Queryable, programId: string, f: RefusalFilter): Promise<RefusalRow[]> {
    const params: unknown[] = [programId];
    const where = ['program_id = $1'];
    const add = (sql: (n: string) => string, v: unknown) => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    if (f.type !== undefined) add((n) => `type = ${n}`, f.type);
    if (f.memberId !== undefined && f.memberKey !== undefined) {
      params.push(f.memberId, f.memberKey);
      where.push(`(member_id = $${params.length - 1} or member_key = $${params.length})`);
    } else if (f.memberId !== undefined) add((n) => `member_id = ${n}`, f.memberId);
    else if (f.memberKey !== undefined) add((n) => `member_key = ${n}`, f.memberKey);
    if (f.code !== undefined) add((n) => `code = ${n}`, f.code);
    if (f.eventId !== undefined) add((n) => `event_id = ${n}`, f.eventId);
    if (f.from !== undefined) add((n) => `refused_at >= ${n}`, f.from);
    if (f.to !== undefined) add((n) => `refused_at < ${n}`, f.to);
    if (f.after !== undefined) {
      params.push(f.after.at, f.after.id);
      where.push(`(refused_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::text)`);
    }
    params.push(f.limit);
    return q.query<RefusalRow>(
      `select * from event_refusals where ${where.join(' and ')} order by refused_at desc, id desc limit $${params.length}`,
      params,
    );
  },

  /** The last refusal of an event id, by event_refusals_event. */
  async latest(q: Queryable, programId: string, eventId: string): Promise<RefusalRow | undefined> {
    const rows = await q.query<RefusalRow>(
      `select * from event_refusals where program_id = $1 and event_id = $2 order by refused_at desc limit 1`,
      [programId, eventId],
    );
    return rows[0];
  },

  /** Deletes up to `limit` of the program's refusals older than `before`; answers how many went. */
  async prune(q: Queryable, programId: string, before: Date, limit: number): Promise<number> {
    const rows = await q.query<{ n: number }>(
      `with gone as (
         delete from event_refusals where program_id = $1 and id in (
           select id from event_refusals where program_id = $1 and refused_at < $2 order by refused_at limit $3)
         returning 1)
       select count(*)::int as n from gone`,
      [programId, before, limit],
    );
    return rows[0]?.n ?? 0;
  },

  /** The members of these orders (null for a guest order), by order id. */
  async orderMembers(q: Queryable, programId: string, orderIds: readonly string[]): Promise<Map<string, string | null>> {
    if (orderIds.length === 0) return new Map();
    const rows = await q.query<{ id: string; member_id: string | null }>(
      `select id, member_id from orders where program_id = $1 and id = any($2::text[])`,
      [programId, pgArray(orderIds)],
    );
    return new Map(rows.map((r) => [r.id, r.member_id]));
  },
};
