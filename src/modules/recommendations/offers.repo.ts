import type { Queryable } from '../../platform/db.js';

export interface OfferCandidateRow {
  id: string;
  name: string;
  kind: string;
  points_cost: number;
  points_currency: string;
  tier_level_ids: string[];
}

export interface TakeUpRow {
  reward_id: string;
  /** Other members who took the reward from the catalog (reserved or confirmed). */
  redeemers: number;
  /** Of those, the members in the member's RFM segment. */
  in_segment: number;
}

/** Reads of the rewards catalog, redemptions and member scores for the next-best offer; SQL only. */
export const offersRepo = {
  /**
   * The rewards a member could take now but for the points: active, in their validity, in stock, and under
   * the member's per-member limit. Tier eligibility is the service's (the tiers module knows the member's level).
   */
  async candidates(q: Queryable, programId: string, memberId: string, now: Date): Promise<OfferCandidateRow[]> {
    return q.query<OfferCandidateRow>(
      `select r.id, r.name, r.kind, r.points_cost, r.points_currency, r.tier_level_ids
         from rewards r
         left join reward_member_counts c on c.program_id = r.program_id and c.reward_id = r.id and c.member_id = $2
        where r.program_id = $1 and r.status = 'active'
          and (r.valid_from is null or r.valid_from <= $3) and (r.valid_to is null or r.valid_to > $3)
          and (r.stock is null or r.stock > 0)
          and (r.per_member_limit is null or coalesce(c.count, 0) < r.per_member_limit)
        order by r.id`,
      [programId, memberId, now],
    );
  },

  async segmentOf(q: Queryable, programId: string, memberId: string): Promise<string | null> {
    const [r] = await q.query<{ rfm_segment: string | null }>(`select rfm_segment from member_scores where program_id = $1 and member_id = $2`, [
      programId,
      memberId,
    ]);
    return r?.rfm_segment ?? null;
  },

  /** How many members the program has, and how many are in `segment` (null: none asked). */
  async population(q: Queryable, programId: string, segment: string | null) {
    const [r] = await q.query<{ members: number; in_segment: number }>(
      `select (select count(*) from members where program_id = $1 and status = 'active')::int as members,
              (select count(*) from member_scores where program_id = $1 and rfm_segment = $2)::int as in_segment`,
      [programId, segment],
    );
    return r ?? { members: 0, in_segment: 0 };
  },

  /** Per reward, the other members who took it from the catalog, overall and in `segment`. */
  async takeUp(q: Queryable, programId: string, memberId: string, segment: string | null): Promise<TakeUpRow[]> {
    return q.query<TakeUpRow>(
      `select rr.reward_id, count(distinct rr.member_id)::int as redeemers,
              count(distinct rr.member_id) filter (where s.rfm_segment = $3)::int as in_segment
         from reward_redemptions rr
         left join member_scores s on s.program_id = rr.program_id and s.member_id = rr.member_id
        where rr.program_id = $1 and rr.member_id <> $2
          and rr.mode in ('reserve', 'redeem') and rr.status in ('reserved', 'confirmed')
        group by rr.reward_id`,
      [programId, memberId, segment],
    );
  },
};
