import type { Queryable } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { ledgerRepo as repo, staleHeld, type HoldRow, type TxnRow } from './ledger.repo.js';

const iso = (d: Date | string) => new Date(d).toISOString();

export function txnView(t: TxnRow, extra: { points?: number; pending_points?: number } = {}) {
  return {
    id: t.id,
    type: t.type,
    member_id: t.member_id,
    currency: t.currency,
    amount: t.amount,
    ...extra,
    event_id: t.event_id,
    order_id: t.order_id,
    reverses_id: t.reverses_id,
    hold_id: t.hold_id,
    reason: t.reason,
    metadata: t.metadata,
    occurred_at: iso(t.occurred_at),
    created_at: iso(t.created_at),
  };
}

export function holdView(h: HoldRow) {
  return {
    id: h.id,
    member_id: h.member_id,
    currency: h.currency,
    points: h.amount,
    status: h.status,
    reference: h.reference,
    expires_at: iso(h.expires_at),
    transaction_id: h.txn_id,
    created_at: iso(h.created_at),
    updated_at: iso(h.updated_at),
  };
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** A history cursor: the (occurred_at, id) of the last row given, in one opaque token. */
function encodeHistoryCursor(at: Date, id: string): string {
  return encodeCursor(`${at.toISOString()}/${id}`);
}

function decodeHistoryCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (!cursor) return undefined;
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('/');
  const when = at ? new Date(at) : undefined;
  if (rest.length > 0 || !id || !/^[a-z]{3}_[0-9a-z]{26}$/.test(id) || !when || Number.isNaN(when.getTime()) || when.toISOString() !== at) {
    throw invalid('pagination.invalid_cursor', 'The cursor is not one this API gave out', 'cursor');
  }
  return { at: when, id };
}

export const ledgerViews = {
  /**
   * A member's balance in one currency, in one statement (the most frequent read there is): the accounts, the
   * next expiries and the pending releases. Undefined when the program has no such member.
   */
  async balance(q: Queryable, programId: string, memberId: string, currency: string, now: Date) {
    const [row] = await q.query<{
      member: boolean;
      avail: { id: number; balance: number; live_held: number; earned: number; reversed: number; spent: number; expired: number } | null;
      pending: number | null;
      expiries: { expires_at: string; points: number }[];
      releases: { available_at: string; points: number }[];
    }>(
      `with acc as (
         select a.id, a.kind, a.balance, (a.held - ${staleHeld(4)})::bigint as live_held, a.earned, a.reversed, a.spent, a.expired
         from accounts a where a.program_id = $1 and a.owner = $2 and a.currency = $3
       ), av as (select * from acc where kind = 'available')
       select exists (select 1 from members where program_id = $1 and id = $2) as member,
              (select row_to_json(av) from av) as avail,
              (select balance from acc where kind = 'pending') as pending,
              coalesce((select json_agg(x order by x.expires_at) from (
                 select l.expires_at, sum(l.remaining)::bigint as points from lots l join av on l.account_id = av.id
                 where l.program_id = $1 and not l.pending and l.remaining > 0 and l.expires_at is not null
                 group by l.expires_at order by l.expires_at limit 10) x), '[]') as expiries,
              coalesce((select json_agg(x order by x.available_at) from (
                 select l.available_at, sum(l.remaining)::bigint as points from lots l join av on l.account_id = av.id
                 where l.program_id = $1 and l.pending and l.remaining > 0
                 group by l.available_at order by l.available_at limit 10) x), '[]') as releases`,
      [programId, memberId, currency, now],
    );
    if (!row?.member) return undefined;
    const avail = row.avail;
    const balance = avail?.balance ?? 0;
    const held = avail?.live_held ?? 0;
    return {
      member_id: memberId,
      currency,
      available: Math.max(0, balance - held),
      balance,
      pending: row.pending ?? 0,
      held,
      negative: balance < 0,
      lifetime: {
        earned: avail?.earned ?? 0,
        reversed: avail?.reversed ?? 0,
        spent: avail?.spent ?? 0,
        expired: avail?.expired ?? 0,
      },
      next_expiries: row.expiries.map((e) => ({ expires_at: iso(e.expires_at), points: Number(e.points) })),
      pending_releases: row.releases.map((e) => ({ available_at: iso(e.available_at), points: Number(e.points) })),
    };
  },

  /**
   * A member's transactions, newest first by when they happened (occurred_at, then id), with what each did to
   * their available and pending points. Points sent late (a refund imported or queued) sit where they happened,
   * not where they arrived. The member's own transactions and the transfers they received are each read from
   * their index in that order, `limit + 1` at most; the cursor is the last row's (occurred_at, id).
   */
  async history(q: Queryable, programId: string, memberId: string, opts: { limit: number; cursor?: string; currency?: string }) {
    const before = decodeHistoryCursor(opts.cursor);
    const after = `($3::text is null or currency = $3) and ($4::timestamptz is null or (occurred_at, id) < ($4, $5))`;
    const rows = await q.query<TxnRow & { d_available: number; d_pending: number }>(
      `with t as (
         (select * from transactions where program_id = $1 and member_id = $2 and ${after}
          order by occurred_at desc, id desc limit $6)
         union
         (select * from transactions where program_id = $1 and metadata ? 'to_member_id' and metadata->>'to_member_id' = $2 and ${after}
          order by occurred_at desc, id desc limit $6)
         order by occurred_at desc, id desc limit $6
       )
       select t.*, d.d_available, d.d_pending
       from t cross join lateral (
         select coalesce(sum(p.amount) filter (where a.kind = 'available'), 0)::bigint as d_available,
                coalesce(sum(p.amount) filter (where a.kind = 'pending'), 0)::bigint as d_pending
         from postings p join accounts a on a.program_id = p.program_id and a.id = p.account_id
         where p.program_id = $1 and p.txn_id = t.id and a.owner = $2
       ) d
       order by t.occurred_at desc, t.id desc`,
      [programId, memberId, opts.currency ?? null, before?.at ?? null, before?.id ?? null, opts.limit + 1],
    );
    const page = rows.slice(0, opts.limit);
    const last = page.at(-1);
    return {
      data: page.map((r) => {
        const { d_available, d_pending, ...t } = r;
        return txnView(t, { points: Number(d_available), pending_points: Number(d_pending) });
      }),
      next_cursor: rows.length > opts.limit && last ? encodeHistoryCursor(new Date(last.occurred_at), last.id) : null,
    };
  },

  async transaction(q: Queryable, programId: string, id: string) {
    const t = await repo.getTxn(q, programId, id);
    if (!t) return undefined;
    const postings = await repo.postingsOf(q, programId, id);
    return {
      ...txnView(t),
      postings: postings.map((p) => ({
        account: p.owner === 'system' ? `system:${p.kind}` : `member:${p.owner}:${p.kind}`,
        currency: p.currency,
        amount: p.amount,
      })),
    };
  },
};
