import type { Db, Queryable } from './db.js';

/**
 * The happenings outbox (migration 0021, DESIGN.md "Happenings"): what other parts react to, written in the
 * transaction that caused it and read after commit by each consumer from its own cursor.
 */
export interface NewHappening {
  program_id: string;
  kind: string;
  member_id: string | null;
  ref: string | null;
  data: Record<string, unknown>;
  occurred_at: Date;
}

export interface Happening extends NewHappening {
  seq: number;
}

/** Writes happenings in the caller's transaction, in one statement. */
export async function recordHappenings(q: Queryable, rows: readonly NewHappening[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `insert into happenings (program_id, kind, member_id, ref, data, occurred_at, created_at)
     select x.program_id, x.kind, x.member_id, x.ref, x.data, x.occurred_at, $2
     from jsonb_to_recordset($1::text::jsonb) as x(program_id text, kind text, member_id text, ref text, data jsonb, occurred_at timestamptz)`,
    [JSON.stringify(rows.map((r) => ({ ...r, occurred_at: r.occurred_at.toISOString() }))), now],
  );
}

/**
 * Hands the next happenings to `consumer`'s handler, in commit-safe order, and moves its cursor in the same
 * transaction as the handler's writes: a crash redoes the batch as a whole, never half of it. Only rows of
 * transactions older than every transaction still running are read (their xid below the snapshot's xmin), so a
 * row whose transaction commits late is read later, never skipped. Another process handling the same consumer
 * at the same time holds the cursor: this call then returns 0 at once. Returns how many rows were handled.
 */
export async function consumeHappenings(
  db: Db,
  consumer: string,
  handle: (q: Queryable, rows: Happening[]) => Promise<void>,
  opts: { limit?: number } = {},
): Promise<number> {
  await db.query(`insert into happening_cursors (consumer) values ($1) on conflict do nothing`, [consumer]);
  return db.tx(async (q) => {
    const [cursor] = await q.query<{ last_xid: string; last_seq: number }>(
      `select last_xid::text as last_xid, last_seq from happening_cursors where consumer = $1 for update skip locked`,
      [consumer],
    );
    if (!cursor) return 0;
    const rows = await q.query<Happening & { xid: string }>(
      `select seq, xid::text as xid, program_id, kind, member_id, ref, data, occurred_at
       from happenings
       where (xid, seq) > ($1::xid8, $2::bigint) and xid < pg_snapshot_xmin(pg_current_snapshot())
       order by xid, seq limit $3`,
      [cursor.last_xid, cursor.last_seq, opts.limit ?? 500],
    );
    if (rows.length === 0) return 0;
    await handle(
      q,
      rows.map(({ xid: _x, ...r }) => ({ ...r, seq: Number(r.seq), occurred_at: new Date(r.occurred_at) })),
    );
    const last = rows.at(-1)!;
    await q.query(`update happening_cursors set last_xid = $2::xid8, last_seq = $3, updated_at = now() where consumer = $1`, [consumer, last.xid, last.seq]);
    return rows.length;
  });
}
