import type { CouponView, RedemptionView, RewardKind, RewardView, StampCardView, Discount } from './rewards.contract.js';
import type { CouponRow, RedemptionRow, RewardRow, StampCardRow } from './rewards.repo.js';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function rewardView(r: RewardRow): RewardView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind as RewardKind,
    discount: (r.details.discount ?? null) as Discount | null,
    sku: r.details.sku ?? null,
    partner: r.details.partner ?? null,
    cause: r.details.cause ?? null,
    points_cost: r.points_cost,
    points_currency: r.points_currency,
    stock: r.stock,
    per_member_limit: r.per_member_limit,
    tier_level_ids: r.tier_level_ids,
    valid_from: iso(r.valid_from),
    valid_to: iso(r.valid_to),
    images: r.images,
    coupon: {
      valid_days: r.coupon.valid_days ?? null,
      max_uses: r.coupon.max_uses ?? 1,
      min_order_amount: r.coupon.min_order_amount ?? null,
    },
    metadata: r.metadata,
    status: r.status,
    codes_available: r.codes_total > 0 ? r.codes_available : null,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
  };
}

export function couponView(c: CouponRow): CouponView {
  return {
    id: c.id,
    code: c.code,
    reward_id: c.reward_id,
    redemption_id: c.redemption_id,
    member_id: c.member_id,
    benefit: c.benefit,
    max_uses: c.max_uses,
    uses: c.uses,
    uses_left: c.max_uses - c.uses,
    min_order_amount: c.min_order_amount,
    valid_from: iso(c.valid_from),
    expires_at: iso(c.expires_at),
    status: c.status,
    created_at: iso(c.created_at)!,
  };
}

export function redemptionView(r: RedemptionRow, coupon: CouponRow | undefined): RedemptionView {
  return {
    id: r.id,
    reward_id: r.reward_id,
    member_id: r.member_id,
    mode: r.mode,
    status: r.status,
    points: r.points,
    currency: r.currency,
    hold_id: r.hold_id,
    transaction_id: r.txn_id,
    expires_at: r.status === 'reserved' || r.status === 'expired' ? iso(r.expires_at) : null,
    coupon: coupon ? couponView(coupon) : null,
    fulfilment: r.fulfilment,
    event_id: r.event_id,
    rule_id: r.rule_id,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
    confirmed_at: iso(r.confirmed_at),
  };
}

export function stampCardView(s: StampCardRow): StampCardView {
  return {
    currency: s.currency,
    goal: s.goal,
    reward_id: s.reward_id,
    status: s.status,
    created_at: iso(s.created_at)!,
    updated_at: iso(s.updated_at)!,
  };
}
