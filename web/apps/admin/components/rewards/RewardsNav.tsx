import { NavLink } from 'react-router';
import { useI18n } from '../../../../packages/i18n';
import { useCan } from '../../lib/access';

/** The parts of the rewards screen: the catalog, redemptions, coupon lookup. */
export function RewardsNav() {
  const { t } = useI18n();
  const can = useCan();
  return (
    <nav className="tabs" aria-label={t('rewards.nav.label')}>
      <NavLink to="/rewards" end>{t('rewards.nav.catalog')}</NavLink>
      {can('GET /v1/reward-redemptions') ? <NavLink to="/rewards/redemptions">{t('rewards.nav.redemptions')}</NavLink> : null}
      {can('GET /v1/coupons/:code') ? <NavLink to="/rewards/coupons">{t('rewards.nav.coupons')}</NavLink> : null}
    </nav>
  );
}
