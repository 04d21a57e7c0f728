import { randomInt } from 'node:crypto';
import type { Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import { DAY_MS } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import { AppError, conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { Program } from '../programs/index.js';
import type { MemberRef, MembersService } from '../members/index.js';
import type { CouponCheck, CouponCreate, CouponRedeem } from './rewards.contract.js';
import { rewardsRepo as repo, type CouponRow, type RewardRow } from './rewards.repo.js';
import { couponView } from './rewards.views.js';

/** No 0/O, 1/I/L: a code read aloud at a till or typed from a receipt cannot be mistaken. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 10;

export function generateCode(): string {
  let s = '';
  for (let i = 0; i < CODE_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** What a reward's coupon gives at checkout. */
function benefitOf(r: RewardRow): Record<string, unknown> {
  if (r.kind === 'discount_coupon') return r.details.discount ?? {};
  if (r.kind === 'free_product') return { type: 'free_product', sku: r.details.sku };
  return { type: 'voucher', partner: r.details.partner };
}

/** The money a coupon takes off an order, in minor units; null for a product or voucher. */
function discountFor(benefit: Record<string, unknown>, orderAmount: number | undefined): number | null {
  if (orderAmount === undefined) return null;
  if (benefit.type === 'percent') return Number((BigInt(orderAmount) * BigInt(Number(benefit.basis_points))) / 10_000n);
  if (benefit.type === 'amount') return Math.min(Number(benefit.amount), orderAmount);
  return null;
}

export function createCoupons(deps: { clock: Clock; ids: Ids; members: MembersService }) {
  const { clock, ids, members } = deps;

  /** Inserts a coupon under `code`, or under a fresh generated code when none is given. */
  async function insert(q: Queryable, program: Program, c: Omit<CouponRow, 'id' | 'code' | 'uses' | 'updated_at'>, code?: string, pooled = false) {
    if (code !== undefined) {
      // A pooled code belongs to its reward's pool: an admin's coupon may not take it.
      const taken = !pooled && (await repo.codeInPool(q, program.id, code));
      const row = taken ? undefined : await repo.insertCoupon(q, program.id, { ...c, id: ids.next('cpn'), code });
      if (!row) throw conflict('coupon.code_taken', `Coupon code ${code} is already in use`, { field: 'code' });
      return row;
    }
    // 31^10 codes: a clash is astronomically rare, but one is retried rather than failing the redemption.
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await repo.insertCoupon(q, program.id, { ...c, id: ids.next('cpn'), code: generateCode() });
      if (row) return row;
    }
    throw new Error('could not generate a free coupon code in 5 attempts');
  }

  async function memberId(q: Queryable, program: Program, ref: MemberRef | undefined) {
    if (!ref) return null;
    const m = await members.resolve(q, program.id, ref, { autoEnrol: false, at: clock.now() });
    return m.memberId;
  }

  /** Refuses a coupon that cannot be used now by this member on this order. */
  function check(c: CouponRow, who: string | null, orderAmount: number | undefined, now: Date) {
    if (c.status !== 'active') throw unprocessable(`coupon.${c.status}`, `Coupon ${c.code} is ${c.status}`, { field: 'code' });
    if (c.valid_from && c.valid_from > now) {
      throw unprocessable('coupon.not_yet_valid', `Coupon ${c.code} is valid from ${c.valid_from.toISOString()}`, { field: 'code' });
    }
    if (c.expires_at && c.expires_at <= now) {
      throw unprocessable('coupon.expired', `Coupon ${c.code} expired at ${c.expires_at.toISOString()}`, { field: 'code' });
    }
    if (c.member_id && who && c.member_id !== who) {
      throw unprocessable('coupon.wrong_member', `Coupon ${c.code} belongs to another member`, { field: 'member' });
    }
    if (c.uses >= c.max_uses) {
      throw c.max_uses === 1
        ? conflict('coupon.already_redeemed', `Coupon ${c.code} was already redeemed`, { field: 'code' })
        : conflict('coupon.used_up', `Coupon ${c.code} has no uses left (${c.max_uses} used)`, { field: 'code' });
    }
    if (c.min_order_amount !== null && orderAmount !== undefined && orderAmount < c.min_order_amount) {
      throw unprocessable('coupon.min_order_amount', `Coupon ${c.code} needs an order of at least ${c.min_order_amount}`, {
        field: 'order_amount',
        min_order_amount: c.min_order_amount,
      });
    }
  }

  async function byCode(q: Queryable, program: Program, code: string, lock = false) {
    const c = await repo.couponByCode(q, program.id, code, lock);
    if (!c) throw notFound('coupon.not_found', `No coupon ${code}`, 'code');
    return c;
  }

  return {
    /** The coupon a confirmed reward gives its member: a pooled code if the reward has a pool, else a generated one. */
    async issueFor(q: Queryable, program: Program, r: RewardRow, redemptionId: string, member: string, now: Date) {
      let code: string | undefined;
      if (r.codes_total > 0) {
        code = await repo.takeCode(q, program.id, r.id, redemptionId, now);
        if (!code) throw conflict('reward.codes_exhausted', `Every uploaded code of reward ${r.id} is used`, { field: 'reward_id' });
      }
      const days = r.coupon.valid_days ?? null;
      return insert(
        q,
        program,
        {
          reward_id: r.id,
          redemption_id: redemptionId,
          member_id: member,
          benefit: benefitOf(r),
          max_uses: r.coupon.max_uses ?? 1,
          min_order_amount: r.coupon.min_order_amount ?? null,
          valid_from: null,
          expires_at: days ? new Date(now.getTime() + days * DAY_MS) : null,
          status: 'active',
          created_at: now,
        },
        code,
        code !== undefined,
      );
    },

    async create(q: Queryable, program: Program, b: CouponCreate) {
      const now = clock.now();
      if (b.member_id) await members.get(program.id, b.member_id, q);
      if (b.valid_from && b.expires_at && new Date(b.expires_at) <= new Date(b.valid_from)) {
        throw unprocessable('coupon.invalid_validity', 'expires_at must be after valid_from', { field: 'expires_at' });
      }
      const row = await insert(
        q,
        program,
        {
          reward_id: null,
          redemption_id: null,
          member_id: b.member_id ?? null,
          benefit: b.benefit,
          max_uses: b.max_uses,
          min_order_amount: b.min_order_amount ?? null,
          valid_from: b.valid_from ? new Date(b.valid_from) : null,
          expires_at: b.expires_at ? new Date(b.expires_at) : null,
          status: 'active',
          created_at: now,
        },
        b.code,
      );
      return couponView(row);
    },

    async get(q: Queryable, program: Program, code: string) {
      return couponView(await byCode(q, program, code));
    },

    /** Valid for this member and order, or why not: every refusal is an answer here, not an error. */
    async validate(q: Queryable, program: Program, b: CouponCheck) {
      let c: CouponRow | undefined;
      try {
        c = await byCode(q, program, b.code);
        check(c, await memberId(q, program, b.member), b.order_amount, clock.now());
        return { valid: true, code: b.code, reason: null, detail: null, discount_amount: discountFor(c.benefit, b.order_amount), coupon: couponView(c) };
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        return { valid: false, code: b.code, reason: e.code, detail: e.message, discount_amount: null, coupon: c ? couponView(c) : null };
      }
    },

    /** Uses the coupon on an order: once per order, never past its uses. */
    async redeem(q: Queryable, program: Program, b: CouponRedeem) {
      const now = clock.now();
      const who = await memberId(q, program, b.member);
      const c = await byCode(q, program, b.code, true);
      check(c, who, b.order_amount, now);
      const discount = discountFor(c.benefit, b.order_amount) ?? 0;
      const claimed = await repo.claimUse(q, program.id, { couponId: c.id, orderId: b.order_id, memberId: who, orderAmount: b.order_amount, discount, now });
      if (!claimed) throw conflict('coupon.already_redeemed', `Coupon ${c.code} was already redeemed on order ${b.order_id}`, { field: 'order_id' });
      const after = await repo.takeUse(q, program.id, c.id, now);
      if (!after) throw conflict('coupon.already_redeemed', `Coupon ${c.code} was already redeemed`, { field: 'code' });
      return { code: c.code, order_id: b.order_id, order_amount: b.order_amount, discount_amount: discount, status: 'redeemed' as const, coupon: couponView(after) };
    },

    /** The order was cancelled: its use of the coupon goes back. */
    async release(q: Queryable, program: Program, b: { code: string; order_id: string }) {
      const now = clock.now();
      const c = await byCode(q, program, b.code, true);
      const use = await repo.releaseUse(q, program.id, c.id, b.order_id, now);
      if (!use) throw conflict('coupon.not_redeemed', `Coupon ${c.code} is not redeemed on order ${b.order_id}`, { field: 'order_id' });
      const after = (await repo.giveUseBack(q, program.id, c.id, now)) ?? c;
      return { code: c.code, order_id: b.order_id, order_amount: use.order_amount, discount_amount: use.discount, status: 'released' as const, coupon: couponView(after) };
    },

    couponById: (q: Queryable, program: Program, id: string) => repo.couponById(q, program.id, id),
  };
}

export type Coupons = ReturnType<typeof createCoupons>;
