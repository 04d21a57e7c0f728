import type { ExpiryPolicy, ProgramSettings, Rounding } from '../programs/index.js';
import { DAY_MS } from '../../platform/clock.js';

/** Pure arithmetic of the ledger: no floats touch a balance, every division rounds explicitly. */

/**
 * The largest magnitude any amount, balance or counter of the ledger may reach: what a JSON number holds exactly
 * (2^53 − 1). A write that would take an account past ±MAX_POINTS is refused (ledger.amount_out_of_range).
 */
export const MAX_POINTS = Number.MAX_SAFE_INTEGER;

export function roundDiv(numerator: bigint, denominator: bigint, rounding: Rounding): number {
  const q = numerator / denominator;
  const r = numerator % denominator;
  let out = q;
  if (r !== 0n) {
    if (rounding === 'ceil') out = q + 1n;
    else if (rounding === 'round' && r * 2n >= denominator) out = q + 1n;
  }
  return Number(out);
}

/** Points a purchase of `amount` minor units earns at the program's base rate. */
export function basePoints(amount: number, settings: ProgramSettings): number {
  const { points, per_amount } = settings.base_earning;
  return roundDiv(BigInt(amount) * BigInt(points), BigInt(per_amount), settings.rounding);
}

/** When a lot earned at `earnedAt` expires under the policy (null: never). */
export function expiryFor(policy: ExpiryPolicy, earnedAt: Date): Date | null {
  switch (policy.policy) {
    case 'never':
      return null;
    case 'rolling':
      return new Date(earnedAt.getTime() + policy.days * DAY_MS);
    case 'end_of_period': {
      // The first instant of the month after (earned month + months): the lot lives to the end of that month.
      const d = new Date(Date.UTC(earnedAt.getUTCFullYear(), earnedAt.getUTCMonth() + policy.months + 1, 1));
      return d;
    }
  }
}

/**
 * Splits `total` over `weights` in proportion, in whole units, summing exactly to `total`
 * (largest remainder; ties go to the earlier item).
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const T = BigInt(total);
  const S = BigInt(sum);
  const base = weights.map((w) => (T * BigInt(w)) / S);
  const rem = weights.map((w, i) => ({ i, r: (T * BigInt(w)) % S }));
  let left = Number(T - base.reduce((a, b) => a + b, 0n));
  rem.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  const out = base.map(Number);
  for (let k = 0; k < left; k++) out[rem[k]!.i]! += 1;
  left = 0;
  return out;
}

/** floor(a * b / c) in exact integer arithmetic. */
export function mulDiv(a: number, b: number, c: number): number {
  if (c === 0) return 0;
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}
