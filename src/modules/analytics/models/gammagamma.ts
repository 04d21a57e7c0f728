/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves", and Fader &
 * Hardie's note "The Gamma-Gamma model of monetary value"). A member's purchases are Gamma(p, ν) with
 * ν ~ Gamma(q, γ), so the mean of x purchases, mbar, has density
 *   Γ(px+q) / (Γ(px) Γ(q)) · γ^q x^(px) mbar^(px-1) / (γ + x·mbar)^(px+q).
 * γ is in the unit of mbar (whatever the caller uses: minor units or major); p and q have no unit.
 * Assumes spend is independent of purchase frequency: check that before using it for CLV.
 */
import { maximizeLikelihood, ModelFitError, type Fit, type FitOptions } from './fit.js';
import { digamma, gammaln } from './special.js';
import { prepareSpend, type SpendData, type SpendSummary } from './summary.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

const NAMES = ['p', 'q', 'gamma'] as const;

/**
 * Terms in x alone once per distinct x; log(mbar) once per fit; the row loop does one log. The gradient
 *   ∂p = x [ψ(px+q) - ψ(px) + log x + log mbar - log(x·mbar+γ)]
 *   ∂q = log γ - ψ(q) + ψ(px+q) - log(x·mbar+γ)
 *   ∂γ = q/γ - (px+q)/(x·mbar+γ)
 * needs only sums per distinct x of the row terms, gathered in the same loop.
 */
function evaluator(d: SpendData) {
  const levels = d.xs.values.length;
  const perX = new Float64Array(levels);
  const px = new Float64Array(levels);
  const weightX = new Float64Array(levels);
  const logMX = new Float64Array(levels);
  const logDenX = new Float64Array(levels);
  const invDenX = new Float64Array(levels);
  const { w, x, m, logM, xs } = d;
  const xi = xs.index;
  for (let i = 0; i < w.length; i++) {
    const k = xi[i] as number;
    weightX[k] = (weightX[k] as number) + (w[i] as number);
    logMX[k] = (logMX[k] as number) + (w[i] as number) * (logM[i] as number);
  }
  return (p: number, q: number, gamma: number, grad: Float64Array | null): number => {
    const head = q * Math.log(gamma) - gammaln(q);
    for (let k = 0; k < levels; k++) {
      const xv = xs.values[k] as number;
      const pxv = p * xv;
      px[k] = pxv;
      perX[k] = head + gammaln(pxv + q) - gammaln(pxv) + pxv * Math.log(xv);
    }
    if (grad) {
      logDenX.fill(0);
      invDenX.fill(0);
    }
    let sum = 0;
    for (let i = 0; i < w.length; i++) {
      const k = xi[i] as number;
      const wi = w[i] as number;
      const pxv = px[k] as number;
      const den = (x[i] as number) * (m[i] as number) + gamma;
      const logDen = Math.log(den);
      sum += wi * ((perX[k] as number) + (pxv - 1) * (logM[i] as number) - (pxv + q) * logDen);
      if (grad) {
        logDenX[k] = (logDenX[k] as number) + wi * logDen;
        invDenX[k] = (invDenX[k] as number) + wi / den;
      }
    }
    if (grad) {
      const logGamma = Math.log(gamma);
      const psiQ = digamma(q);
      let dp = 0;
      let dq = 0;
      let dgamma = 0;
      for (let k = 0; k < levels; k++) {
        const xv = xs.values[k] as number;
        const wk = weightX[k] as number;
        const pxv = px[k] as number;
        const psiPQ = digamma(pxv + q);
        dp += xv * (wk * (psiPQ - digamma(pxv) + Math.log(xv)) + (logMX[k] as number) - (logDenX[k] as number));
        dq += wk * (logGamma - psiQ + psiPQ) - (logDenX[k] as number);
        dgamma += (wk * q) / gamma - (pxv + q) * (invDenX[k] as number);
      }
      grad[0] = dp;
      grad[1] = dq;
      grad[2] = dgamma;
    }
    return sum;
  };
}

/** Fits on the rows with x > 0 (rows with x = 0 carry no spend and are skipped). */
export function fitGammaGamma(rows: readonly SpendSummary[], o: FitOptions = {}): Fit<GammaGammaParams> {
  const data = prepareSpend(rows);
  if (data.rows === 0) {
    throw new ModelFitError('analytics.not_enough_data', 'gammagamma: no member with a repeat purchase', {
      model: 'gammagamma',
      reason: 'no_repeat_purchases',
    });
  }
  if (data.distinctSpends < 2) {
    throw new ModelFitError('analytics.not_enough_data', 'gammagamma: every member spends the same, nothing to fit', {
      model: 'gammagamma',
      reason: 'too_few_spenders',
    });
  }
  const ll = evaluator(data);
  const m = maximizeLikelihood(
    {
      model: 'gammagamma',
      names: NAMES,
      scale: [1, 1, 1 / data.meanSpend],
      totalWeight: data.totalWeight,
      hasGradient: true,
      logLikelihood: (v, g) => ll(v[0] as number, v[1] as number, v[2] as number, g),
    },
    o,
  );
  const { p, q, gamma } = m.params;
  return { params: { p, q, gamma }, logLikelihood: ll(p, q, gamma, null), iterations: m.iterations, evaluations: m.evaluations };
}

/**
 * E[mean spend | x, mbar] = (γ + x·mbar) p / (px + q - 1): a weighted mean of the member's own mbar and the
 * population mean. With x = 0 it is the population mean. Infinity where the mean does not exist (px + q <= 1).
 */
function conditionalExpectedSpend(p: GammaGammaParams, x: number, mbar: number): number {
  const denominator = p.p * x + p.q - 1;
  if (denominator <= 0) return Infinity;
  return ((p.gamma + (x > 0 ? x * mbar : 0)) * p.p) / denominator;
}

export const gammaGamma = {
  /** Total log-likelihood of the rows with x > 0 (weights included). */
  logLikelihood(p: GammaGammaParams, rows: readonly SpendSummary[]): number {
    return evaluator(prepareSpend(rows))(p.p, p.q, p.gamma, null);
  },
  conditionalExpectedSpend,
  /** E[spend per purchase] over the population: pγ/(q-1), Infinity when q <= 1. */
  populationMeanSpend(p: GammaGammaParams): number {
    return conditionalExpectedSpend(p, 0, 0);
  },
};
