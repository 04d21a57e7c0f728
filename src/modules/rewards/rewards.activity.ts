import type { Queryable } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import type { Program } from '../programs/index.js';
import type { RedemptionListQuery } from './rewards.contract.js';
import { rewardsRepo as repo } from './rewards.repo.js';
import { redemptionView } from './rewards.views.js';

/** Stamp cards with goals up to this many show one range per stamp; longer cards are cut into ten ranges. */
const ONE_PER_STAMP = 20;
const RANGES = 10;

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^rdm_[0-9a-z]+$/.test(id)) throw invalid('redemption.invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return id;
}

/** What happened in the catalog: redemptions across rewards and members, and how far members are on stamp cards. */
export function createActivity(deps: { stampCard: (program: Program, currency: string, q: Queryable) => Promise<{ goal: number }> }) {
  return {
    async redemptions(q: Queryable, program: Program, f: RedemptionListQuery) {
      const rows = await repo.listRedemptions(q, program.id, {
        rewardId: f.reward_id,
        memberId: f.member_id,
        status: f.status,
        before: f.cursor === undefined ? undefined : decodeCursor(f.cursor),
        limit: f.limit + 1,
      });
      const page = rows.slice(0, f.limit);
      const couponIds = page.flatMap((r) => (r.coupon_id ? [r.coupon_id] : []));
      const coupons = new Map((await repo.couponsByIds(q, program.id, couponIds)).map((c) => [c.id, c]));
      const data = page.map((r) => ({
        ...redemptionView(r, r.coupon_id ? coupons.get(r.coupon_id) : undefined),
        reward_name: r.reward_name,
        member_name: [r.first_name, r.last_name].filter(Boolean).join(' ') || null,
      }));
      return { data, next_cursor: rows.length > f.limit ? encodeCursor(page.at(-1)!.id) : null };
    },

    async stampProgress(q: Queryable, program: Program, currency: string) {
      const { goal } = await deps.stampCard(program, currency, q);
      const width = goal <= ONE_PER_STAMP ? 1 : Math.ceil(goal / RANGES);
      const ranges = Math.ceil(goal / width);
      const counts = new Map((await repo.stampHolders(q, program.id, currency, width, ranges)).map((r) => [Number(r.bucket), Number(r.n)]));
      const buckets = Array.from({ length: ranges }, (_, i) => ({
        from: i * width + 1,
        to: i === ranges - 1 ? Math.max(goal, i * width + 1) : (i + 1) * width,
        members: counts.get(i) ?? 0,
      }));
      return {
        currency,
        goal,
        holders: buckets.reduce((n, b) => n + b.members, 0),
        buckets,
        completed: await repo.stampCompletions(q, program.id, currency),
      };
    },
  };
}
