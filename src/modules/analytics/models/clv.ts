/**
 * Discounted customer lifetime value from a purchase-count model (BG/NBD or Pareto/NBD) and the Gamma-Gamma
 * spend model, as in lifetimes' customer_lifetime_value: month by month, the purchases the member is expected
 * to make in that month times the spend expected per purchase, discounted to today.
 */
import { AppError } from '../../../platform/errors.js';
import { bgNbd, type BgNbdParams } from './bgnbd.js';
import { gammaGamma, type GammaGammaParams } from './gammagamma.js';
import { paretoNbd, type ParetoNbdParams } from './paretonbd.js';

export type PurchaseModel = { model: 'bgnbd'; params: BgNbdParams } | { model: 'paretonbd'; params: ParetoNbdParams };

/** A member as the models saw them: the repeat-purchase summary plus mean repeat spend (ignored when x = 0). */
export interface ClvMember {
  x: number;
  t_x: number;
  T: number;
  mbar: number;
}

/** How many of the summary's time units make one month (a month being 365.25/12 days). */
export const UNITS_PER_MONTH = { day: 365.25 / 12, week: 365.25 / 12 / 7, month: 1 } as const;

export interface ClvOptions {
  /** Horizon in whole months. */
  months: number;
  /** Discount rate per month (0.01 = 1 %). */
  monthlyDiscountRate: number;
  /**
   * The time unit of t_x and T (the unit the purchase model was fitted in), as units per month:
   * UNITS_PER_MONTH.week when the summary is in weeks, UNITS_PER_MONTH.day when in days.
   */
  unitsPerMonth: number;
}

/**
 * CLV = Σ_{i=1..months} (E[X(i)] - E[X(i-1)] | member) · E[spend | x, mbar] / (1+d)^i, where X(i) counts the
 * member's purchases in the i months after T. In the unit of mbar (minor units in, minor units out); a float
 * estimate, to be rounded by whoever stores or shows it.
 */
export function clv(purchases: PurchaseModel, spend: GammaGammaParams, member: ClvMember, o: ClvOptions): number {
  return discountedPurchases(purchases, member, o).discounted * gammaGamma.conditionalExpectedSpend(spend, member.x, member.mbar);
}

/**
 * The purchase side of CLV: the purchases expected over the horizon, and the same month by month discounted
 * to today (Σ (E[X(i)] - E[X(i-1)]) / (1+d)^i). CLV is `discounted` times the expected spend per purchase,
 * which is how scoring a whole program reuses one computation per distinct (x, t_x, T).
 */
export function discountedPurchases(purchases: PurchaseModel, member: Omit<ClvMember, 'mbar'>, o: ClvOptions): { expected: number; discounted: number } {
  if (!(Number.isInteger(o.months) && o.months >= 0)) throw optionError('months', 'must be a whole number >= 0');
  if (!(Number.isFinite(o.monthlyDiscountRate) && o.monthlyDiscountRate > -1)) {
    throw optionError('monthlyDiscountRate', 'must be a finite number > -1');
  }
  if (!(Number.isFinite(o.unitsPerMonth) && o.unitsPerMonth > 0)) throw optionError('unitsPerMonth', 'must be a finite number > 0');

  const { x, t_x, T } = member;
  const expected =
    purchases.model === 'bgnbd'
      ? (t: number) => bgNbd.conditionalExpected(purchases.params, t, x, t_x, T)
      : (t: number) => paretoNbd.conditionalExpected(purchases.params, t, x, t_x, T);

  let discounted = 0;
  let before = 0;
  let discount = 1;
  for (let i = 1; i <= o.months; i++) {
    const cumulative = expected(i * o.unitsPerMonth);
    discount /= 1 + o.monthlyDiscountRate;
    discounted += (cumulative - before) * discount;
    before = cumulative;
  }
  return { expected: before, discounted };
}

function optionError(field: string, message: string): AppError {
  return new AppError('invalid', 'analytics.invalid_clv_options', `${field} ${message}`, { field });
}
