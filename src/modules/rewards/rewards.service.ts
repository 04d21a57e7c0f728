import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import { AppError, conflict, notFound, unprocessable } from '../../platform/errors.js';
import type { Program, ProgramsService } from '../programs/index.js';
import type { MembersService } from '../members/index.js';
import type { LedgerService, Tx } from '../ledger/index.js';
import type { EventOutcome } from '../events/index.js';
import { COUPON_KINDS, type RedemptionCreate, type RewardKind } from './rewards.contract.js';
import { createCatalog } from './rewards.catalog.js';
import { createCoupons } from './rewards.coupons.js';
import { createStampCards } from './rewards.stamps.js';
import { createActivity } from './rewards.activity.js';
import { rewardsRepo as repo, type RedemptionRow, type RewardRow } from './rewards.repo.js';
import { redemptionView } from './rewards.views.js';

/** The member's current tier, from the tiers module when it is wired in; null: no tier. */
export type TierLookup = (q: Queryable, program: Program, memberId: string) => Promise<{ level_id: string } | null>;

export interface IssueRewardInput {
  memberId: string;
  rewardId: string;
  eventId?: string | null;
  ruleId?: string | null;
  ruleVersion?: number | null;
}

/**
 * Rewards: the catalog, redemptions (reserve → confirm or cancel, or one step), coupons, stamp cards.
 * Every write takes the request's transaction. Locks are taken in one order everywhere — the redemption row,
 * the member's ledger account, the reward row (stock), the member's count row, a pooled code — so parallel
 * redemptions queue rather than deadlock, and stock and points never go below zero.
 */
