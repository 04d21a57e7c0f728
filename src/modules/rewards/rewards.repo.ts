import { pgArray, type Queryable } from '../../platform/db.js';

export interface RewardRow {
  id: string;
  name: string;
  description: string | null;
  kind: string;
  details: { discount?: Record<string, unknown> | null; sku?: string | null; partner?: string | null; cause?: string | null };
  points_cost: number;
  points_currency: string;
  stock: number | null;
  per_member_limit: number | null;
  tier_level_ids: string[];
  valid_from: Date | null;
  valid_to: Date | null;
  images: string[];
  coupon: { valid_days?: number | null; max_uses?: number; min_order_amount?: number | null };
  metadata: Record<string, unknown>;
  status: string;
  codes_total: number;
  codes_available: number;
  created_at: Date;
  updated_at: Date;
}
export type RewardWrite = Omit<RewardRow, 'codes_total' | 'codes_available' | 'created_at' | 'updated_at'>;

export interface RedemptionRow {
  id: string;
  reward_id: string;
  member_id: string;
  mode: string;
  status: 'reserved' | 'confirmed' | 'cancelled' | 'expired';
  points: number;
  currency: string;
  hold_id: string | null;
  txn_id: string | null;
  stock_reserved: boolean;
  coupon_id: string | null;
  fulfilment: Record<string, unknown> | null;
  event_id: string | null;
  rule_id: string | null;
  rule_version: number | null;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  confirmed_at: Date | null;
}

export interface CouponRow {
  id: string;
  code: string;
  reward_id: string | null;
  redemption_id: string | null;
  member_id: string | null;
  benefit: Record<string, unknown>;
  max_uses: number;
  uses: number;
  min_order_amount: number | null;
  valid_from: Date | null;
  expires_at: Date | null;
  status: string;
  created_at: Date;
  updated_at: Date;
}

export interface StampCardRow {
  currency: string;
  goal: number;
  reward_id: string;
  status: string;
  created_at: Date;
  updated_at: Date;
}

const REWARD_COLS = `r.*,
  (select count(*) from reward_codes c where c.program_id = r.program_id and c.reward_id = r.id)::int as codes_total,
  (select count(*) from reward_codes c where c.program_id = r.program_id and c.reward_id = r.id and c.status = 'available')::int as codes_available`;

