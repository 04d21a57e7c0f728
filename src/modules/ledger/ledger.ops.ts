import type { Queryable } from '../../platform/db.js';
import { AppError, conflict, invalid, notFound, unprocessable } from '../../platform/errors.js';
import { purgeIdempotency } from '../../platform/idempotency.js';
import type { Program } from '../programs/index.js';
import type { MembersService } from '../members/index.js';
import { createLedgerCore, type LedgerDeps, type Tx } from './ledger.service.js';
import { createMaintenance, type MaintenanceReport } from './ledger.maintenance.js';
import { verifyLedger, type VerifyReport } from './ledger.verify.js';
import { holdView, ledgerViews, txnView } from './ledger.views.js';
import { ledgerRepo as repo, type TxnRow } from './ledger.repo.js';

/**
 * The ledger's public operations. Each write takes the open transaction (`q`) of the request, so the HTTP
 * layer can claim an idempotency key in the same database transaction; all checks happen before or inside it,
 * and any refusal rolls the whole transaction back.
 */
export function createLedgerService(deps: LedgerDeps & { members: MembersService }) {
  const { db, clock, ids, programs, members } = deps;
  const core = createLedgerCore({ ids });
  const maintenance = createMaintenance({ db, ids, core });

  const mainCurrency = (p: Program, c?: string) => c ?? p.point_currencies[0]!;

  /** The member must exist in this program (404 otherwise) and be active to move points. */
  async function activeMember(q: Queryable, program: Program, memberId: string, field = 'member_id') {
    const m = await members.resolve(q, program.id, { id: memberId }, { autoEnrol: false, at: clock.now() }).catch((e: unknown) => {
      if (e instanceof AppError && e.kind === 'not_found') throw notFound('member.not_found', `No member ${memberId}`, field);
      throw e;
    });
    if (m.status !== 'active') {
      throw unprocessable(`member.${m.status}`, `Member ${memberId} is ${m.status}: points cannot move`, { field });
    }
    return m.memberId;
  }

  async function memberExists(q: Queryable, program: Program, memberId: string) {
    await members.resolve(q, program.id, { id: memberId }, { autoEnrol: false, at: clock.now() }).catch((e: unknown) => {
      if (e instanceof AppError && e.kind === 'not_found') throw notFound('member.not_found', `No member ${memberId}`, 'member_id');
      throw e;
    });
  }

  const tx = (q: Queryable, program: Program): Tx => ({ q, program, now: clock.now() });

  async function loadTxn(q: Queryable, program: Program, id: string) {
    const t = await repo.getTxn(q, program.id, id);
    if (!t) throw notFound('transaction.not_found', `No transaction ${id}`, 'txn_id');
    return t;
  }

  async function txnOut(q: Queryable, program: Program, id: string) {
    return (await ledgerViews.transaction(q, program.id, id))!;
  }

  /** Called after each manual adjustment, in its transaction (tiers re-evaluate the member). */
  const adjustmentHooks: ((tx: Tx, memberId: string, currency: string) => Promise<void>)[] = [];

  return {
    core,
    releaseLot: maintenance.releaseLot,

    /** Writes credits a batch of events has kept back on `q` (see `core.settle`). */
    settle: (q: Queryable) => core.settle(q),

    /** Adds a hook that runs after every manual adjustment, in the adjustment's transaction. */
    addAdjustmentHook(hook: (tx: Tx, memberId: string, currency: string) => Promise<void>) {
      adjustmentHooks.push(hook);
    },

    /**
     * Points of `currency` credited to a member (earn and adjustment transactions, net of their reversals and of
     * debit adjustments) with occurred_at in [from, to) (null = open end). Runs on `q` to see the caller's writes.
     */
    async credited(q: Queryable, programId: string, memberId: string, currency: string, range: { from?: Date | null; to?: Date | null } = {}) {
      await core.settle(q);
      return repo.creditedBetween(q, programId, memberId, currency, range.from ?? null, range.to ?? null);
    },

    async redeem(q: Queryable, program: Program, memberId: string, r: { points: number; currency?: string; reference?: string; reason?: string }) {
      await core.settle(q);
      await activeMember(q, program, memberId);
      const t = tx(q, program);
      const { txnId } = await core.debit(t, {
        memberId,
        currency: mainCurrency(program, r.currency),
        amount: r.points,
        type: 'redeem',
        sink: 'redemption',
        reason: r.reason,
        reference: r.reference,
      });
      return txnOut(q, program, txnId);
    },

    async adjust(q: Queryable, program: Program, memberId: string, a: { points: number; currency?: string; reason: string; expires_at?: string }) {
      await core.settle(q);
      await activeMember(q, program, memberId);
      const t = tx(q, program);
      const currency = mainCurrency(program, a.currency);
      if (a.points > 0) {
        const expiresAt = a.expires_at ? new Date(a.expires_at) : undefined;
        if (expiresAt && expiresAt <= t.now) throw invalid('ledger.expiry_in_past', 'expires_at must be in the future', 'expires_at');
        const { txnId } = await core.credit(t, { memberId, currency, amount: a.points, type: 'adjustment', source: 'adjustment', reason: a.reason, expiresAt });
        for (const hook of adjustmentHooks) await hook(t, memberId, currency);
        return txnOut(q, program, txnId);
      }
      if (a.expires_at) throw invalid('ledger.expiry_on_debit', 'expires_at applies to credits only', 'expires_at');
      const { txnId } = await core.debit(t, { memberId, currency, amount: -a.points, type: 'adjustment', sink: 'adjustment', reason: a.reason });
      for (const hook of adjustmentHooks) await hook(t, memberId, currency);
      return txnOut(q, program, txnId);
    },

    async transfer(q: Queryable, program: Program, r: { from_member_id: string; to_member_id: string; points: number; currency?: string; reason?: string }) {
      await core.settle(q);
      if (r.from_member_id === r.to_member_id) throw invalid('transfer.same_member', 'A member cannot transfer to themselves', 'to_member_id');
      await activeMember(q, program, r.from_member_id, 'from_member_id');
      await activeMember(q, program, r.to_member_id, 'to_member_id');
      const { txnId } = await core.transfer(tx(q, program), {
        from: r.from_member_id,
        to: r.to_member_id,
        currency: mainCurrency(program, r.currency),
        amount: r.points,
        reason: r.reason,
      });
      return txnOut(q, program, txnId);
    },

    async createHold(q: Queryable, program: Program, memberId: string, h: { points: number; currency?: string; ttl_seconds?: number; reference?: string }) {
      await core.settle(q);
      await activeMember(q, program, memberId);
      const t = tx(q, program);
      const currency = mainCurrency(program, h.currency);
      if (!program.point_currencies.includes(currency)) throw invalid('ledger.unknown_currency', `The program has no point currency "${currency}"`, 'currency');
      const rows = await q.query<{ id: number }>(
        `update accounts a set held = a.held + $4
         where a.program_id = $1 and a.owner = $2 and a.currency = $3 and a.kind = 'available'
           and a.balance - a.held + coalesce((select sum(h.amount) from holds h where h.program_id = a.program_id
             and h.account_id = a.id and h.status = 'active' and h.expires_at <= $5), 0) >= $4
         returning a.id`,
        [program.id, memberId, currency, h.points, t.now],
      );
      if (!rows[0]) {
        const acc = await repo.lockAccount(q, program.id, memberId, currency, 'available', t.now);
        const available = Math.max(0, acc?.available ?? 0);
        throw unprocessable('ledger.insufficient_points', `Only ${available} ${currency} available; ${h.points} requested`, {
          field: 'points',
          available,
          requested: h.points,
        });
      }
      const ttl = h.ttl_seconds ?? program.settings.hold_ttl_seconds;
      const hold = await repo.insertHold(q, program.id, {
        id: ids.next('hld'),
        member_id: memberId,
        account_id: rows[0].id,
        currency,
        amount: h.points,
        reference: h.reference ?? null,
        expires_at: new Date(t.now.getTime() + ttl * 1000),
        created_at: t.now,
      });
      return holdView(hold);
    },

    async getHold(program: Program, id: string, q: Queryable = db) {
      const h = await repo.getHold(q, program.id, id);
      if (!h) throw notFound('hold.not_found', `No hold ${id}`, 'hold_id');
      return holdView(h);
    },

    async confirmHold(q: Queryable, program: Program, id: string) {
      await core.settle(q);
      const t = tx(q, program);
      const h = await repo.getHold(q, program.id, id, true);
      if (!h) throw notFound('hold.not_found', `No hold ${id}`, 'hold_id');
      if (h.status !== 'active') throw conflict(`hold.${h.status}`, `Hold ${id} is already ${h.status}`, { field: 'hold_id' });
      if (h.expires_at <= t.now) throw conflict('hold.expired', `Hold ${id} expired at ${h.expires_at.toISOString()}`, { field: 'hold_id' });
      await activeMember(q, program, h.member_id);
      const { txnId } = await core.debit(t, {
        memberId: h.member_id,
        currency: h.currency,
        amount: h.amount,
        type: 'redeem',
        sink: 'redemption',
        reference: h.reference,
        holdId: h.id,
        fromHold: h,
      });
      const done = await repo.setHoldStatus(q, program.id, id, 'confirmed', t.now, txnId);
      return { ...holdView(done), transaction: await txnOut(q, program, txnId) };
    },

    async cancelHold(q: Queryable, program: Program, id: string) {
      await core.settle(q);
      const t = tx(q, program);
      const h = await repo.getHold(q, program.id, id, true);
      if (!h) throw notFound('hold.not_found', `No hold ${id}`, 'hold_id');
      if (h.status !== 'active') throw conflict(`hold.${h.status}`, `Hold ${id} is already ${h.status}`, { field: 'hold_id' });
      await repo.adjustAccount(q, { programId: program.id, accountId: h.account_id, delta: 0, held: -h.amount });
      return holdView(await repo.setHoldStatus(q, program.id, id, h.expires_at <= t.now ? 'expired' : 'cancelled', t.now));
    },

    /** Reverses what is left of a transaction; a reversal references the original, which stays as it was. */
    async reverse(q: Queryable, program: Program, id: string, r: { reason?: string }) {
      await core.settle(q);
      const t = tx(q, program);
      const original = await loadTxn(q, program, id);
      // Serialise reversals of one transaction: lock its row.
      await q.query(`select 1 from transactions where program_id = $1 and id = $2 for update`, [program.id, id]);
      const already = await repo.reversedOf(q, program.id, id);
      const left = original.amount - already;
      if (['reversal', 'expiry', 'release'].includes(original.type)) {
        throw unprocessable('transaction.not_reversible', `A ${original.type} transaction cannot be reversed`, { field: 'txn_id' });
      }
      if (left <= 0) throw conflict('transaction.already_reversed', `Transaction ${id} is already fully reversed`, { field: 'txn_id' });
      let txnId: string;
      if (original.type === 'earn' || (original.type === 'adjustment' && isCredit(original))) {
        const out = await core.reverseEarning(t, original, left, { reason: r.reason });
        txnId = out!.txnId;
      } else if (original.type === 'redeem' || original.type === 'adjustment') {
        txnId = (await core.restore(t, original, { reason: r.reason })).txnId;
      } else {
        const to = String(original.metadata.to_member_id);
        txnId = (
          await core.transfer(t, { from: to, to: original.member_id!, currency: original.currency, amount: original.amount, reason: r.reason, reversesId: id })
        ).txnId;
      }
      return txnOut(q, program, txnId);
    },

    /** The posted balance of a member's available account in the caller's transaction (0 if never used). */
    async postedBalance(q: Queryable, programId: string, memberId: string, currency: string): Promise<number> {
      await core.settle(q);
      return repo.postedBalance(q, programId, memberId, currency);
    },

    async balance(program: Program, memberId: string, currency?: string) {
      const c = mainCurrency(program, currency);
      if (!program.point_currencies.includes(c)) throw invalid('ledger.unknown_currency', `The program has no point currency "${c}"`, 'currency');
      const view = await ledgerViews.balance(db, program.id, memberId, c, clock.now());
      if (!view) throw notFound('member.not_found', `No member ${memberId}`, 'member_id');
      return view;
    },

    async balances(program: Program, memberId: string) {
      const now = clock.now();
      const out = [];
      for (const c of program.point_currencies) {
        const view = await ledgerViews.balance(db, program.id, memberId, c, now);
        if (!view) throw notFound('member.not_found', `No member ${memberId}`, 'member_id');
        out.push(view);
      }
      return out;
    },

    async history(program: Program, memberId: string, opts: { limit: number; cursor?: string; currency?: string }) {
      await memberExists(db, program, memberId);
      return ledgerViews.history(db, program.id, memberId, opts);
    },

    async transaction(program: Program, id: string) {
      const t = await ledgerViews.transaction(db, program.id, id);
      if (!t) throw notFound('transaction.not_found', `No transaction ${id}`, 'txn_id');
      return t;
    },

    txnView,

    verify: (opts: { programId?: string } = {}): Promise<VerifyReport> => verifyLedger(db, opts.programId),

    async runMaintenance(opts: { programId?: string; now?: Date } = {}): Promise<MaintenanceReport> {
      const ids = opts.programId ? [opts.programId] : await programs.allProgramIds();
      const list = [];
      for (const id of ids) list.push(await programs.program(id));
      const now = opts.now ?? clock.now();
      const report = await maintenance.run(list, now);
      // Stored answers of idempotent writes are the ledger's retry memory: they go once they can no longer replay.
      report.idempotency_records_purged = await purgeIdempotency(db, now, opts.programId);
      return report;
    },
  };
}

function isCredit(t: TxnRow) {
  // A credit adjustment made a lot or posted into the member; a debit one recorded the lots it consumed.
  return !Array.isArray(t.metadata.lots);
}

export type LedgerService = ReturnType<typeof createLedgerService>;
