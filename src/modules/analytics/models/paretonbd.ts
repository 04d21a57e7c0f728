/**
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987). While alive a member buys at rate λ ~ Gamma(r, α) and
 * dies at rate μ ~ Gamma(s, β). Times are in the summary's time unit; α and β are in that unit too.
 *
 * Likelihood (Fader & Hardie, "A note on deriving the Pareto/NBD model and related expressions", 2005):
 *   L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s/(r+s+x) · A0 ]
 *   A0 = F(t_x) - F(T), and with a = r+s+x:
 *   α >= β: F(t) = 2F1(a, s+1; a+1; (α-β)/(α+t)) / (α+t)^a
 *   α <  β: F(t) = 2F1(a, r+x; a+1; (β-α)/(β+t)) / (β+t)^a
 * The two cases keep the argument in [0, 1). Both 2F1 and (·)^a overflow for a large purchase count, so F is
 * evaluated as a log through Euler's transformation (see special.ts), which leaves a bounded series:
 *   α >= β: log F(t) = -s log(β+t) - (r+x) log(α+t) + log 2F1(1, r+x; a+1; (α-β)/(α+t))
 *   α <  β: log F(t) = (1-r-x) log(α+t) - (s+1) log(β+t) + log 2F1(1, s+1; a+1; (β-α)/(β+t))
 * and A0 as log(F(t_x) - F(T)) with logSubExp (F decreases in t, so the difference is never negative).
 */
import { maximizeLikelihood, ModelFitError, type Fit, type FitOptions } from './fit.js';
import { gammaln, logAddExp, logHyp2f1One, logSubExp } from './special.js';
import { prepareRepeat, type RepeatData, type RepeatSummary } from './summary.js';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

const NAMES = ['r', 'alpha', 's', 'beta'] as const;

/** log F(t) given log(α+t), log(β+t) and z for that t. */
function logF(r: number, alpha: number, s: number, beta: number, x: number, la: number, lb: number, z: number): number {
  const e = r + s + x + 1;
  return alpha >= beta
    ? -s * lb - (r + x) * la + logHyp2f1One(r + x, e, z)
    : (1 - r - x) * la - (s + 1) * lb + logHyp2f1One(s + 1, e, z);
}

/** The two terms of the bracket, as logs: alive throughout, and died in (t_x, T]. */
function logTerms(p: ParetoNbdParams, x: number, t_x: number, T: number): [number, number] {
  const { r, alpha, s, beta } = p;
  const max = Math.max(alpha, beta);
  const diff = Math.abs(alpha - beta);
  const laT = Math.log(alpha + T);
  const lbT = Math.log(beta + T);
  const alive = -(r + x) * laT - s * lbT;
  const fT = logF(r, alpha, s, beta, x, laT, lbT, diff / (max + T));
  const fTx = logF(r, alpha, s, beta, x, Math.log(alpha + t_x), Math.log(beta + t_x), diff / (max + t_x));
  const died = fTx > fT ? Math.log(s) - Math.log(r + s + x) + logSubExp(fTx, fT) : -Infinity;
  return [alive, died];
}

/** Distinct (x, t) pairs of two level indices: the pair of each row and the levels of each pair. */
function pairs(a: Int32Array, b: Int32Array, bLevels: number) {
  const seen = new Map<number, number>();
  const index = new Int32Array(a.length);
  const first: number[] = [];
  const second: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const key = (a[i] as number) * bLevels + (b[i] as number);
    let at = seen.get(key);
    if (at === undefined) {
      at = first.length;
      seen.set(key, at);
      first.push(a[i] as number);
      second.push(b[i] as number);
    }
    index[i] = at;
  }
  return { index, x: Int32Array.from(first), t: Int32Array.from(second) };
}

/**
 * Per distinct x: log Γ(r+x) - log Γ(r) + r log α + s log β and log(s/(r+s+x)); per distinct T and t_x: the
 * logs and z; per distinct (x, T) and (x, t_x) pair: log F, the expensive part (a series per value).
 * The row loop is then two exp and two log.
 */
