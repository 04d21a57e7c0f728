import type { Reward, RewardInput } from '../../../../packages/api-client';
import { COUPON_KINDS, fromMinor, orNull, toMinor, type RewardForm } from '../../lib/catalogForms';

const pad = (n: number) => String(n).padStart(2, '0');
/** An ISO instant as a datetime-local input shows it, in the browser's time zone. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const fromLocalInput = (s: string) => (s ? new Date(s).toISOString() : null);
const nul = (s: string) => (s.trim() === '' ? null : s.trim());

export function formOf(r: Reward | undefined, mainCurrency: string, digits: number): RewardForm {
  const discount = r?.discount ?? null;
  return {
    name: r?.name ?? '',
    description: r?.description ?? '',
    kind: r?.kind ?? 'discount_coupon',
    discount_type: discount?.type ?? 'percent',
    discount_percent: discount?.type === 'percent' ? fromMinor(discount.basis_points, 2).replace(/\.00$/, '') : '',
    discount_amount: discount?.type === 'amount' ? fromMinor(discount.amount, digits) : '',
    sku: r?.sku ?? '',
    partner: r?.partner ?? '',
    cause: r?.cause ?? '',
    points_cost: r ? String(r.points_cost) : '',
    points_currency: r?.points_currency ?? mainCurrency,
    stock: r?.stock == null ? '' : String(r.stock),
    per_member_limit: r?.per_member_limit == null ? '' : String(r.per_member_limit),
    tier_level_ids: r?.tier_level_ids ?? [],
    valid_from: toLocalInput(r?.valid_from ?? null),
    valid_to: toLocalInput(r?.valid_to ?? null),
    images: (r?.images ?? []).join('\n'),
    coupon_valid_days: r?.coupon.valid_days == null ? '' : String(r.coupon.valid_days),
    coupon_max_uses: r ? String(r.coupon.max_uses) : '',
    coupon_min_order: r?.coupon.min_order_amount == null ? '' : fromMinor(r.coupon.min_order_amount, digits),
    metadata: r && Object.keys(r.metadata).length ? JSON.stringify(r.metadata, null, 2) : '',
    status: r?.status === 'inactive' || r?.status === 'archived' ? r.status : 'active',
  };
}

/** The API body of the form: fields another kind would use are cleared, amounts go to minor units. */
export function bodyOf(v: RewardForm, digits: number): RewardInput {
  const coupon = COUPON_KINDS.includes(v.kind);
  return {
    kind: v.kind,
    name: v.name.trim(),
    description: nul(v.description),
    discount:
      v.kind !== 'discount_coupon'
        ? null
        : v.discount_type === 'percent'
          ? { type: 'percent', basis_points: toMinor(v.discount_percent, 2) }
          : { type: 'amount', amount: toMinor(v.discount_amount, digits) },
    sku: v.kind === 'free_product' ? nul(v.sku) : null,
    partner: v.kind === 'partner_voucher' ? nul(v.partner) : null,
    cause: v.kind === 'charity_donation' ? nul(v.cause) : null,
    points_cost: Number(v.points_cost),
    points_currency: v.points_currency,
    stock: orNull(v.stock),
    per_member_limit: orNull(v.per_member_limit),
    tier_level_ids: v.tier_level_ids,
    valid_from: fromLocalInput(v.valid_from),
    valid_to: fromLocalInput(v.valid_to),
    images: v.images.split('\n').map((l) => l.trim()).filter(Boolean),
    ...(coupon
      ? {
          coupon: {
            valid_days: orNull(v.coupon_valid_days),
            ...(v.coupon_max_uses.trim() ? { max_uses: Number(v.coupon_max_uses) } : {}),
            min_order_amount: v.coupon_min_order.trim() ? toMinor(v.coupon_min_order, digits) : null,
          },
        }
      : {}),
    metadata: v.metadata.trim() ? (JSON.parse(v.metadata) as Record<string, unknown>) : {},
    status: v.status,
  };
}
