import type { Db } from '../../platform/db.js';
import type { Ids } from '../../platform/ids.js';
import type { Program } from '../programs/index.js';
import { ledgerRepo as repo, type LotRow } from './ledger.repo.js';
import { bounded, type LedgerCore, type Tx } from './ledger.service.js';
import { AppError } from '../../platform/errors.js';

export interface MaintenanceReport {
  released_lots: number;
  released_points: number;
  expired_lots: number;
  expired_points: number;
  expired_holds: number;
  /** Idempotency records past their 24 hours, deleted (of the program's scope with `--program`, else all). */
  idempotency_records_purged: number;
  /**
   * Pending lots left pending and accounts left unexpired because moving them would take an account past
   * ±(2^53 − 1) points (ledger.amount_out_of_range); they are tried again on the next run.
   */
  held_out_of_range: number;
}

const outOfRange = (e: unknown) => e instanceof AppError && e.code === 'ledger.amount_out_of_range';

const BATCH = 500;

/** When a pending lot became available: when its lock ended, or now when it is released before that. */
function releasedAt(lot: LotRow, now: Date): Date {
  const due = lot.available_at ? new Date(lot.available_at) : now;
  return due.getTime() < now.getTime() ? due : now;
}

/**
 * The ledger's clockwork, run by `patron expire` and by the in-process job: stale holds stop reserving points,
 * pending lots whose lock ended become available, lots past their expiry post what is left to `expiry`.
 * Each member account is handled in its own short transaction, so a large run never blocks the hot path long.
 */
