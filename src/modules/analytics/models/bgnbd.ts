/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While alive a member buys at
 * rate λ ~ Gamma(r, α); after each purchase they drop out with probability p ~ Beta(a, b).
 * Times (t_x, T, t) are in the summary's time unit; α is in that unit too (a rate's scale).
 */
import { maximizeLikelihood, ModelFitError, type Fit, type FitOptions } from './fit.js';
import { betaln, digamma, gammaln, hyp2f1 } from './special.js';
import { prepareRepeat, type RepeatData, type RepeatSummary } from './summary.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

const NAMES = ['r', 'alpha', 'a', 'b'] as const;

/**
 * log L = log Γ(r+x) - log Γ(r) + r log α + log B(a, b+x) - log B(a, b)
 *       + log[ (α+T)^-(r+x) + [x>0] a/(b+x-1) (α+t_x)^-(r+x) ]
 * The first line depends on x alone and is computed once per distinct x; log(α+T) and log(α+t_x) once per
 * distinct T and t_x. The row loop is then arithmetic plus one exp and one log1p.
 *
 * The gradient reuses the row's exp: with π the share of the second term in the bracket,
 *   ∂r = log α - ψ(r) + ψ(r+x) - (1-π) log(α+T) - π log(α+t_x)
 *   ∂α = r/α - (r+x) [(1-π)/(α+T) + π/(α+t_x)]
 *   ∂a = ψ(a+b) - ψ(a+b+x) + π/a
 *   ∂b = ψ(a+b) - ψ(b) + ψ(b+x) - ψ(a+b+x) - π/(b+x-1)
 * and the terms in x alone are summed per distinct x after the loop.
 */
function evaluator(d: RepeatData) {
  const levels = d.xs.values.length;
  const perX = new Float64Array(levels);
  const logDrop = new Float64Array(levels);
  const weightX = new Float64Array(levels);
  const piX = new Float64Array(levels);
  const logAT = new Float64Array(d.Ts.values.length);
  const invAT = new Float64Array(d.Ts.values.length);
  const logATx = new Float64Array(d.txs.values.length);
  const invATx = new Float64Array(d.txs.values.length);
  const { w, x, xs, Ts, txs } = d;
  const xi = xs.index;
  const Ti = Ts.index;
  const txi = txs.index;
  for (let i = 0; i < w.length; i++) {
    const k = xi[i] as number;
    weightX[k] = (weightX[k] as number) + (w[i] as number);
  }
  return (r: number, alpha: number, a: number, b: number, grad: Float64Array | null): number => {
    const head = r * Math.log(alpha) - gammaln(r) - betaln(a, b);
    const logA = Math.log(a);
    for (let k = 0; k < levels; k++) {
      const xv = xs.values[k] as number;
      perX[k] = head + gammaln(r + xv) + betaln(a, b + xv);
      logDrop[k] = xv > 0 ? logA - Math.log(b + xv - 1) : -Infinity;
    }
    for (let k = 0; k < logAT.length; k++) {
      logAT[k] = Math.log(alpha + (Ts.values[k] as number));
      invAT[k] = 1 / (alpha + (Ts.values[k] as number));
    }
    for (let k = 0; k < logATx.length; k++) {
      logATx[k] = Math.log(alpha + (txs.values[k] as number));
      invATx[k] = 1 / (alpha + (txs.values[k] as number));
    }
    piX.fill(0);
    let sum = 0;
    let gr = 0;
    let galpha = 0;
    for (let i = 0; i < w.length; i++) {
      const k = xi[i] as number;
      const wi = w[i] as number;
      const rx = r + (x[i] as number);
      const j = Ti[i] as number;
      const lT = logAT[j] as number;
      const u = -rx * lT;
      const drop = logDrop[k] as number;
      if (drop === -Infinity) {
        sum += wi * ((perX[k] as number) + u);
        if (grad) {
          gr += wi * lT;
          galpha += wi * rx * (invAT[j] as number);
        }
        continue;
      }
      const h = txi[i] as number;
      const lTx = logATx[h] as number;
      const v = drop - rx * lTx;
      const e = Math.exp(-Math.abs(u - v));
      sum += wi * ((perX[k] as number) + (v > u ? v : u) + Math.log1p(e));
      if (grad) {
        const pi = v > u ? 1 / (1 + e) : e / (1 + e);
        piX[k] = (piX[k] as number) + wi * pi;
        gr += wi * (lT + pi * (lTx - lT));
        galpha += wi * rx * ((invAT[j] as number) + pi * ((invATx[h] as number) - (invAT[j] as number)));
      }
    }
    if (grad) {
      const psiAB = digamma(a + b);
      let dr = d.totalWeight * (Math.log(alpha) - digamma(r)) - gr;
      let da = 0;
      let db = d.totalWeight * (psiAB - digamma(b));
      for (let k = 0; k < levels; k++) {
        const xv = xs.values[k] as number;
        const wk = weightX[k] as number;
        const psiABX = digamma(a + b + xv);
        dr += wk * digamma(r + xv);
        da += wk * (psiAB - psiABX) + (piX[k] as number) / a;
        db += wk * (digamma(b + xv) - psiABX);
        if (xv > 0) db -= (piX[k] as number) / (b + xv - 1);
      }
      grad[0] = dr;
      grad[1] = (d.totalWeight * r) / alpha - galpha;
      grad[2] = da;
      grad[3] = db;
    }
    return sum;
  };
}

