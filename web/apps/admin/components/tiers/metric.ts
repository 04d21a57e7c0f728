import type { TFunction } from 'i18next';
import type { Formatters } from '../../../../packages/i18n';

export type Metric = 'status_credits' | 'spend' | 'purchases';

/** A value of the tier metric in words: money for spend (minor units), a count of credits or purchases. */
export function metricValue(t: TFunction, fmt: Formatters, metric: Metric | undefined, value: number, currency: string) {
  if (metric === 'spend') return fmt.money(value, currency);
  if (metric === 'purchases') return t('tiers.purchaseCount', { count: value });
  return t('tiers.creditCount', { count: value });
}