function evaluator(d: RepeatData) {
  const perX = new Float64Array(d.xs.values.length);
  const logSRatio = new Float64Array(d.xs.values.length);
  const nT = d.Ts.values.length;
  const nTx = d.txs.values.length;
  const laT = new Float64Array(nT);
  const lbT = new Float64Array(nT);
  const zT = new Float64Array(nT);
  const laTx = new Float64Array(nTx);
  const lbTx = new Float64Array(nTx);
  const zTx = new Float64Array(nTx);
  const { w, x, xs, Ts, txs } = d;
  const atT = pairs(xs.index, Ts.index, nT);
  const atTx = pairs(xs.index, txs.index, nTx);
  const fT = new Float64Array(atT.x.length);
  const fTx = new Float64Array(atTx.x.length);
  return (r: number, alpha: number, s: number, beta: number): number => {
    const head = r * Math.log(alpha) + s * Math.log(beta) - gammaln(r);
    const logS = Math.log(s);
    for (let k = 0; k < perX.length; k++) {
      const xv = xs.values[k] as number;
      perX[k] = head + gammaln(r + xv);
      logSRatio[k] = logS - Math.log(r + s + xv);
    }
    const max = Math.max(alpha, beta);
    const diff = Math.abs(alpha - beta);
    for (let k = 0; k < nT; k++) {
      const t = Ts.values[k] as number;
      laT[k] = Math.log(alpha + t);
      lbT[k] = Math.log(beta + t);
      zT[k] = diff / (max + t);
    }
    for (let k = 0; k < nTx; k++) {
      const t = txs.values[k] as number;
      laTx[k] = Math.log(alpha + t);
      lbTx[k] = Math.log(beta + t);
      zTx[k] = diff / (max + t);
    }
    for (let p = 0; p < fT.length; p++) {
      const j = atT.t[p] as number;
      fT[p] = logF(r, alpha, s, beta, xs.values[atT.x[p] as number] as number, laT[j] as number, lbT[j] as number, zT[j] as number);
    }
    for (let p = 0; p < fTx.length; p++) {
      const h = atTx.t[p] as number;
      const xv = xs.values[atTx.x[p] as number] as number;
      fTx[p] = logF(r, alpha, s, beta, xv, laTx[h] as number, lbTx[h] as number, zTx[h] as number);
    }
    let sum = 0;
    for (let i = 0; i < w.length; i++) {
      const k = xs.index[i] as number;
      const j = Ts.index[i] as number;
      const alive = -(r + (x[i] as number)) * (laT[j] as number) - s * (lbT[j] as number);
      const upper = fTx[atTx.index[i] as number] as number;
      const lower = fT[atT.index[i] as number] as number;
      const died = upper > lower ? (logSRatio[k] as number) + logSubExp(upper, lower) : -Infinity;
      sum += (w[i] as number) * ((perX[k] as number) + logAddExp(alive, died));
    }
    return sum;
  };
}

export function fitParetoNbd(rows: readonly RepeatSummary[], o: FitOptions = {}): Fit<ParetoNbdParams> {
  const data = prepareRepeat(rows);
  if (data.rows === 0) {
    throw new ModelFitError('analytics.not_enough_data', 'paretonbd: no members to fit', { model: 'paretonbd', reason: 'no_rows' });
  }
  if (data.repeatWeight === 0) {
    throw new ModelFitError('analytics.not_enough_data', 'paretonbd: nobody made a repeat purchase', {
      model: 'paretonbd',
      reason: 'no_repeat_purchases',
    });
  }
  const ll = evaluator(data);
  const timeScale = 10 / data.maxT;
  const m = maximizeLikelihood(
    {
      model: 'paretonbd',
      names: NAMES,
      scale: [1, timeScale, 1, timeScale],
      totalWeight: data.totalWeight,
      hasGradient: false,
      logLikelihood: (p) => ll(p[0] as number, p[1] as number, p[2] as number, p[3] as number),
    },
    o,
  );
  const { r, alpha, s, beta } = m.params;
  return { params: { r, alpha, s, beta }, logLikelihood: ll(r, alpha, s, beta), iterations: m.iterations, evaluations: m.evaluations };
}

/** P(alive at T | x, t_x, T) = alive term / (alive term + died term). */
function pAlive(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  const [alive, died] = logTerms(p, x, x === 0 ? 0 : t_x, T);
  return 1 / (1 + Math.exp(died - alive));
}

/**
 * [1 - (β+T / (β+T+t))^(s-1)] / (s-1), continuous through s = 1 (where it is log((β+T+t)/(β+T))).
 */
function deathDiscount(s: number, betaT: number, t: number): number {
  const l = Math.log1p(t / betaT);
  return Math.abs(s - 1) < 1e-10 ? l : -Math.expm1(-(s - 1) * l) / (s - 1);
}

/** E[purchases in (T, T+t] | x, t_x, T] = P(alive) · (r+x)(β+T)/(α+T) · deathDiscount. */
function conditionalExpected(p: ParetoNbdParams, t: number, x: number, t_x: number, T: number): number {
  if (t <= 0) return 0;
  return pAlive(p, x, t_x, T) * ((p.r + x) / (p.alpha + T)) * (p.beta + T) * deathDiscount(p.s, p.beta + T, t);
}

export const paretoNbd = {
  /** Total log-likelihood of the rows (weights included). */
  logLikelihood(p: ParetoNbdParams, rows: readonly RepeatSummary[]): number {
    return evaluator(prepareRepeat(rows))(p.r, p.alpha, p.s, p.beta);
  },
  pAlive,
  /** Unconditional E[X(t)] = rβ/(α(s-1)) · [1 - (β/(β+t))^(s-1)]. */
  expected(p: ParetoNbdParams, t: number): number {
    return t <= 0 ? 0 : (p.r / p.alpha) * p.beta * deathDiscount(p.s, p.beta, t);
  },
  conditionalExpected,
};