export function fitBgNbd(rows: readonly RepeatSummary[], o: FitOptions = {}): Fit<BgNbdParams> {
  const data = prepareRepeat(rows);
  if (data.rows === 0) {
    throw new ModelFitError('analytics.not_enough_data', 'bgnbd: no members to fit', { model: 'bgnbd', reason: 'no_rows' });
  }
  if (data.repeatWeight === 0) {
    throw new ModelFitError('analytics.not_enough_data', 'bgnbd: nobody made a repeat purchase', {
      model: 'bgnbd',
      reason: 'no_repeat_purchases',
    });
  }
  const ll = evaluator(data);
  const timeScale = 10 / data.maxT;
  const m = maximizeLikelihood(
    {
      model: 'bgnbd',
      names: NAMES,
      scale: [1, timeScale, 1, 1],
      totalWeight: data.totalWeight,
      hasGradient: true,
      logLikelihood: (p, g) => ll(p[0] as number, p[1] as number, p[2] as number, p[3] as number, g),
    },
    o,
  );
  const { r, alpha, a, b } = m.params;
  return { params: { r, alpha, a, b }, logLikelihood: ll(r, alpha, a, b, null), iterations: m.iterations, evaluations: m.evaluations };
}

/** P(alive | x, t_x, T): 1 for a member with no repeat purchase (in BG/NBD one can only drop out after a purchase). */
function pAlive(p: BgNbdParams, x: number, t_x: number, T: number): number {
  if (x === 0) return 1;
  return 1 / (1 + Math.exp(logDropRatio(p, x, t_x, T)));
}

/** log of the second likelihood term over the first: log[a/(b+x-1) ((α+T)/(α+t_x))^(r+x)]. */
function logDropRatio(p: BgNbdParams, x: number, t_x: number, T: number): number {
  return Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * Math.log1p((T - t_x) / (p.alpha + t_x));
}

/**
 * E[purchases in (T, T+t] | x, t_x, T] (FHL 2005, eq. 10), with the 2F1 taken through Euler's transformation
 * ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), which
 * stays finite for any purchase count. a = 1 is a removable singularity: the mean of a ± 1e-6 is used there.
 */
function conditionalExpected(p: BgNbdParams, t: number, x: number, t_x: number, T: number): number {
  if (t <= 0) return 0;
  if (Math.abs(p.a - 1) < 1e-6) {
    return (expectedFrom({ ...p, a: 1 + 1e-6 }, t, x, t_x, T) + expectedFrom({ ...p, a: 1 - 1e-6 }, t, x, t_x, T)) / 2;
  }
  return expectedFrom(p, t, x, t_x, T);
}

function expectedFrom(p: BgNbdParams, t: number, x: number, t_x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const tail = Math.exp((a - 1) * Math.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - tail);
  return x === 0 ? numerator : numerator / (1 + Math.exp(logDropRatio(p, x, t_x, T)));
}

export const bgNbd = {
  /** Total log-likelihood of the rows (weights included). */
  logLikelihood(p: BgNbdParams, rows: readonly RepeatSummary[]): number {
    return evaluator(prepareRepeat(rows))(p.r, p.alpha, p.a, p.b, null);
  },
  pAlive,
  /** Unconditional E[X(t)]: expected purchases of a new member in (0, t] (FHL 2005, eq. 7). */
  expected(p: BgNbdParams, t: number): number {
    return conditionalExpected(p, t, 0, 0, 0);
  },
  conditionalExpected,
};
