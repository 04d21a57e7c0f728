import type { Queryable } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { ledgerRepo as repo, type HoldRow, type TxnRow } from './ledger.repo.js';

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

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, field = 'cursor'): string | undefined {
  if (!cursor) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{3}_[0-9a-z]{26}$/.test(id)) throw invalid('pagination.invalid_cursor', 'The cursor is not one this API gave out', field);
  return id;
}

export const ledgerViews = {
  async balance(q: Queryable, programId: string, memberId: string, currency: string, now: Date) {
    const accounts = (await repo.accountsOf(q, programId, memberId, now)).filter((a) => a.currency === currency);
    const avail = accounts.find((a) => a.kind === 'available');
    const pend = accounts.find((a) => a.kind === 'pending');
    const expiries = await q.query<{ expires_at: Date; points: number }>(
      `select expires_at, sum(remaining)::bigint as points from lots
       where program_id = $1 and account_id = $2 and not pending and remaining > 0 and expires_at is not null
       group by expires_at order by expires_at limit 10`,
      [programId, avail?.id ?? -1],
    );
    const releases = await q.query<{ available_at: Date; points: number }>(
      `select available_at, sum(remaining)::bigint as points from lots
       where program_id = $1 and account_id = $2 and pending and remaining > 0
       group by available_at order by available_at limit 10`,
      [programId, avail?.id ?? -1],
    );
    const balance = avail?.balance ?? 0;
    const held = avail?.live_held ?? 0;
    return {
      member_id: memberId,
      currency,
      available: Math.max(0, balance - held),
      balance,
      pending: pend?.balance ?? 0,
      held,
      negative: balance < 0,
      lifetime: { earned: avail?.earned ?? 0, spent: avail?.spent ?? 0, expired: avail?.expired ?? 0 },
      next_expiries: expiries.map((e) => ({ expires_at: iso(e.expires_at), points: e.points })),
      pending_releases: releases.map((e) => ({ available_at: iso(e.available_at), points: e.points })),
    };
  },

  /** A member's transactions, newest first, with what each did to their available and pending points. */
  async history(q: Queryable, programId: string, memberId: string, opts: { limit: number; cursor?: string; currency?: string }) {
    const before = decodeCursor(opts.cursor);
    const rows = await q.query<TxnRow & { d_available: number; d_pending: number }>(
      `select t.*, s.d_available, s.d_pending from (
         select p.txn_id,
                coalesce(sum(p.amount) filter (where a.kind = 'available'), 0)::bigint as d_available,
                coalesce(sum(p.amount) filter (where a.kind = 'pending'), 0)::bigint as d_pending
         from accounts a join postings p on p.program_id = a.program_id and p.account_id = a.id
         where a.program_id = $1 and a.owner = $2 and ($3::text is null or a.currency = $3)
           and ($4::text is null or p.txn_id < $4)
         group by p.txn_id order by p.txn_id desc limit $5
       ) s join transactions t on t.program_id = $1 and t.id = s.txn_id
       order by t.id desc`,
      [programId, memberId, opts.currency ?? null, before ?? null, opts.limit + 1],
    );
    const page = rows.slice(0, opts.limit);
    return {
      data: page.map((r) => {
        const { d_available, d_pending, ...t } = r;
        return txnView(t, { points: d_available, pending_points: d_pending });
      }),
      next_cursor: rows.length > opts.limit ? encodeCursor(page.at(-1)!.id) : null,
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
