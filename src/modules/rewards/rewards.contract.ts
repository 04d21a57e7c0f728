import { z } from 'zod';
import { Instant } from '../../platform/instant.js';
import { PointCurrency } from '../programs/index.js';
import { MemberRef } from '../members/index.js';

const Money = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('In minor units (pence, cents)');
const When = Instant;
const Id = z.string().min(1).max(100);

export const RewardKind = z.enum(['discount_coupon', 'free_product', 'gift', 'experience', 'partner_voucher', 'charity_donation']);
export type RewardKind = z.infer<typeof RewardKind>;
/** Kinds whose confirmation issues a coupon code; the others make a fulfilment record. */
export const COUPON_KINDS: readonly RewardKind[] = ['discount_coupon', 'free_product', 'partner_voucher'];

export const Discount = z.discriminatedUnion('type', [
  z.object({ type: z.literal('percent'), basis_points: z.number().int().min(1).max(10_000).describe('1000 = 10 %') }).strict(),
  z.object({ type: z.literal('amount'), amount: Money.min(1).describe('Off the order, in minor units') }).strict(),
]);
export type Discount = z.infer<typeof Discount>;

export const CouponCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{3,64}$/, '3–64 letters, digits, _ or -')
  .transform((s) => s.toUpperCase())
  .describe('Codes are matched case-insensitively (stored upper-case)');

export const CouponSettings = z
  .object({
    valid_days: z.number().int().min(1).max(3650).nullable().optional().describe('Days an issued coupon stays valid; null: no end'),
    max_uses: z.number().int().min(1).max(1_000_000).optional().describe('Uses per coupon; default 1'),
    min_order_amount: Money.nullable().optional(),
  })
  .strict();

const RewardFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).nullable().optional(),
  discount: Discount.nullable().optional().describe('For discount_coupon'),
  sku: z.string().min(1).max(100).nullable().optional().describe('For free_product'),
  partner: z.string().min(1).max(200).nullable().optional().describe('For partner_voucher'),
  cause: z.string().min(1).max(200).nullable().optional().describe('For charity_donation: who receives the points'),
  points_cost: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('Points a member spends; 0 for rewards only rules give'),
  points_currency: PointCurrency.optional().describe('Default: the program’s main point currency'),
  stock: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional().describe('Units left; null: unlimited'),
  per_member_limit: z.number().int().min(1).max(1_000_000).nullable().optional(),
  tier_level_ids: z.array(z.string().min(1).max(100)).max(50).optional().describe('Only members in these tiers; empty: everyone'),
  valid_from: When.nullable().optional(),
  valid_to: When.nullable().optional(),
  images: z.array(z.url({ protocol: /^https?$/ }).max(2000)).max(20).optional(),
  coupon: CouponSettings.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  status: z.enum(['active', 'inactive', 'archived']).optional(),
};

export const RewardCreate = z.object({ ...RewardFields, kind: RewardKind }).strict();
export type RewardCreate = z.infer<typeof RewardCreate>;
export const RewardUpdate = z
  .object({ ...RewardFields, name: RewardFields.name.optional(), points_cost: RewardFields.points_cost.optional() })
  .strict();
export type RewardUpdate = z.infer<typeof RewardUpdate>;