export function createRewardsService(deps: {
  db: Db;
  clock: Clock;
  ids: Ids;
  programs: ProgramsService;
  members: MembersService;
  ledger: LedgerService;
  tierLookup?: TierLookup;
}) {
  const { db, clock, ids, programs, members, ledger } = deps;
  const catalog = createCatalog({ db, clock, ids });
  const coupons = createCoupons({ clock, ids, members });

  async function activeMember(q: Queryable, program: Program, memberId: string) {
    const m = await members.resolve(q, program.id, { id: memberId }, { autoEnrol: false, at: clock.now() }).catch((e: unknown) => {
      if (e instanceof AppError && e.kind === 'not_found') throw notFound('member.not_found', `No member ${memberId}`, 'member_id');
      throw e;
    });
    if (m.status !== 'active') throw unprocessable(`member.${m.status}`, `Member ${memberId} is ${m.status}`, { field: 'member_id' });
  }

  /** Whether a member may take this reward from the catalog now. */
  async function checkEligible(q: Queryable, program: Program, r: RewardRow, memberId: string, now: Date) {
    if (r.status !== 'active') throw unprocessable('reward.not_active', `Reward ${r.id} is ${r.status}`, { field: 'reward_id' });
    if (r.valid_from && r.valid_from > now) {
      throw unprocessable('reward.not_yet_available', `Reward ${r.id} is available from ${r.valid_from.toISOString()}`, { field: 'reward_id' });
    }
    if (r.valid_to && r.valid_to <= now) {
      throw unprocessable('reward.no_longer_available', `Reward ${r.id} ended at ${r.valid_to.toISOString()}`, { field: 'reward_id' });
    }
    if (r.tier_level_ids.length) {
      const tier = deps.tierLookup ? await deps.tierLookup(q, program, memberId) : null;
      if (!tier || !r.tier_level_ids.includes(tier.level_id)) {
        throw unprocessable('reward.tier_not_eligible', `Reward ${r.id} is for members in tiers ${r.tier_level_ids.join(', ')}`, {
          field: 'reward_id',
          tier_level_ids: r.tier_level_ids,
          member_tier: tier?.level_id ?? null,
        });
      }
    }
  }

  /** One unit of stock and one more towards the member's limit, or a refusal (the whole transaction rolls back). */
  async function reserveUnit(q: Queryable, program: Program, r: RewardRow, memberId: string) {
    if (r.stock !== null && !(await repo.takeStock(q, program.id, r.id))) {
      throw conflict('reward.out_of_stock', `Reward ${r.id} is out of stock`, { field: 'reward_id' });
    }
    if (!(await repo.countForMember(q, program.id, r.id, memberId, r.per_member_limit))) {
      throw unprocessable('reward.member_limit_reached', `A member may hold reward ${r.id} at most ${r.per_member_limit} times`, {
        field: 'reward_id',
        per_member_limit: r.per_member_limit,
      });
    }
  }

  async function unreserveUnit(q: Queryable, programId: string, red: Pick<RedemptionRow, 'reward_id' | 'member_id' | 'stock_reserved'>) {
    if (red.stock_reserved) await repo.returnStock(q, programId, red.reward_id);
    await repo.uncountForMember(q, programId, red.reward_id, red.member_id);
  }

  /** Gives the member what the reward is: a coupon, or a fulfilment record. */
  async function fulfil(q: Queryable, program: Program, r: RewardRow, redemptionId: string, memberId: string, now: Date) {
    if (COUPON_KINDS.includes(r.kind as RewardKind)) {
      const c = await coupons.issueFor(q, program, r, redemptionId, memberId, now);
      return { coupon: c, fulfilment: null };
    }
    const fulfilment =
      r.kind === 'charity_donation'
        ? { status: 'donated', cause: r.details.cause ?? null, points: r.points_cost }
        : { status: 'pending', kind: r.kind, ...(r.details.sku ? { sku: r.details.sku } : {}) };
    return { coupon: undefined, fulfilment };
  }

  async function view(q: Queryable, program: Program, red: RedemptionRow) {
    return redemptionView(red, red.coupon_id ? await coupons.couponById(q, program, red.coupon_id) : undefined);
  }

  async function loadRedemption(q: Queryable, program: Program, id: string, lock = false) {
    const red = await repo.getRedemption(q, program.id, id, lock);
    if (!red) throw notFound('redemption.not_found', `No reward redemption ${id}`, 'redemption_id');
    return red;
  }

  /** A reward with no points cost (rules, stamp cards): stock and the member's limit still apply. */
  async function grant(tx: Tx, a: IssueRewardInput & { mode: 'issued' | 'stamp_card'; paid?: { points: number; currency: string; txnId: string } }) {
    const { q, program, now } = tx;
    const r = await catalog.load(q, program, a.rewardId);
    if (r.status !== 'active') throw unprocessable('reward.not_active', `Reward ${r.id} is ${r.status}`, { field: 'reward_id' });
    await reserveUnit(q, program, r, a.memberId);
    const id = ids.next('rdm');
    const out = await fulfil(q, program, r, id, a.memberId, now);
    const red = await repo.insertRedemption(q, program.id, {
      id,
      reward_id: r.id,
      member_id: a.memberId,
      mode: a.mode,
      status: 'confirmed',
      points: a.paid?.points ?? 0,
      currency: a.paid?.currency ?? r.points_currency,
      hold_id: null,
      txn_id: a.paid?.txnId ?? null,
      stock_reserved: r.stock !== null,
      coupon_id: out.coupon?.id ?? null,
      fulfilment: out.fulfilment,
      event_id: a.eventId ?? null,
      rule_id: a.ruleId ?? null,
      rule_version: a.ruleVersion ?? null,
      expires_at: null,
      created_at: now,
      confirmed_at: now,
    });
    return { redemption: red, coupon: out.coupon };
  }

  /**
   * Runs `fn` under a savepoint: a refusal rolls back only its own writes and is returned, so an event that
   * cannot give a reward still applies the rest.
   */
  async function softly<T>(q: Queryable, fn: () => Promise<T>): Promise<T | AppError> {
    await q.query('savepoint rewards_grant');
    try {
      const out = await fn();
      await q.query('release savepoint rewards_grant');
      return out;
    } catch (e) {
      await q.query('rollback to savepoint rewards_grant');
      if (e instanceof AppError) return e;
      throw e;
    }
  }

  const stampCards = createStampCards({ db, clock, config: programs.config, ledger, grant, softly, loadReward: catalog.load });

  const activity = createActivity({ stampCard: stampCards.get });

  return {
    catalog,
    coupons,
    stampCards,
    activity,
    /** The events hook: completes stamp cards after each applied event. */
    onEvent: stampCards.onEvent,

    async create(q: Queryable, program: Program, memberId: string, b: RedemptionCreate) {
      const now = clock.now();
      await activeMember(q, program, memberId);
      const r = await catalog.load(q, program, b.reward_id);
      await checkEligible(q, program, r, memberId, now);
      const id = ids.next('rdm');
      const reference = `reward:${r.id}:${id}`;
      const base = {
        id,
        reward_id: r.id,
        member_id: memberId,
        mode: b.mode,
        points: r.points_cost,
        currency: r.points_currency,
        stock_reserved: r.stock !== null,
        event_id: null,
        rule_id: null,
        rule_version: null,
        created_at: now,
      };
      if (b.mode === 'reserve') {
        const hold =
          r.points_cost > 0
            ? await ledger.createHold(q, program, memberId, { points: r.points_cost, currency: r.points_currency, ttl_seconds: b.ttl_seconds, reference })
            : null;
        await reserveUnit(q, program, r, memberId);
        const ttl = b.ttl_seconds ?? program.settings.hold_ttl_seconds;
        const red = await repo.insertRedemption(q, program.id, {
          ...base,
          status: 'reserved',
          hold_id: hold?.id ?? null,
          txn_id: null,
          coupon_id: null,
          fulfilment: null,
          expires_at: hold ? new Date(hold.expires_at) : new Date(now.getTime() + ttl * 1000),
          confirmed_at: null,
        });
        return view(q, program, red);
      }
      const txn = r.points_cost > 0 ? await ledger.redeem(q, program, memberId, { points: r.points_cost, currency: r.points_currency, reference }) : null;
      await reserveUnit(q, program, r, memberId);
      const out = await fulfil(q, program, r, id, memberId, now);
      const red = await repo.insertRedemption(q, program.id, {
        ...base,
        status: 'confirmed',
        hold_id: null,
        txn_id: txn?.id ?? null,
        coupon_id: out.coupon?.id ?? null,
        fulfilment: out.fulfilment,
        expires_at: null,
        confirmed_at: now,
      });
      return view(q, program, red);
    },

    async confirm(q: Queryable, program: Program, id: string) {
      const now = clock.now();
      const red = await loadRedemption(q, program, id, true);
      if (red.status !== 'reserved') throw conflict(`redemption.${red.status}`, `Redemption ${id} is already ${red.status}`, { field: 'redemption_id' });
      if (red.expires_at && red.expires_at <= now) {
        throw conflict('redemption.expired', `Reservation ${id} expired at ${red.expires_at.toISOString()}`, { field: 'redemption_id' });
      }
      const txn = red.hold_id ? (await ledger.confirmHold(q, program, red.hold_id)).transaction : null;
      const r = await catalog.load(q, program, red.reward_id);
      const out = await fulfil(q, program, r, id, red.member_id, now);
      const done = await repo.finishRedemption(q, program.id, id, {
        status: 'confirmed',
        txn_id: txn?.id ?? null,
        coupon_id: out.coupon?.id ?? null,
        fulfilment: out.fulfilment,
        now,
      });
      return view(q, program, done);
    },

    async cancel(q: Queryable, program: Program, id: string) {
      const now = clock.now();
      const red = await loadRedemption(q, program, id, true);
      if (red.status !== 'reserved') throw conflict(`redemption.${red.status}`, `Redemption ${id} is already ${red.status}`, { field: 'redemption_id' });
      if (red.hold_id) {
        await ledger.cancelHold(q, program, red.hold_id).catch((e: unknown) => {
          // The ledger's sweep already expired the hold: its points are free again either way.
          if (!(e instanceof AppError && e.code === 'hold.expired')) throw e;
        });
      }
      await unreserveUnit(q, program.id, red);
      return view(q, program, await repo.finishRedemption(q, program.id, id, { status: 'cancelled', now }));
    },

    /**
     * Which of `ids` name no reward of the program, for configuration that refers to rewards (rule effects, tier
     * benefits): those refuse an unknown reward when written rather than fail when they run.
     */
    async unknownRewards(q: Queryable, programId: string, ids: readonly string[]): Promise<Set<string>> {
      const known = await repo.existingIds(q, programId, [...new Set(ids)]);
      return new Set(ids.filter((id) => !known.has(id)));
    },

    async get(program: Program, id: string, q: Queryable = db) {
      return view(q, program, await loadRedemption(q, program, id));
    },

    /**
     * Grants a reward at no points cost, for the rules module's "issue a reward" effect, inside the event's
     * transaction. A reward that cannot be given (out of stock, limit, inactive) does not refuse the event:
     * the outcome says why.
     */
    async issueReward(tx: Tx, a: IssueRewardInput): Promise<EventOutcome> {
      const out = await softly(tx.q, () => grant(tx, { ...a, mode: 'issued' }));
      if (out instanceof AppError) return { kind: 'reward_not_issued', reward_id: a.rewardId, reason: out.code, detail: out.message };
      return {
        kind: 'reward_issued',
        reward_id: a.rewardId,
        redemption_id: out.redemption.id,
        ...(out.coupon ? { coupon_code: out.coupon.code } : {}),
        ...(a.ruleId ? { rule_id: a.ruleId, rule_version: a.ruleVersion ?? null } : {}),
      };
    },

    /** Reservations past their end give their stock and the member's count back (their holds lapse in the ledger). */
    async runMaintenance(opts: { programId?: string; now?: Date } = {}) {
      const now = opts.now ?? clock.now();
      const list = opts.programId ? [opts.programId] : await programs.allProgramIds();
      let expired = 0;
      for (const programId of list) {
        expired += await db.tx(async (q) => {
          const rows = await repo.expireReservations(q, programId, now);
          for (const red of rows) await unreserveUnit(q, programId, red);
          return rows.length;
        });
      }
      return { expired_reservations: expired };
    },
  };
}

export type RewardsService = ReturnType<typeof createRewardsService>;