/** SQL only: the service decides. */
export const rewardsRepo = {
  async insertReward(q: Queryable, programId: string, r: RewardWrite, now: Date) {
    await q.query(
      `insert into rewards (program_id, id, name, description, kind, details, points_cost, points_currency, stock, per_member_limit,
         tier_level_ids, valid_from, valid_to, images, coupon, metadata, status, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text[], $12, $13, $14::text[], $15, $16, $17, $18, $18)`,
      [programId, r.id, r.name, r.description, r.kind, r.details, r.points_cost, r.points_currency, r.stock, r.per_member_limit,
        pgArray(r.tier_level_ids), r.valid_from, r.valid_to, pgArray(r.images), r.coupon, r.metadata, r.status, now],
    );
  },

  async updateReward(q: Queryable, programId: string, r: RewardWrite, now: Date) {
    await q.query(
      `update rewards set name = $3, description = $4, details = $5, points_cost = $6, points_currency = $7, stock = $8,
         per_member_limit = $9, tier_level_ids = $10::text[], valid_from = $11, valid_to = $12, images = $13::text[], coupon = $14,
         metadata = $15, status = $16, updated_at = $17
       where program_id = $1 and id = $2`,
      [programId, r.id, r.name, r.description, r.details, r.points_cost, r.points_currency, r.stock, r.per_member_limit,
        pgArray(r.tier_level_ids), r.valid_from, r.valid_to, pgArray(r.images), r.coupon, r.metadata, r.status, now],
    );
  },

  async getReward(q: Queryable, programId: string, id: string, lock = false) {
    const rows = await q.query<RewardRow>(
      `select ${REWARD_COLS} from rewards r where r.program_id = $1 and r.id = $2${lock ? ' for update of r' : ''}`,
      [programId, id],
    );
    return rows[0];
  },

  /** Which of `ids` are rewards of the program. */
  async existingIds(q: Queryable, programId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await q.query<{ id: string }>(`select id from rewards where program_id = $1 and id = any($2::text[])`, [programId, pgArray(ids)]);
    return new Set(rows.map((r) => r.id));
  },

  async listRewards(q: Queryable, programId: string, f: { status?: string; kind?: string; after?: string; limit: number }) {
    return q.query<RewardRow>(
      `select ${REWARD_COLS} from rewards r
       where r.program_id = $1 and ($2::text is null or r.status = $2) and ($3::text is null or r.kind = $3)
         and ($4::text is null or r.id > $4)
       order by r.id limit $5`,
      [programId, f.status ?? null, f.kind ?? null, f.after ?? null, f.limit],
    );
  },

  /** Takes one unit of stock if any is left (unlimited stock always succeeds); false: out of stock. */
  async takeStock(q: Queryable, programId: string, rewardId: string): Promise<boolean> {
    const rows = await q.query(
      `update rewards set stock = stock - 1 where program_id = $1 and id = $2 and stock > 0 returning 1`,
      [programId, rewardId],
    );
    return rows.length > 0;
  },

  async returnStock(q: Queryable, programId: string, rewardId: string, units = 1) {
    await q.query(`update rewards set stock = stock + $3 where program_id = $1 and id = $2 and stock is not null`, [programId, rewardId, units]);
  },

  /** Counts one more of a reward for a member unless that would pass `limit` (null: no limit); false: limit reached. */
  async countForMember(q: Queryable, programId: string, rewardId: string, memberId: string, limit: number | null): Promise<boolean> {
    const rows = await q.query(
      `insert into reward_member_counts as c (program_id, reward_id, member_id, count) values ($1, $2, $3, 1)
       on conflict (program_id, reward_id, member_id) do update set count = c.count + 1
         where $4::int is null or c.count < $4::int
       returning 1`,
      [programId, rewardId, memberId, limit],
    );
    return rows.length > 0;
  },

  async uncountForMember(q: Queryable, programId: string, rewardId: string, memberId: string, n = 1) {
    await q.query(
      `update reward_member_counts set count = greatest(count - $4, 0) where program_id = $1 and reward_id = $2 and member_id = $3`,
      [programId, rewardId, memberId, n],
    );
  },

  async insertCodes(q: Queryable, programId: string, rewardId: string, codes: readonly string[], now: Date): Promise<string[]> {
    const rows = await q.query<{ code: string }>(
      `insert into reward_codes (program_id, reward_id, code, status, created_at)
       select $1, $2, c, 'available', $4 from unnest($3::text[]) as c
       where not exists (select 1 from coupons k where k.program_id = $1 and k.code = c)
         and not exists (select 1 from reward_codes p where p.program_id = $1 and p.code = c)
       on conflict do nothing returning code`,
      [programId, rewardId, pgArray(codes), now],
    );
    return rows.map((r) => r.code);
  },

  /** Takes an unused pooled code; parallel confirmations skip rows another one has locked. */
  async takeCode(q: Queryable, programId: string, rewardId: string, redemptionId: string, now: Date): Promise<string | undefined> {
    const rows = await q.query<{ code: string }>(
      `update reward_codes set status = 'used', redemption_id = $3, used_at = $4
       where program_id = $1 and reward_id = $2 and code = (
         select code from reward_codes where program_id = $1 and reward_id = $2 and status = 'available'
         order by created_at, code limit 1 for update skip locked)
       returning code`,
      [programId, rewardId, redemptionId, now],
    );
    return rows[0]?.code;
  },

  async codeInPool(q: Queryable, programId: string, code: string): Promise<boolean> {
    const rows = await q.query(`select 1 from reward_codes where program_id = $1 and code = $2 limit 1`, [programId, code]);
    return rows.length > 0;
  },

  async insertRedemption(q: Queryable, programId: string, r: Omit<RedemptionRow, 'updated_at'>) {
    const rows = await q.query<RedemptionRow>(
      `insert into reward_redemptions (program_id, id, reward_id, member_id, mode, status, points, currency, hold_id, txn_id,
         stock_reserved, coupon_id, fulfilment, event_id, rule_id, rule_version, expires_at, created_at, updated_at, confirmed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19) returning *`,
      [programId, r.id, r.reward_id, r.member_id, r.mode, r.status, r.points, r.currency, r.hold_id, r.txn_id, r.stock_reserved,
        r.coupon_id, r.fulfilment, r.event_id, r.rule_id, r.rule_version, r.expires_at, r.created_at, r.confirmed_at],
    );
    return rows[0]!;
  },

  async getRedemption(q: Queryable, programId: string, id: string, lock = false) {
    const rows = await q.query<RedemptionRow>(
      `select * from reward_redemptions where program_id = $1 and id = $2${lock ? ' for update' : ''}`,
      [programId, id],
    );
    return rows[0];
  },

  async finishRedemption(
    q: Queryable,
    programId: string,
    id: string,
    f: { status: RedemptionRow['status']; txn_id?: string | null; coupon_id?: string | null; fulfilment?: Record<string, unknown> | null; now: Date },
  ) {
    const rows = await q.query<RedemptionRow>(
      `update reward_redemptions set status = $3, txn_id = coalesce($4, txn_id), coupon_id = coalesce($5, coupon_id),
         fulfilment = coalesce($6, fulfilment), updated_at = $7,
         confirmed_at = case when $3 = 'confirmed' then $7 else confirmed_at end
       where program_id = $1 and id = $2 returning *`,
      [programId, id, f.status, f.txn_id ?? null, f.coupon_id ?? null, f.fulfilment ?? null, f.now],
    );
    return rows[0]!;
  },

  /** Marks every reservation past its end as expired and returns them, so their stock and counts go back. */
  async expireReservations(q: Queryable, programId: string, now: Date) {
    return q.query<{ reward_id: string; member_id: string; stock_reserved: boolean }>(
      `update reward_redemptions set status = 'expired', updated_at = $2
       where program_id = $1 and status = 'reserved' and expires_at <= $2
       returning reward_id, member_id, stock_reserved`,
      [programId, now],
    );
  },

  async insertCoupon(q: Queryable, programId: string, c: Omit<CouponRow, 'uses' | 'updated_at'>): Promise<CouponRow | undefined> {
    const rows = await q.query<CouponRow>(
      `insert into coupons (program_id, id, code, reward_id, redemption_id, member_id, benefit, max_uses, uses, min_order_amount,
         valid_from, expires_at, status, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, $13)
       on conflict (program_id, code) do nothing returning *`,
      [programId, c.id, c.code, c.reward_id, c.redemption_id, c.member_id, c.benefit, c.max_uses, c.min_order_amount, c.valid_from,
        c.expires_at, c.status, c.created_at],
    );
    return rows[0];
  },

  async couponByCode(q: Queryable, programId: string, code: string, lock = false) {
    const rows = await q.query<CouponRow>(`select * from coupons where program_id = $1 and code = $2${lock ? ' for update' : ''}`, [
      programId,
      code,
    ]);
    return rows[0];
  },

  async couponById(q: Queryable, programId: string, id: string) {
    const rows = await q.query<CouponRow>(`select * from coupons where program_id = $1 and id = $2`, [programId, id]);
    return rows[0];
  },

  /** Records a use of a coupon on an order, or takes back a released one; false: already used on this order. */
  async claimUse(q: Queryable, programId: string, u: { couponId: string; orderId: string; memberId: string | null; orderAmount: number; discount: number; now: Date }) {
    const rows = await q.query(
      `insert into coupon_uses as u (program_id, coupon_id, order_id, member_id, order_amount, discount, status, redeemed_at)
       values ($1, $2, $3, $4, $5, $6, 'redeemed', $7)
       on conflict (program_id, coupon_id, order_id) do update
         set status = 'redeemed', member_id = excluded.member_id, order_amount = excluded.order_amount,
             discount = excluded.discount, redeemed_at = excluded.redeemed_at, released_at = null
         where u.status = 'released'
       returning 1`,
      [programId, u.couponId, u.orderId, u.memberId, u.orderAmount, u.discount, u.now],
    );
    return rows.length > 0;
  },

  async releaseUse(q: Queryable, programId: string, couponId: string, orderId: string, now: Date) {
    const rows = await q.query<{ order_amount: number; discount: number }>(
      `update coupon_uses set status = 'released', released_at = $4
       where program_id = $1 and coupon_id = $2 and order_id = $3 and status = 'redeemed' returning order_amount, discount`,
      [programId, couponId, orderId, now],
    );
    return rows[0];
  },

  /** One more use if any is left; the row stays locked to the end of the transaction. */
  async takeUse(q: Queryable, programId: string, couponId: string, now: Date) {
    const rows = await q.query<CouponRow>(
      `update coupons set uses = uses + 1, updated_at = $3 where program_id = $1 and id = $2 and uses < max_uses returning *`,
      [programId, couponId, now],
    );
    return rows[0];
  },

  async giveUseBack(q: Queryable, programId: string, couponId: string, now: Date) {
    const rows = await q.query<CouponRow>(
      `update coupons set uses = uses - 1, updated_at = $3 where program_id = $1 and id = $2 and uses > 0 returning *`,
      [programId, couponId, now],
    );
    return rows[0];
  },

  async putStampCard(q: Queryable, programId: string, c: { currency: string; goal: number; reward_id: string; status: string }, now: Date) {
    const rows = await q.query<StampCardRow>(
      `insert into stamp_cards as s (program_id, currency, goal, reward_id, status, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $6)
       on conflict (program_id, currency) do update set goal = excluded.goal, reward_id = excluded.reward_id,
         status = excluded.status, updated_at = excluded.updated_at
       returning currency, goal, reward_id, status, created_at, updated_at`,
      [programId, c.currency, c.goal, c.reward_id, c.status, now],
    );
    return rows[0]!;
  },

  async stampCards(q: Queryable, programId: string) {
    return q.query<StampCardRow>(
      `select currency, goal, reward_id, status, created_at, updated_at from stamp_cards where program_id = $1 order by currency`,
      [programId],
    );
  },

  /** Redemptions newest first, with the reward's and the member's names, by reward, member and status. */
  async listRedemptions(q: Queryable, programId: string, f: { rewardId?: string; memberId?: string; status?: string; before?: string; limit: number }) {
    return q.query<RedemptionRow & { reward_name: string | null; first_name: string | null; last_name: string | null }>(
      `select d.*, r.name as reward_name, m.first_name, m.last_name
       from reward_redemptions d
       left join rewards r on r.program_id = d.program_id and r.id = d.reward_id
       left join members m on m.program_id = d.program_id and m.id = d.member_id
       where d.program_id = $1 and ($2::text is null or d.reward_id = $2) and ($3::text is null or d.member_id = $3)
         and ($4::text is null or d.status = $4) and ($5::text is null or d.id < $5)
       order by d.id desc limit $6`,
      [programId, f.rewardId ?? null, f.memberId ?? null, f.status ?? null, f.before ?? null, f.limit],
    );
  },

  async couponsByIds(q: Queryable, programId: string, ids: readonly string[]) {
    if (ids.length === 0) return [];
    return q.query<CouponRow>(`select * from coupons where program_id = $1 and id = any($2::text[])`, [programId, pgArray(ids)]);
  },

  /** Members by stamps held in `currency`, in ranges of `width` (the last range takes everything above). */
  async stampHolders(q: Queryable, programId: string, currency: string, width: number, ranges: number) {
    return q.query<{ bucket: number; n: number }>(
      `select least((balance - 1) / $3, $4 - 1)::int as bucket, count(*)::bigint as n
       from accounts where program_id = $1 and currency = $2 and kind = 'available' and owner <> 'system' and balance > 0
       group by 1 order by 1`,
      [programId, currency, width, ranges],
    );
  },

  async stampCompletions(q: Queryable, programId: string, currency: string) {
    const rows = await q.query<{ cards: number; members: number }>(
      `select count(*)::bigint as cards, count(distinct member_id)::bigint as members
       from reward_redemptions where program_id = $1 and mode = 'stamp_card' and currency = $2 and status = 'confirmed'`,
      [programId, currency],
    );
    return { cards: Number(rows[0]?.cards ?? 0), members: Number(rows[0]?.members ?? 0) };
  },
};