export const Reward = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  kind: RewardKind,
  discount: Discount.nullable(),
  sku: z.string().nullable(),
  partner: z.string().nullable(),
  cause: z.string().nullable(),
  points_cost: z.number().int(),
  points_currency: z.string(),
  stock: z.number().int().nullable(),
  per_member_limit: z.number().int().nullable(),
  tier_level_ids: z.array(z.string()),
  valid_from: z.string().nullable(),
  valid_to: z.string().nullable(),
  images: z.array(z.string()),
  coupon: z.object({ valid_days: z.number().int().nullable(), max_uses: z.number().int(), min_order_amount: z.number().int().nullable() }),
  metadata: z.record(z.string(), z.unknown()),
  status: z.string(),
  codes_available: z.number().int().nullable().describe('Unused codes in the uploaded pool; null: codes are generated'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type RewardView = z.infer<typeof Reward>;

export const RewardParams = z.object({ reward_id: Id }).strict();
export const RewardListQuery = z
  .object({
    status: z.enum(['active', 'inactive', 'archived']).optional().describe('Only rewards in this status'),
    kind: RewardKind.optional().describe('Only rewards of this kind'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export const RewardList = z.object({ data: z.array(Reward), next_cursor: z.string().nullable() });

export const CodesUpload = z.object({ codes: z.array(CouponCode).min(1).max(10_000) }).strict();
export const CodesUploaded = z.object({ reward_id: z.string(), added: z.number().int(), skipped: z.array(z.string()), available: z.number().int() });

export const Coupon = z.object({
  id: z.string(),
  code: z.string(),
  reward_id: z.string().nullable(),
  redemption_id: z.string().nullable(),
  member_id: z.string().nullable(),
  benefit: z.record(z.string(), z.unknown()),
  max_uses: z.number().int(),
  uses: z.number().int(),
  uses_left: z.number().int(),
  min_order_amount: z.number().int().nullable(),
  valid_from: z.string().nullable(),
  expires_at: z.string().nullable(),
  status: z.string(),
  created_at: z.string(),
});
export type CouponView = z.infer<typeof Coupon>;

export const Redemption = z.object({
  id: z.string(),
  reward_id: z.string(),
  member_id: z.string(),
  mode: z.string(),
  status: z.enum(['reserved', 'confirmed', 'cancelled', 'expired']),
  points: z.number().int(),
  currency: z.string(),
  hold_id: z.string().nullable(),
  transaction_id: z.string().nullable(),
  expires_at: z.string().nullable(),
  coupon: Coupon.nullable(),
  fulfilment: z.record(z.string(), z.unknown()).nullable(),
  event_id: z.string().nullable(),
  rule_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  confirmed_at: z.string().nullable(),
});
export type RedemptionView = z.infer<typeof Redemption>;

export const MemberParams = z.object({ member_id: Id }).strict();
export const RedemptionParams = z.object({ redemption_id: Id }).strict();
export const RedemptionCreate = z
  .object({
    reward_id: Id,
    mode: z.enum(['reserve', 'redeem']).default('redeem').describe('reserve: hold points and stock until confirmed; redeem: both at once'),
    ttl_seconds: z.number().int().min(1).max(30 * 86400).optional().describe('A reservation’s lifetime; default: the program’s hold_ttl_seconds'),
  })
  .strict();
export type RedemptionCreate = z.infer<typeof RedemptionCreate>;

export const CouponCreate = z
  .object({
    code: CouponCode.optional().describe('Default: a generated code'),
    benefit: z.discriminatedUnion('type', [
      ...Discount.options,
      z.object({ type: z.literal('free_product'), sku: z.string().min(1).max(100) }).strict(),
    ]),
    max_uses: z.number().int().min(1).max(1_000_000).default(1),
    min_order_amount: Money.nullable().optional(),
    valid_from: When.nullable().optional(),
    expires_at: When.nullable().optional(),
    member_id: Id.nullable().optional().describe('Only this member may use it'),
  })
  .strict();
export type CouponCreate = z.infer<typeof CouponCreate>;

export const CouponCheck = z
  .object({
    code: CouponCode,
    member: MemberRef.optional().describe('Who is checking out; a coupon issued to a member is refused for anyone else'),
    order_amount: Money.optional(),
  })
  .strict();
export type CouponCheck = z.infer<typeof CouponCheck>;

export const CouponRedeem = z
  .object({ code: CouponCode, member: MemberRef.optional(), order_id: z.string().min(1).max(200), order_amount: Money })
  .strict();
export type CouponRedeem = z.infer<typeof CouponRedeem>;

export const CouponRelease = z.object({ code: CouponCode, order_id: z.string().min(1).max(200) }).strict();

export const CouponValidation = z.object({
  valid: z.boolean(),
  code: z.string(),
  reason: z.string().nullable().describe('Why not: a stable code such as coupon.expired'),
  detail: z.string().nullable(),
  discount_amount: z.number().int().nullable().describe('What it takes off order_amount, in minor units'),
  coupon: Coupon.nullable(),
});

export const CouponUse = z.object({
  code: z.string(),
  order_id: z.string(),
  order_amount: z.number().int(),
  discount_amount: z.number().int(),
  status: z.enum(['redeemed', 'released']),
  coupon: Coupon,
});

export const StampCardParams = z.object({ currency: PointCurrency }).strict();
export const StampCardPut = z
  .object({
    goal: z.number().int().min(1).max(1_000_000).describe('Stamps that complete the card'),
    reward_id: Id,
    status: z.enum(['active', 'inactive']).default('active'),
  })
  .strict();
export const StampCard = z.object({
  currency: z.string(),
  goal: z.number().int(),
  reward_id: z.string(),
  status: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type StampCardView = z.infer<typeof StampCard>;

export const RedemptionListQuery = z
  .object({
    reward_id: Id.optional().describe('Only redemptions of this reward'),
    member_id: Id.optional().describe('Only redemptions of this member'),
    status: z.enum(['reserved', 'confirmed', 'cancelled', 'expired']).optional().describe('Only redemptions in this status'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type RedemptionListQuery = z.infer<typeof RedemptionListQuery>;
export const RedemptionListItem = Redemption.extend({
  reward_name: z.string().nullable(),
  member_name: z.string().nullable().describe('The member’s first and last name, if known'),
});
export const RedemptionList = z.object({ data: z.array(RedemptionListItem), next_cursor: z.string().nullable() });

export const StampCardProgress = z.object({
  currency: z.string(),
  goal: z.number().int(),
  holders: z.number().int().describe('Members holding at least one stamp'),
  buckets: z
    .array(z.object({ from: z.number().int(), to: z.number().int(), members: z.number().int() }))
    .describe('Members by stamps held, in ranges [from, to] (one stamp per range for goals up to 20)'),
  completed: z.object({ cards: z.number().int().describe('Cards completed (rewards issued)'), members: z.number().int() }),
});