export function createMaintenance(deps: { db: Db; ids: Ids; core: LedgerCore }) {
  const { db, ids, core } = deps;

  async function expireHolds(program: Program, now: Date): Promise<number> {
    return db.tx(async (q) => {
      const rows = await q.query<{ account_id: number; amount: number; holds: number }>(
        `with e as (
           update holds set status = 'expired', updated_at = $2
           where program_id = $1 and status = 'active' and expires_at <= $2
           returning account_id, amount
         )
         select account_id, sum(amount)::bigint as amount, count(*)::int as holds from e group by account_id order by account_id`,
        [program.id, now],
      );
      for (const r of rows) {
        await q.query(`update accounts set held = held - $3 where program_id = $1 and id = $2`, [program.id, r.account_id, r.amount]);
      }
      return rows.reduce((n, r) => n + r.holds, 0);
    });
  }

  /** Moves a pending lot into the available account (also used when an order is fulfilled early). */
  async function releaseLot(tx: Tx, lot: LotRow): Promise<number> {
    const avail = await repo.lockAccount(tx.q, tx.program.id, lot.member_id, lot.currency, 'available', tx.now);
    const pend = await repo.lockAccount(tx.q, tx.program.id, lot.member_id, lot.currency, 'pending', tx.now);
    const [fresh] = await tx.q.query<LotRow>(`select * from lots where program_id = $1 and id = $2`, [tx.program.id, lot.id]);
    if (!avail || !pend || !fresh || !fresh.pending || fresh.remaining <= 0) return 0;
    const x = fresh.remaining;
    await repo.adjustAccount(tx.q, { programId: tx.program.id, accountId: pend.id, delta: -x });
    const after = await repo.adjustAccount(tx.q, { programId: tx.program.id, accountId: avail.id, delta: x, earned: x });
    // A negative balance is paid back first; the lot keeps only what is left over.
    const keep = Math.max(0, Math.min(x, after.balance));
    await tx.q.query(`update lots set pending = false, remaining = $3 where program_id = $1 and id = $2`, [tx.program.id, lot.id, keep]);
    await repo.insertTxn(
      tx.q,
      tx.program.id,
      {
        id: ids.next('txn'),
        type: 'release',
        bucket: 'earned',
        memberId: lot.member_id,
        currency: lot.currency,
        amount: x,
        orderId: lot.order_id,
        metadata: { lot: lot.id, earned_by: lot.txn_id },
        // Dated when the lock ended (a late run still dates it then); an early release (fulfilment) is dated now.
        occurredAt: releasedAt(fresh, tx.now),
        createdAt: tx.now,
      },
      [
        { accountId: pend.id, amount: -x },
        { accountId: avail.id, amount: x },
      ],
    );
    return x;
  }

  async function releaseDue(program: Program, now: Date) {
    let lots = 0;
    let points = 0;
    let held = 0;
    for (;;) {
      const due = await db.query<LotRow>(
        `select * from lots where program_id = $1 and pending and remaining > 0 and available_at <= $2
         order by available_at, id limit ${BATCH}`,
        [program.id, now],
      );
      for (const lot of due) {
        const x = await db.tx((q) => bounded(() => releaseLot({ q, program, now }, lot))).catch((e: unknown) => {
          if (!outOfRange(e)) throw e;
          held++;
          return 0;
        });
        if (x > 0) {
          lots++;
          points += x;
        }
      }
      // A lot held back stays due: stop once a page is made only of those.
      if (due.length < BATCH || held >= due.length) return { lots, points, held };
    }
  }

  /**
   * Expires what is left of a member account's lots past their date, but never points a live hold reserves.
   * Each expiry is dated when its lots expired, however late the run: lots that expired together make one
   * transaction, so the points outstanding on any past date are what they were on that date.
   */
  async function expireAccount(tx: Tx, accountId: number, memberId: string, currency: string) {
    const acc = await repo.lockAccount(tx.q, tx.program.id, memberId, currency, 'available', tx.now);
    if (!acc) return { lots: 0, points: 0 };
    const lots = await tx.q.query<{ id: number; remaining: number; expires_at: Date | string }>(
      `select id, remaining, expires_at from lots where program_id = $1 and account_id = $2 and not pending and remaining > 0
         and expires_at <= $3 order by expires_at, id`,
      [tx.program.id, accountId, tx.now],
    );
    let room = Math.max(0, acc.available);
    const groups: { at: Date; points: number; taken: { lot: number; points: number }[] }[] = [];
    for (const l of lots) {
      const x = Math.min(l.remaining, room);
      if (x <= 0) break;
      room -= x;
      const at = new Date(l.expires_at);
      let g = groups[groups.length - 1];
      if (!g || g.at.getTime() !== at.getTime()) groups.push((g = { at, points: 0, taken: [] }));
      g.points += x;
      g.taken.push({ lot: l.id, points: x });
      await tx.q.query(`update lots set remaining = remaining - $3 where program_id = $1 and id = $2`, [tx.program.id, l.id, x]);
    }
    const total = groups.reduce((n, g) => n + g.points, 0);
    if (total === 0) return { lots: 0, points: 0 };
    const expiryAccount = await core.systemAccount(tx, 'expiry', currency);
    await core.guardSystem(tx, [{ accountId: expiryAccount, amount: total }]);
    await repo.adjustAccount(tx.q, { programId: tx.program.id, accountId, delta: -total, expired: total });
    for (const g of groups) {
      await repo.insertTxn(
        tx.q,
        tx.program.id,
        {
          id: ids.next('txn'),
          type: 'expiry',
          bucket: 'expired',
          memberId,
          currency,
          amount: g.points,
          metadata: { lots: g.taken },
          occurredAt: g.at,
          createdAt: tx.now,
        },
        [
          { accountId, amount: -g.points },
          { accountId: expiryAccount, amount: g.points },
        ],
      );
    }
    return { lots: groups.reduce((n, g) => n + g.taken.length, 0), points: total };
  }

  async function expireDue(program: Program, now: Date) {
    let lots = 0;
    let points = 0;
    let held = 0;
    let after = -1;
    for (;;) {
      // Accounts with something expired, walked in id order so accounts whose lots are held back are not revisited.
      const accounts = await db.query<{ account_id: number; member_id: string; currency: string }>(
        `select distinct account_id, member_id, currency from lots
         where program_id = $1 and not pending and remaining > 0 and expires_at <= $2 and account_id > $3
         order by account_id limit ${BATCH}`,
        [program.id, now, after],
      );
      for (const a of accounts) {
        const r = await db.tx((q) => bounded(() => expireAccount({ q, program, now }, a.account_id, a.member_id, a.currency))).catch((e: unknown) => {
          if (!outOfRange(e)) throw e;
          held++;
          return { lots: 0, points: 0 };
        });
        lots += r.lots;
        points += r.points;
        after = a.account_id;
      }
      if (accounts.length < BATCH) return { lots, points, held };
    }
  }

  return {
    releaseLot: (tx: Tx, lot: LotRow) => bounded(() => releaseLot(tx, lot)),
    async run(programs: Program[], now: Date): Promise<MaintenanceReport> {
      const report: MaintenanceReport = {
        released_lots: 0,
        released_points: 0,
        expired_lots: 0,
        expired_points: 0,
        expired_holds: 0,
        idempotency_records_purged: 0,
        held_out_of_range: 0,
      };
      for (const program of programs) {
        report.expired_holds += await expireHolds(program, now);
        const rel = await releaseDue(program, now);
        report.released_lots += rel.lots;
        report.released_points += rel.points;
        const exp = await expireDue(program, now);
        report.expired_lots += exp.lots;
        report.expired_points += exp.points;
        report.held_out_of_range += rel.held + exp.held;
      }
      return report;
    },
  };
}
