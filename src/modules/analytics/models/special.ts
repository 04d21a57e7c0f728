/**
 * Special functions for the customer-base models. Log-gamma, digamma, log-beta and the general Gauss
 * hypergeometric function come from stdlib (@stdlib/math-base-special-*, ports of Cephes/Boost).
 *
 * Written here, because no library offers them in the form the models need:
 * - `logHyp2f1Shifted`: log 2F1(a, b; a+1; z) for the Pareto/NBD likelihood. stdlib's hyp2f1 overflows to
 *   Infinity long before the log does (a = r+s+x grows with the purchase count), and returns NaN for large
 *   parameters near z = 1 (e.g. hyp2f1(1, 301, 303, 0.9998)), so this evaluates the bounded Euler transform
 *   itself and uses stdlib only where it is accurate.
 * - `logAddExp`, `logSubExp`: log(e^u + e^v), log(e^u - e^v) without overflow.
 */
import betalnLib from '@stdlib/math-base-special-betaln';
import digammaLib from '@stdlib/math-base-special-digamma';
import gammalnLib from '@stdlib/math-base-special-gammaln';
import hyp2f1Lib from '@stdlib/math-base-special-hyp2f1';

export const gammaln: (x: number) => number = gammalnLib;
export const betaln: (a: number, b: number) => number = betalnLib;
export const hyp2f1: (a: number, b: number, c: number, z: number) => number = hyp2f1Lib;
export const digamma: (x: number) => number = digammaLib;

/** log(e^u + e^v), exact when either is -Infinity. */
export function logAddExp(u: number, v: number): number {
  if (u === -Infinity) return v;
  if (v === -Infinity) return u;
  return u > v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v));
}

/** log(e^u - e^v) for u >= v; -Infinity when they are equal. */
export function logSubExp(u: number, v: number): number {
  if (v === -Infinity) return u;
  return u + Math.log(-Math.expm1(v - u));
}

const EPS = 1e-16;
// Below this z the power series needs at most ~160 terms; above it the 1-z transformation (stdlib) or the
// continued fraction converges faster.
const SERIES_LIMIT = 0.8;
// Reached only for z within ~1e-6 of 1 with large parameters, i.e. far from any fitted optimum; the
// truncated fraction is then still within ~1e-6 (successive convergents of this Stieltjes function bracket it).
const MAX_CF_TERMS = 20_000;

/**
 * log S(d, e, z) where S = 2F1(1, d; e; z) = sum_n (d)_n / (e)_n z^n, for 0 < d < e and 0 <= z < 1.
 * Every term is positive and the ratio of successive terms is below z, so 1 <= S <= 1/(1-z): no overflow.
 */
export function logHyp2f1One(d: number, e: number, z: number): number {
  if (z === 0) return 0;
  if (z <= SERIES_LIMIT) {
    let term = 1;
    let sum = 1;
    for (let n = 0; n < 10_000; n++) {
      term *= ((d + n) / (e + n)) * z;
      sum += term;
      if (term < EPS * sum) break;
    }
    return Math.log(sum);
  }
  const viaStdlib = hyp2f1(1, d, e, z);
  // S >= 1 always; stdlib returns NaN or Infinity where its gamma-function ratios overflow.
  if (Number.isFinite(viaStdlib) && viaStdlib >= 1) return Math.log(viaStdlib);
  return Math.log(gaussContinuedFraction(d, e, z));
}

/**
 * 2F1(1, d; e; z) by Gauss's continued fraction for 2F1(a+1, b; c+1; z) / 2F1(a, b; c; z) with a = 0,
 * b = d, c = e - 1 (evaluated with the modified Lentz method). Converges on the whole of [0, 1).
 */
function gaussContinuedFraction(d: number, e: number, z: number): number {
  const c = e - 1;
  const tiny = 1e-300;
  let f = 1;
  let C = 1;
  let D = 0;
  for (let j = 1; j <= MAX_CF_TERMS; j++) {
    let k: number;
    if (j % 2 === 1) {
      const n = (j - 1) / 2;
      k = ((-c - n) * (d + n)) / ((c + 2 * n) * (c + 2 * n + 1));
    } else {
      const n = j / 2;
      k = ((d - c - n) * n) / ((c + 2 * n - 1) * (c + 2 * n));
    }
    const aj = k * z;
    D = 1 + aj * D;
    if (Math.abs(D) < tiny) D = tiny;
    D = 1 / D;
    C = 1 + aj / C;
    if (Math.abs(C) < tiny) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return 1 / f;
}

/**
 * log 2F1(a, b; a+1; z) for a > 0, 0 < b < a+1, 0 <= z < 1, through Euler's transformation
 * 2F1(a, b; a+1; z) = (1-z)^(1-b) 2F1(1, a+1-b; a+1; z).
 */
export function logHyp2f1Shifted(a: number, b: number, z: number): number {
  return (1 - b) * Math.log1p(-z) + logHyp2f1One(a + 1 - b, a + 1, z);
}
