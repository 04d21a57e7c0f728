import type { Db } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Program } from '../programs/index.js';
import type { MembersService } from '../members/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { TierLookup } from '../rewards/index.js';
import type { Offer, Offers } from './recommendations.contract.js';
import { offersRepo as repo } from './offers.repo.js';

/**
 * Weight of the program-wide take-up in a segment's estimate, in members: a segment of a handful of members
 * says little, so its rate is pulled towards the program's (a beta prior worth this many members).
 */
export const PRIOR_MEMBERS = 5;

/**
 * The next-best offer: the rewards a member can act on, those they can afford now first (by predicted
 * take-up), then those they are closest to affording. Take-up is the share of the members in the member's
 * RFM segment who took the reward from the catalog, smoothed towards the share among all members (so a small
 * segment leans on the program); without a segment (scores not fitted yet) the program-wide share ranks them.
 * `reason` is `segment` when members of the segment took it, else `popular`.
 */
export function createOffersService(deps: { db: Db; clock: Clock; members: MembersService; ledger: LedgerService; tierLookup?: TierLookup }) {
  const { db, clock, members, ledger } = deps;
  return {
    async forMember(program: Program, memberId: string, limit: number): Promise<Offers> {
      await members.get(program.id, memberId);
      const now = clock.now();
      const tier = deps.tierLookup ? await deps.tierLookup(db, program, memberId) : null;
      const rewards = (await repo.candidates(db, program.id, memberId, now)).filter(
        (r) => r.tier_level_ids.length === 0 || (tier !== null && r.tier_level_ids.includes(tier.level_id)),
      );
      const segment = await repo.segmentOf(db, program.id, memberId);
      const pop = await repo.population(db, program.id, segment);
      const takeUp = new Map((await repo.takeUp(db, program.id, memberId, segment)).map((t) => [t.reward_id, t]));
      const balances: Record<string, number> = {};
      for (const c of new Set(rewards.map((r) => r.points_currency))) balances[c] = (await ledger.balance(program, memberId, c)).available;
      // Others only: the member is not among those whose take-up predicts theirs.
      const others = Math.max(pop.members - 1, 0);
      const inSegment = Math.max(pop.in_segment - 1, 0);
      const offers: Offer[] = rewards.map((r) => {
        const t = takeUp.get(r.id);
        const overall = others > 0 ? (t?.redeemers ?? 0) / others : 0;
        const bySegment = segment !== null && (t?.in_segment ?? 0) > 0;
        const score = segment !== null ? ((t?.in_segment ?? 0) + PRIOR_MEMBERS * overall) / (inSegment + PRIOR_MEMBERS) : overall;
        const needed = Math.max(0, r.points_cost - (balances[r.points_currency] ?? 0));
        return {
          reward_id: r.id,
          name: r.name,
          kind: r.kind,
          points_cost: r.points_cost,
          points_currency: r.points_currency,
          points_needed: needed,
          affordable: needed === 0,
          score: Math.round(score * 1e6) / 1e6,
          reason: bySegment ? 'segment' : 'popular',
          segment,
        };
      });
      offers.sort(
        (a, b) =>
          Number(b.affordable) - Number(a.affordable) ||
          (a.affordable ? 0 : a.points_needed - b.points_needed) ||
          b.score - a.score ||
          a.points_cost - b.points_cost ||
          (a.reward_id < b.reward_id ? -1 : 1),
      );
      return { member_id: memberId, balances, data: offers.slice(0, limit) };
    },
  };
}

export type OffersService = ReturnType<typeof createOffersService>;
