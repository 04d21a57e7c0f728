// zod/mini, as the other forms: the rules of the tiers, rewards, stamp card and referral contracts
// (src/modules/tiers, rewards, referrals), with i18n keys as messages. Numbers are typed as text.
import * as z from 'zod/mini';

const text = (min: number, max: number) => z.string().check(z.trim(), z.minLength(min, 'validation.required'), z.maxLength(max, 'validation.tooLong'));
const optionalText = (max: number) => z.string().check(z.trim(), z.maxLength(max, 'validation.tooLong'));

/** A whole number typed as text, within [min, max]; empty allowed when `optional`. */
const whole = (min: number, max: number, optional = false) =>
  z.string().check(
    z.trim(),
    z.refine((s) => (optional && s === '') || /^\d+$/.test(s), 'validation.wholeNumber'),
    z.refine((s) => s === '' || !/^\d+$/.test(s) || Number(s) >= min, min > 0 ? 'validation.positive' : 'validation.wholeNumber'),
    z.refine((s) => s === '' || !/^\d+$/.test(s) || Number(s) <= max, 'validation.tooLarge'),
  );

/** An amount of money in major units as typed ("12.50"), at most `digits` decimals. */
export const MONEY = /^\d{1,13}(\.\d{1,3})?$/;
const money = (optional = true) => z.string().check(z.trim(), z.refine((s) => (optional && s === '') || MONEY.test(s), 'rewards.check.amount'));

/** "12.5" in a currency with `digits` minor digits → 1250, by string arithmetic (no floating point). */
export function toMinor(s: string, digits: number): number {
  const [int = '0', frac = ''] = s.trim().split('.');
  return Number(int + frac.padEnd(digits, '0').slice(0, digits));
}
/** 1250 → "12.50" in a currency with `digits` minor digits. */
export function fromMinor(n: number, digits: number): string {
  if (digits === 0) return String(n);
  const s = String(n).padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}
export const currencyDigits = (currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** A multiplier as typed ("1.5") → basis points (15000). */
export const MULTIPLIER = /^\d{1,3}(\.\d{1,4})?$/;
export const multiplierToBp = (s: string) => toMinor(s, 4);
export const bpToMultiplier = (bp: number) => fromMinor(bp, 4).replace(/\.?0+$/, '');

export const SchemeForm = z
  .object({
    metric: z.enum(['status_credits', 'spend', 'purchases']),
    window: z.enum(['rolling', 'calendar_year']),
    months: z.string(),
    grace_days: whole(0, 365),
    soft_landing: z.boolean(),
  })
  .check(
    z.refine((v) => v.window !== 'rolling' || (/^\d+$/.test(v.months.trim()) && Number(v.months) >= 1 && Number(v.months) <= 120), {
      path: ['months'],
      message: 'rewards.check.months',
    }),
  );
export type SchemeForm = z.infer<typeof SchemeForm>;

export const LevelForm = z.object({
  name: text(1, 100),
  threshold: whole(0, Number.MAX_SAFE_INTEGER),
  multiplier: z.string().check(z.trim(), z.refine((s) => s === '' || MULTIPLIER.test(s), 'rewards.check.multiplier')),
});
export type LevelForm = z.infer<typeof LevelForm>;

export const REWARD_KINDS = ['discount_coupon', 'free_product', 'gift', 'experience', 'partner_voucher', 'charity_donation'] as const;
export const COUPON_KINDS: readonly string[] = ['discount_coupon', 'free_product', 'partner_voucher'];

const URL_LINE = /^https?:\/\/\S+$/;

export const RewardForm = z
  .object({
    name: text(1, 200),
    description: optionalText(5000),
    kind: z.enum(REWARD_KINDS),
    discount_type: z.enum(['percent', 'amount']),
    discount_percent: z.string(),
    discount_amount: z.string(),
    sku: optionalText(100),
    partner: optionalText(200),
    cause: optionalText(200),
    points_cost: whole(0, Number.MAX_SAFE_INTEGER),
    points_currency: z.string(),
    stock: whole(0, Number.MAX_SAFE_INTEGER, true),
    per_member_limit: whole(1, 1_000_000, true),
    tier_level_ids: z.array(z.string()),
    valid_from: z.string(),
    valid_to: z.string(),
    images: z.string().check(z.refine((s) => s.split('\n').every((l) => l.trim() === '' || (URL_LINE.test(l.trim()) && l.trim().length <= 2000)), 'rewards.check.urls')),
    coupon_valid_days: whole(1, 3650, true),
    coupon_max_uses: whole(1, 1_000_000, true),
    coupon_min_order: money(),
    metadata: z.string().check(
      z.refine((s) => {
        if (!s.trim()) return true;
        try {
          const v: unknown = JSON.parse(s);
          return typeof v === 'object' && v !== null && !Array.isArray(v);
        } catch {
          return false;
        }
      }, 'rewards.check.jsonObject'),
    ),
    status: z.enum(['active', 'inactive', 'archived']),
  })
  .check(
    z.refine((v) => v.kind !== 'discount_coupon' || v.discount_type !== 'percent' || (/^\d+(\.\d{1,2})?$/.test(v.discount_percent.trim()) && Number(v.discount_percent) > 0 && Number(v.discount_percent) <= 100), {
      path: ['discount_percent'],
      message: 'rewards.check.percent',
    }),
    z.refine((v) => v.kind !== 'discount_coupon' || v.discount_type !== 'amount' || (MONEY.test(v.discount_amount.trim()) && Number(v.discount_amount) > 0), {
      path: ['discount_amount'],
      message: 'rewards.check.amount',
    }),
    z.refine((v) => v.kind !== 'free_product' || v.sku.trim() !== '', { path: ['sku'], message: 'validation.required' }),
    z.refine((v) => v.kind !== 'partner_voucher' || v.partner.trim() !== '', { path: ['partner'], message: 'validation.required' }),
    z.refine((v) => v.kind !== 'charity_donation' || v.cause.trim() !== '', { path: ['cause'], message: 'validation.required' }),
    z.refine((v) => !v.valid_from || !v.valid_to || v.valid_to > v.valid_from, { path: ['valid_to'], message: 'rewards.check.endBeforeStart' }),
  );
export type RewardForm = z.infer<typeof RewardForm>;

export const CouponLookupForm = z.object({
  code: z.string().check(z.trim(), z.regex(/^[A-Za-z0-9_-]{3,64}$/, 'rewards.check.couponCode')),
  member_id: optionalText(100),
  order_amount: money(),
});
export type CouponLookupForm = z.infer<typeof CouponLookupForm>;

export const StampCardForm = z.object({
  currency: z.string().check(z.minLength(1, 'validation.required')),
  goal: whole(1, 1_000_000),
  reward_id: z.string().check(z.minLength(1, 'validation.required')),
  status: z.enum(['active', 'inactive']),
});
export type StampCardForm = z.infer<typeof StampCardForm>;

export const ReferralForm = z.object({
  enabled: z.boolean(),
  min_amount: money(false),
  first_purchase: z.boolean(),
  within_days: whole(1, 3650, true),
  referrer_points: whole(1, 1_000_000_000, true),
  referee_points: whole(1, 1_000_000_000, true),
  cap_per_referrer: whole(0, 1_000_000, true),
  ambassador_threshold: whole(1, 1_000_000, true),
});
export type ReferralForm = z.infer<typeof ReferralForm>;

/** An optional whole number typed as text: empty → null. */
export const orNull = (s: string) => (s.trim() === '' ? null : Number(s));
