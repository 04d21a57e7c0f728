/**
 * The CPU-heavy part of a lifetime-value job, with no database: the purchase model (BG/NBD or Pareto/NBD)
 * and Gamma-Gamma fitted on the distinct repeat-purchase summaries, and each distinct summary's scores. It
 * runs in a worker thread (analytics.fit.worker.ts) so that a fit of minutes never blocks the server.
 */
import { fitBgNbd, fitParetoNbd, fitGammaGamma, bgNbd, paretoNbd, discountedPurchases, ModelFitError, UNITS_PER_MONTH, type RepeatSummary, type PurchaseModel } from './models/index.js';

export type ModelName = 'bgnbd' | 'paretonbd';
export type RiskBand = 'low' | 'medium' | 'high' | 'lost';
export const RISK_BANDS: readonly RiskBand[] = ['low', 'medium', 'high', 'lost'];

/** The model's time unit is the week, as in the published CDNOW results. */
export const WEEK_DAYS = 7;
/** Churn risk compares a member's chance to buy in the next 90 days with a newly enrolled buyer's. */
const RISK_WINDOW_WEEKS = 90 / WEEK_DAYS;

export interface FitInput {
  model: ModelName;
  horizonMonths: number;
  annualDiscountRate: number;
  /** The distinct (x, t_x, T) in days, with how many members share each. */
  triples: { x: Int32Array; tx: Int32Array; tt: Int32Array; n: Int32Array };
  /** The distinct (x, mean repeat spend) of repeat buyers who spent, with their counts. */
  spends: { x: Int32Array; mbar: Float64Array; n: Int32Array };
}

export interface FitOutput {
  purchase: { params: Record<string, number>; logLikelihood: number; iterations: number };
  spend: { params: { p: number; q: number; gamma: number }; logLikelihood: number; iterations: number };
  /** Per distinct summary, in the order of `triples`: P(alive), expected and discounted purchases, risk band (index in RISK_BANDS). */
  alive: Float64Array;
  expected: Float64Array;
  discounted: Float64Array;
  risk: Uint8Array;
}

/**
 * The churn-risk band: `lost` when the model gives the member under a 10 % chance of still being a customer;
 * otherwise by their chance to buy in the next 90 days as a share of a brand-new buyer's, which measures
 * lapse against the program's own purchase cycle (≥ 60 % low, ≥ 30 % medium, ≥ 10 % high, below that lost).
 */
export function riskBand(pAlive: number, ratio: number): RiskBand {
  if (pAlive < 0.1) return 'lost';
  return ratio >= 0.6 ? 'low' : ratio >= 0.3 ? 'medium' : ratio >= 0.1 ? 'high' : 'lost';
}

export function fitAndScore(input: FitInput): FitOutput {
  const { triples: t, spends: s } = input;
  // A buyer whose first purchase is on the last day (T = 0) tells the likelihood nothing; they are scored, not fitted on.
  const rows: RepeatSummary[] = [];
  for (let i = 0; i < t.x.length; i++) if (t.tt[i]! > 0) rows.push({ x: t.x[i]!, t_x: t.tx[i]! / WEEK_DAYS, T: t.tt[i]! / WEEK_DAYS, n: t.n[i]! });
  let fitted: PurchaseModel;
  let fit: { params: Record<string, number>; logLikelihood: number; iterations: number };
  if (input.model === 'paretonbd') {
    const f = fitParetoNbd(rows);
    fitted = { model: 'paretonbd', params: f.params };
    fit = { ...f, params: { ...f.params } };
  } else {
    const f = fitBgNbd(rows);
    fitted = { model: 'bgnbd', params: f.params };
    fit = { ...f, params: { ...f.params } };
  }
  const { r, alpha } = fitted.params;
  const pAlive = (x: number, tx: number, T: number) =>
    fitted.model === 'paretonbd' ? paretoNbd.pAlive(fitted.params, x, tx, T) : bgNbd.pAlive(fitted.params, x, tx, T);
  /** P(no purchase in the next w weeks | alive): the Gamma posterior of the purchase rate. */
  const quiet = (w: number, x: number, T: number) => Math.pow((alpha + T) / (alpha + T + w), r + x);

  const spendRows = Array.from(s.x, (x, i) => ({ x, mbar: s.mbar[i]!, n: s.n[i]! }));
  const spend = fitGammaGamma(spendRows);
  const gg = spend.params;
  if (!(gg.q > 1)) throw new ModelFitError('analytics.fit_failed', 'The spend model has no finite mean (q ≤ 1)', { model: 'gammagamma', reason: 'unidentified', params: { ...gg } });

  const months = { months: input.horizonMonths, monthlyDiscountRate: Math.pow(1 + input.annualDiscountRate, 1 / 12) - 1, unitsPerMonth: UNITS_PER_MONTH.week };
  const newcomer = 1 - quiet(RISK_WINDOW_WEEKS, 0, 0);
  const n = t.x.length;
  const out = { alive: new Float64Array(n), expected: new Float64Array(n), discounted: new Float64Array(n), risk: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const x = t.x[i]!;
    const T = t.tt[i]! / WEEK_DAYS;
    const tx = t.tx[i]! / WEEK_DAYS;
    const alive = pAlive(x, tx, T);
    const { expected, discounted } = discountedPurchases(fitted, { x, t_x: tx, T }, months);
    if (!Number.isFinite(alive) || !Number.isFinite(expected) || !Number.isFinite(discounted)) {
      throw new ModelFitError('analytics.fit_failed', 'The fitted model gives a non-finite score', { model: input.model, reason: 'non_finite', x, t_x: tx, T });
    }
    const buys = alive * (1 - quiet(RISK_WINDOW_WEEKS, x, T));
    out.alive[i] = alive;
    out.expected[i] = expected;
    out.discounted[i] = discounted;
    out.risk[i] = RISK_BANDS.indexOf(riskBand(alive, newcomer > 0 ? buys / newcomer : 0));
  }
  return {
    purchase: { params: fit.params, logLikelihood: fit.logLikelihood, iterations: fit.iterations },
    spend: { params: { p: gg.p, q: gg.q, gamma: gg.gamma }, logLikelihood: spend.logLikelihood, iterations: spend.iterations },
    ...out,
  };
}
