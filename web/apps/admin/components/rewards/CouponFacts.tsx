import { Link } from 'react-router';
import type { Coupon } from '../../../../packages/api-client';
import { useI18n } from '../../../../packages/i18n';
import { Badge } from '../../../../packages/ui';
import { useProgramInfo } from '../../lib/useProgramInfo';

/** What a coupon gives, in words. */
export function useBenefit() {
  const { t, fmt } = useI18n();
  const { currency } = useProgramInfo();
  return (b: Coupon['benefit']) => {
    if (b.type === 'percent' && typeof b.basis_points === 'number') return t('rewards.coupon.percentOff', { value: fmt.percent(b.basis_points / 10_000) });
    if (b.type === 'amount' && typeof b.amount === 'number') return t('rewards.coupon.amountOff', { value: fmt.money(b.amount, currency) });
    if (b.type === 'free_product' && typeof b.sku === 'string') return t('rewards.coupon.freeProduct', { sku: b.sku });
    if (b.type === 'voucher' && typeof b.partner === 'string') return t('rewards.coupon.voucher', { partner: b.partner });
    return '—';
  };
}

/** A coupon's state: what it gives, its uses, its dates, whom it belongs to. */
export function CouponFacts({ coupon }: { coupon: Coupon }) {
  const { t, fmt } = useI18n();
  const { currency } = useProgramInfo();
  const benefit = useBenefit();
  const expired = coupon.expires_at !== null && new Date(coupon.expires_at) <= new Date();
  const state = coupon.status !== 'active' ? 'void' : expired ? 'expired' : coupon.uses_left === 0 ? 'used_up' : 'usable';
  return (
    <dl className="facts" aria-label={t('rewards.coupon.state')}>
      <dt>{t('rewards.coupon.code')}</dt>
      <dd className="mono">{coupon.code}</dd>
      <dt>{t('rewards.coupon.state')}</dt>
      <dd>
        <Badge tone={state === 'usable' ? 'good' : 'warn'}>{t(`rewards.coupon.states.${state}`)}</Badge>
      </dd>
      <dt>{t('rewards.coupon.gives')}</dt>
      <dd>{benefit(coupon.benefit)}</dd>
      <dt>{t('rewards.coupon.uses')}</dt>
      <dd>{t('rewards.coupon.usesLeft', { left: coupon.uses_left, max: coupon.max_uses })}</dd>
      <dt>{t('rewards.coupon.minOrder')}</dt>
      <dd>{coupon.min_order_amount === null ? '—' : fmt.money(coupon.min_order_amount, currency)}</dd>
      <dt>{t('rewards.coupon.validFrom')}</dt>
      <dd>{fmt.dateTime(coupon.valid_from)}</dd>
      <dt>{t('rewards.coupon.expires')}</dt>
      <dd>{coupon.expires_at ? fmt.dateTime(coupon.expires_at) : t('rewards.coupon.never')}</dd>
      <dt>{t('rewards.coupon.member')}</dt>
      <dd>{coupon.member_id ? <Link to={`/members/${coupon.member_id}`}>{coupon.member_id}</Link> : t('rewards.coupon.anyone')}</dd>
      <dt>{t('rewards.coupon.reward')}</dt>
      <dd>{coupon.reward_id ? <Link to={`/rewards/${coupon.reward_id}`}>{coupon.reward_id}</Link> : '—'}</dd>
    </dl>
  );
}
