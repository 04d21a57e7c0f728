/**
 * What every model fit shares: the options, the result, the error, and the maximum-likelihood driver. The
 * driver works on log-parameters: BFGS with the model's analytic gradient (BG/NBD, Gamma-Gamma) or central
 * differences (Pareto/NBD), then Nelder–Mead from where BFGS stopped if its line search gave up. Every way
 * of not converging ends in a ModelFitError.
 */
import { AppError } from '../../../platform/errors.js';
import { bfgs, nelderMead, type MinimizeResult } from './optimize.js';

export interface FitOptions {
  /**
   * Starting parameters in the model's order and the data's units. Default: lifetimes' start, every
   * parameter e^0.1 on the rescaled data (see `penalizer`).
   */
  start?: number[];
  /** Optimiser iterations before the fit gives up with `analytics.fit_failed` (default 3000). */
  maxIterations?: number;
  /** Called after every iteration with the best log-likelihood so far (penalty included, if any). */
  onProgress?(iteration: number, logLik: number): void;
  /**
   * L2 penalty, as in lifetimes: penalizer * sum(param^2) is added to the mean negative log-likelihood, on
   * the parameters as the optimiser sees them (time rescaled so the longest T is 10, spend so its mean is 1).
   * Default 0.
   */
  penalizer?: number;
}

export interface Fit<P> {
  params: P;
  /** Log-likelihood of the data at `params` (without any penalty). */
  logLikelihood: number;
  iterations: number;
  evaluations: number;
}

export type ModelFitErrorCode = 'analytics.fit_failed' | 'analytics.not_enough_data';

export interface ModelFitDetails {
  model: string;
  reason: 'no_rows' | 'no_repeat_purchases' | 'too_few_spenders' | 'unidentified' | 'max_iterations' | 'non_finite';
  iterations?: number;
  evaluations?: number;
  params?: Record<string, number>;
  [k: string]: unknown;
}

/** The data cannot identify the model (`not_enough_data`) or the optimiser did not converge (`fit_failed`). */
export class ModelFitError extends AppError {
  declare readonly code: ModelFitErrorCode;
  declare readonly details: ModelFitDetails;

  constructor(code: ModelFitErrorCode, message: string, details: ModelFitDetails) {
    super('unprocessable', code, message, details);
    this.name = 'ModelFitError';
  }
}

/** A likelihood to maximise, as a model hands it to the driver. */
export interface LikelihoodProblem<N extends string> {
  model: string;
  names: readonly N[];
  /** The optimiser works on log(param * scale): a time or money scale that makes ~1 a sensible start. */
  scale: readonly number[];
  totalWeight: number;
  /**
   * Total log-likelihood at `params` (natural units). A model that can also writes its gradient with
   * respect to the natural parameters into `gradient` when that is not null. Must not keep the arrays.
   */
  logLikelihood(params: Float64Array, gradient: Float64Array | null): number;
  hasGradient: boolean;
}

const DEFAULT_MAX_ITERATIONS = 3000;
// lifetimes starts every log-parameter at 0.1 on its rescaled data.
const DEFAULT_LOG_START = 0.1;
// A parameter past exp(±10) on the optimiser's scale (time rescaled so the longest T is 10, spend so its
// mean is 1) has run away: the data do not pin it down, the likelihood only creeps up towards a limit.
// The search stops as soon as one passes exp(±15); points past exp(±25) are not evaluated at all.
const LOG_BOUND = 25;
const RUNAWAY = 15;
const EDGE = 10;
const MAX_RESTARTS = 4;
const FD_STEP = 1e-5;

export interface MaximumLikelihood<N extends string> {
  params: Record<N, number>;
  iterations: number;
  evaluations: number;
}

