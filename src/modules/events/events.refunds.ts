import { allocate, mulDiv } from '../ledger/index.js';
import { unprocessable } from '../../platform/errors.js';
import type { OrderLine, OrderRow } from './events.repo.js';

/**
 * Refund arithmetic, pure. An order's refund state is cumulative (money refunded, quantity refunded per line);
 * the points to have reversed are a function of that state, so each refund reverses only the difference and
 * any number of partial refunds can never reverse more than the order earned.
 */

const lineAmounts = (lines: readonly OrderLine[]) => lines.map((l) => l.quantity * l.unit_price);

/** The money the line refunds account for: each line's share of what was paid, pro rata to quantity. */
function lineMoney(order: Pick<OrderRow, 'amount'>, lines: readonly OrderLine[]): number {
  const shares = allocate(order.amount, lineAmounts(lines));
  return lines.reduce((sum, l, i) => sum + mulDiv(shares[i]!, l.refunded_quantity, l.quantity), 0);
}

/** Points of `earned` that should be reversed once the order stands refunded as described. */
export function reversalTarget(earned: number, order: Pick<OrderRow, 'amount' | 'refunded_amount'>, lines: readonly OrderLine[]): number {
  if (earned <= 0) return 0;
  if (order.refunded_amount >= order.amount) return earned;
  const linePoints = allocate(earned, lineAmounts(lines));
  const byLines = lines.reduce((sum, l, i) => sum + mulDiv(linePoints[i]!, l.refunded_quantity, l.quantity), 0);
  const byAmount = order.amount > 0 ? mulDiv(earned, Math.max(0, order.refunded_amount - lineMoney(order, lines)), order.amount) : 0;
  return Math.min(earned, byLines + byAmount);
}

/** The order after a refund of `amount` or of `lines`, or a 422 if the refund asks for more than is left. */
export function applyRefund(
  order: OrderRow,
  refund: { amount?: number; lines?: { sku: string; quantity: number }[] },
): { refundedAmount: number; lines: OrderLine[]; money: number } {
  if (refund.lines) {
    const lines = order.lines.map((l) => ({ ...l }));
    refund.lines.forEach((want, k) => {
      let left = want.quantity;
      const matching = lines.filter((l) => l.sku === want.sku);
      if (matching.length === 0) {
        throw unprocessable('refund.unknown_line', `Order ${order.id} has no line with sku ${want.sku}`, { field: `lines.${k}.sku` });
      }
      for (const l of matching) {
        const take = Math.min(left, l.quantity - l.refunded_quantity);
        l.refunded_quantity += take;
        left -= take;
      }
      if (left > 0) {
        throw unprocessable('refund.exceeds_quantity', `Only ${want.quantity - left} of sku ${want.sku} are left to refund`, {
          field: `lines.${k}.quantity`,
        });
      }
    });
    const money = lineMoney(order, lines) - lineMoney(order, order.lines);
    if (order.refunded_amount + money > order.amount) {
      throw unprocessable('refund.exceeds_paid', `Order ${order.id} has only ${order.amount - order.refunded_amount} left to refund`, {
        field: 'lines',
        refundable: order.amount - order.refunded_amount,
      });
    }
    return { refundedAmount: order.refunded_amount + money, lines, money };
  }
  const amount = refund.amount!;
  const left = order.amount - order.refunded_amount;
  if (amount > left) {
    throw unprocessable('refund.exceeds_paid', `Only ${left} of order ${order.id} is left to refund; ${amount} asked`, {
      field: 'amount',
      refundable: left,
    });
  }
  return { refundedAmount: order.refunded_amount + amount, lines: order.lines, money: amount };
}
