import type { TFunction } from 'i18next';
import type { EventRefusal } from '../../../../packages/api-client';

/** The problem codes a refused event is most often refused with: the Reason filter offers these. */
export const REASON_CODES = [
  'member.not_found',
  'member.suspended',
  'member.erased',
  'refund.exceeds_paid',
  'refund.exceeds_quantity',
  'refund.unknown_line',
  'refund.member_mismatch',
  'order.not_found',
  'order.duplicate',
  'event.id_reused',
  'event.occurred_in_future',
  'event.currency_mismatch',
] as const;

/**
 * Why an event was refused, as a sentence for staff: the code's own text, else the short error text the
 * console shows for that code elsewhere, else the server's detail (English, but says what happened).
 */
export function refusalReason(t: TFunction, problem: EventRefusal['problem']): string {
  return t(`events.reasons.${problem.code}`, { defaultValue: '' }) || t(`errors.${problem.code}`, { defaultValue: '' }) || problem.detail;
}