export function maximizeLikelihood<N extends string>(problem: LikelihoodProblem<N>, o: FitOptions = {}): MaximumLikelihood<N> {
  const k = problem.names.length;
  const penalizer = o.penalizer ?? 0;
  const maxIterations = o.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!(penalizer >= 0) || !Number.isFinite(penalizer)) throw optionError('penalizer', 'must be a finite number >= 0');
  if (!(maxIterations >= 1)) throw optionError('maxIterations', 'must be at least 1');

  const theta0 = new Float64Array(k).fill(DEFAULT_LOG_START);
  if (o.start) {
    if (o.start.length !== k) throw optionError('start', `needs ${k} values (${problem.names.join(', ')})`);
    o.start.forEach((v, i) => {
      if (!(v > 0) || !Number.isFinite(v)) throw optionError(`start[${i}]`, 'must be a finite number > 0');
      theta0[i] = Math.log(v * (problem.scale[i] ?? 1));
    });
  }

  let iterations = 0;
  let evaluations = 0;
  const natural = new Float64Array(k);
  const gradNatural = new Float64Array(k);
  // The optimiser minimises the mean negative log-likelihood (plus penalty) over θ = log(param · scale).
  const objective = (theta: Float64Array, gradient: Float64Array | null): number => {
    evaluations++;
    let penalty = 0;
    for (let i = 0; i < k; i++) {
      const t = theta[i] ?? NaN;
      if (!(Math.abs(t) <= LOG_BOUND)) return Infinity;
      const scaled = Math.exp(t);
      penalty += scaled * scaled;
      natural[i] = scaled / (problem.scale[i] ?? 1);
    }
    const ll = problem.logLikelihood(natural, gradient ? gradNatural : null);
    if (gradient) {
      for (let i = 0; i < k; i++) {
        const scaled = Math.exp(theta[i] ?? NaN);
        gradient[i] = (-(gradNatural[i] ?? NaN) * (natural[i] ?? NaN)) / problem.totalWeight + 2 * penalizer * scaled * scaled;
      }
    }
    return -ll / problem.totalWeight + penalizer * penalty;
  };

  const toLogLik = (v: number) => -v * problem.totalWeight;
  let x: Float64Array = theta0;
  const fail = (r: MinimizeResult) => {
    if (r.status === 'non_finite' || !Number.isFinite(r.value)) {
      return new ModelFitError('analytics.fit_failed', `${problem.model}: the log-likelihood is not finite at the start`, {
        model: problem.model,
        reason: 'non_finite',
        iterations,
        evaluations,
        params: named(problem, r.x),
      });
    }
    return new ModelFitError('analytics.fit_failed', `${problem.model}: the fit did not converge in ${maxIterations} iterations`, {
      model: problem.model,
      reason: 'max_iterations',
      iterations,
      evaluations,
      params: named(problem, r.x),
      logLikelihood: toLogLik(r.value),
    });
  };

  // Without an analytic gradient, central differences: 2k extra values per gradient, still ~3x fewer than
  // the simplex needs on these smooth likelihoods.
  const probe = new Float64Array(k);
  const withGradient = problem.hasGradient
    ? objective
    : (theta: Float64Array, gradient: Float64Array | null): number => {
        const v = objective(theta, null);
        if (gradient) {
          probe.set(theta);
          for (let i = 0; i < k; i++) {
            const t = theta[i] ?? NaN;
            probe[i] = t + FD_STEP;
            const up = objective(probe, null);
            probe[i] = t - FD_STEP;
            gradient[i] = (up - objective(probe, null)) / (2 * FD_STEP);
            probe[i] = t;
          }
        }
        return v;
      };

  // Progress, and a stop as soon as a parameter runs off: on such data the optimiser would otherwise crawl
  // along an ever flatter likelihood until it runs out of iterations.
  const watch =
    (before: number) =>
    (i: number, v: number, at: Float64Array): boolean => {
      o.onProgress?.(before + i, toLogLik(v));
      return at.some((t) => Math.abs(t) > RUNAWAY);
    };
  const unidentified = (at: Float64Array) =>
    new ModelFitError(
      'analytics.not_enough_data',
      `${problem.model}: the data do not identify the model (a parameter runs off to 0 or infinity)`,
      { model: problem.model, reason: 'unidentified', iterations, evaluations, params: named(problem, at) },
    );

  // Tolerances are on the mean over members, so they do not depend on the size of the data.
  const quasiNewton = bfgs(withGradient, x, {
    maxIterations,
    gTolerance: 1e-8,
    gNoiseTolerance: 1e-5,
    fTolerance: 1e-13,
    onIteration: watch(0),
  });
  iterations += quasiNewton.iterations;
  if (quasiNewton.status === 'stopped') throw unidentified(quasiNewton.x);
  if (quasiNewton.status === 'non_finite' || quasiNewton.status === 'max_iterations') throw fail(quasiNewton);
  x = quasiNewton.x;
  // A failed line search means the gradient and the values disagree at this precision (a kink, or a
  // finite-difference gradient at its limit): the simplex, which needs values only, finishes from there.
  const simplex = quasiNewton.status === 'line_search_failed';

  let best = Infinity;
  for (let run = 0; simplex && run <= MAX_RESTARTS; run++) {
    const done = iterations;
    const r = nelderMead((theta) => objective(theta, null), x, {
      maxIterations: maxIterations - iterations,
      xTolerance: 1e-6,
      fTolerance: 1e-11,
      initialStep: 0.1,
      onIteration: watch(done),
    });
    iterations += r.iterations;
    if (r.status === 'stopped') throw unidentified(r.x);
    if (r.status !== 'converged' || !Number.isFinite(r.value)) throw fail(r);
    x = r.x;
    // A simplex can collapse before the optimum; a fresh one from the best point confirms or moves on.
    const improved = best - r.value > 1e-10;
    best = Math.min(best, r.value);
    if (run > 0 && !improved) break;
  }

  if (x.some((t) => Math.abs(t) > EDGE)) throw unidentified(x);
  return { params: named(problem, x), iterations, evaluations };
}

/** Natural parameters by name from log-parameters on the optimiser's scale. */
function named<N extends string>(problem: LikelihoodProblem<N>, theta: Float64Array): Record<N, number> {
  const out = {} as Record<N, number>; // every name is set just below
  problem.names.forEach((name, i) => (out[name] = Math.exp(theta[i] ?? NaN) / (problem.scale[i] ?? 1)));
  return out;
}

function optionError(field: string, message: string): AppError {
  return new AppError('invalid', 'analytics.invalid_fit_options', `${field} ${message}`, { field });
}
