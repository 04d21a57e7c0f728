/**
 * Minimisers for the model fits, written here: npm's `fmin` (the only small JavaScript candidate) is
 * unmaintained, untyped and stops on a fixed error delta only. The models minimise over log-parameters, so
 * the search is unconstrained and scale-free.
 * - `bfgs` follows the gradient (analytic where a model has a cheap one, else central differences): on a
 *   large program it needs 5–25x fewer likelihood evaluations than the simplex, each a pass over every row.
 * - `nelderMead` needs values only: it finishes where BFGS's line search gives up. Coefficients are the
 *   adaptive ones of Gao & Han (2012), which behave like the classic ones in 2–4 dimensions.
 * No allocation per iteration: points are preallocated Float64Arrays that the objective receives (it must
 * not keep them).
 */

export interface MinimizeOptions {
  /** Stop with status 'max_iterations' after this many simplex iterations. */
  maxIterations: number;
  /** Converged when every vertex is within this of the best, coordinate-wise… */
  xTolerance: number;
  /** …and every vertex's value is within this of the best value. */
  fTolerance: number;
  /** Edge length of the starting simplex. */
  initialStep: number;
  /** Called after each iteration with the best value and point so far; returning true stops ('stopped'). */
  onIteration?(iteration: number, best: number, x: Float64Array): boolean | void;
}

export type MinimizeStatus = 'converged' | 'max_iterations' | 'non_finite' | 'line_search_failed' | 'stopped';

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
  status: MinimizeStatus;
}

/** Minimise `f` from `x0`. Non-finite values of `f` count as +Infinity (the simplex moves away from them). */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  o: MinimizeOptions,
): MinimizeResult {
  const n = x0.length;
  const rho = 1;
  const chi = 1 + 2 / n;
  const psi = 0.75 - 1 / (2 * n);
  const sigma = 1 - 1 / n;

  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  const simplex: Float64Array[] = [];
  const values = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const v = Float64Array.from(x0);
    if (i > 0) v[i - 1] = (v[i - 1] ?? 0) + o.initialStep;
    simplex.push(v);
  }
  for (let i = 0; i <= n; i++) values[i] = evaluate(vertex(simplex, i));
  if (!Number.isFinite(values[0] ?? NaN)) {
    return { x: Float64Array.from(x0), value: NaN, iterations: 0, evaluations, status: 'non_finite' };
  }

  const order = new Int32Array(n + 1);
  const centroid = new Float64Array(n);
  const xr = new Float64Array(n);
  const xe = new Float64Array(n);
  const xc = new Float64Array(n);
  // x = (1 + t) c - t worst: reflection (t = rho), expansion (rho chi), contractions (psi rho, -psi).
  const along = (out: Float64Array, worst: Float64Array, t: number) => {
    for (let j = 0; j < n; j++) out[j] = (1 + t) * (centroid[j] ?? 0) - t * (worst[j] ?? 0);
  };

  let iterations = 0;
  for (;;) {
    sortOrder(order, values);
    const best = order[0] ?? 0;
    const worstIdx = order[n] ?? 0;
    const secondWorst = order[n - 1] ?? 0;
    const fBest = values[best] ?? Infinity;
    if (converged(simplex, values, best, o)) break;
    if (iterations >= o.maxIterations) {
      return result(simplex, values, best, iterations, evaluations, 'max_iterations');
    }
    iterations++;

    centroid.fill(0);
    for (let i = 0; i <= n; i++) {
      if (i === worstIdx) continue;
      const v = vertex(simplex, i);
      for (let j = 0; j < n; j++) centroid[j] = (centroid[j] ?? 0) + (v[j] ?? 0) / n;
    }
    const worst = vertex(simplex, worstIdx);
    const fWorst = values[worstIdx] ?? Infinity;

    along(xr, worst, rho);
    const fr = evaluate(xr);
    if (fr < fBest) {
      along(xe, worst, rho * chi);
      const fe = evaluate(xe);
      if (fe < fr) replace(simplex, values, worstIdx, xe, fe);
      else replace(simplex, values, worstIdx, xr, fr);
    } else if (fr < (values[secondWorst] ?? Infinity)) {
      replace(simplex, values, worstIdx, xr, fr);
    } else {
      const outside = fr < fWorst;
      along(xc, worst, outside ? psi * rho : -psi);
      const fc = evaluate(xc);
      if (outside ? fc <= fr : fc < fWorst) {
        replace(simplex, values, worstIdx, xc, fc);
      } else {
        const b = vertex(simplex, best);
        for (let i = 0; i <= n; i++) {
          if (i === best) continue;
          const v = vertex(simplex, i);
          for (let j = 0; j < n; j++) v[j] = (b[j] ?? 0) + sigma * ((v[j] ?? 0) - (b[j] ?? 0));
          values[i] = evaluate(v);
        }
      }
    }
    if (o.onIteration) {
      const at = argMin(values);
      if (o.onIteration(iterations, values[at] ?? Infinity, vertex(simplex, at))) {
        return result(simplex, values, at, iterations, evaluations, 'stopped');
      }
    }
  }
  sortOrder(order, values);
  return result(simplex, values, order[0] ?? 0, iterations, evaluations, 'converged');
}

function argMin(values: Float64Array): number {
  let at = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? Infinity) < (values[at] ?? Infinity)) at = i;
  return at;
}

function vertex(simplex: Float64Array[], i: number): Float64Array {
  const v = simplex[i];
  if (!v) throw new Error(`simplex vertex ${i} missing`);
  return v;
}

function replace(simplex: Float64Array[], values: Float64Array, i: number, x: Float64Array, fx: number) {
  vertex(simplex, i).set(x);
  values[i] = fx;
}

function sortOrder(order: Int32Array, values: Float64Array) {
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = 1; i < order.length; i++) {
    const k = order[i] ?? 0;
    const vk = values[k] ?? Infinity;
    let j = i - 1;
    while (j >= 0 && (values[order[j] ?? 0] ?? Infinity) > vk) {
      order[j + 1] = order[j] ?? 0;
      j--;
    }
    order[j + 1] = k;
  }
}

function converged(simplex: Float64Array[], values: Float64Array, best: number, o: MinimizeOptions): boolean {
  const b = vertex(simplex, best);
  const fb = values[best] ?? Infinity;
  for (let i = 0; i < simplex.length; i++) {
    if (i === best) continue;
    if (!(Math.abs((values[i] ?? Infinity) - fb) <= o.fTolerance)) return false;
    const v = vertex(simplex, i);
    for (let j = 0; j < b.length; j++) if (!(Math.abs((v[j] ?? 0) - (b[j] ?? 0)) <= o.xTolerance)) return false;
  }
  return true;
}

function result(
  simplex: Float64Array[],
  values: Float64Array,
  best: number,
  iterations: number,
  evaluations: number,
  status: MinimizeStatus,
): MinimizeResult {
  return { x: Float64Array.from(vertex(simplex, best)), value: values[best] ?? NaN, iterations, evaluations, status };
}

export interface GradientMinimizeOptions {
  maxIterations: number;
  /** Converged when every component of the gradient is at most this… */
  gTolerance: number;
  /**
   * …or when it is at most `gNoiseTolerance` and no better point can be told apart any more: the decrease
   * the quasi-Newton model predicts (gᵀHg/2) is below `fTolerance`, or no step decreases f. A sum over
   * many rows has rounding noise far above what a strict gradient tolerance asks of it.
   */
  gNoiseTolerance: number;
  fTolerance: number;
  /** As for nelderMead. */
  onIteration?(iteration: number, best: number, x: Float64Array): boolean | void;
}

// Longest step in any coordinate (log-parameters: a factor e^2 per step at most), so a bad early Hessian
// guess cannot throw the point to where the likelihood underflows.
const MAX_STEP = 2;
const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 60;

/**
 * BFGS with a backtracking (Armijo) line search. `fg` returns f(x) and writes the gradient into `g`.
 * Ends 'line_search_failed' when no step decreases f (a noisy or non-smooth objective): the caller can go
 * on from the returned point with Nelder–Mead.
 */
export function bfgs(
  fg: (x: Float64Array, g: Float64Array) => number,
  x0: ArrayLike<number>,
  o: GradientMinimizeOptions,
): MinimizeResult {
  const n = x0.length;
  let evaluations = 0;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const xn = new Float64Array(n);
  const gn = new Float64Array(n);
  const d = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const hy = new Float64Array(n);
  const H = new Float64Array(n * n);
  const evaluate = (at: Float64Array, grad: Float64Array): number => {
    evaluations++;
    const v = fg(at, grad);
    return Number.isFinite(v) && allFinite(grad) ? v : Infinity;
  };
  const identity = () => {
    H.fill(0);
    for (let i = 0; i < n; i++) H[i * n + i] = 1;
  };

  let f = evaluate(x, g);
  if (!Number.isFinite(f)) return { x, value: NaN, iterations: 0, evaluations, status: 'non_finite' };
  identity();
  let fresh = true;
  let iterations = 0;
  for (;;) {
    const gMax = maxAbs(g);
    const done = (status: MinimizeStatus): MinimizeResult => ({ x, value: f, iterations, evaluations, status });
    if (gMax <= o.gTolerance) return done('converged');
    if (iterations >= o.maxIterations) return done('max_iterations');
    iterations++;

    let slope = 0;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v -= (H[i * n + j] ?? 0) * (g[j] ?? 0);
      d[i] = v;
      slope += v * (g[i] ?? 0);
    }
    if (!(slope < 0)) {
      // The inverse-Hessian estimate lost positive definiteness: steepest descent.
      identity();
      fresh = true;
      slope = 0;
      for (let i = 0; i < n; i++) {
        d[i] = -(g[i] ?? 0);
        slope -= (g[i] ?? 0) * (g[i] ?? 0);
      }
    }
    if (!fresh && -slope / 2 <= o.fTolerance && gMax <= o.gNoiseTolerance) return done('converged');
    let t = Math.min(1, MAX_STEP / maxAbs(d));
    let fn = Infinity;
    let accepted = false;
    for (let k = 0; k < MAX_BACKTRACKS; k++) {
      for (let i = 0; i < n; i++) xn[i] = (x[i] ?? 0) + t * (d[i] ?? 0);
      fn = evaluate(xn, gn);
      if (fn <= f + ARMIJO * t * slope) {
        accepted = true;
        break;
      }
      // Minimum of the quadratic through f, the slope and fn, kept within [0.1 t, 0.5 t].
      const q = Number.isFinite(fn) ? (-slope * t * t) / (2 * (fn - f - slope * t)) : 0.1 * t;
      t = Math.min(0.5 * t, Math.max(0.1 * t, q));
    }
    // A step that only passes Armijo by rounding (f + tiny == f) makes no progress either.
    if (!accepted || !(fn < f)) return done(gMax <= o.gNoiseTolerance ? 'converged' : 'line_search_failed');

    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = (xn[i] ?? 0) - (x[i] ?? 0);
      y[i] = (gn[i] ?? 0) - (g[i] ?? 0);
      sy += (s[i] ?? 0) * (y[i] ?? 0);
      yy += (y[i] ?? 0) * (y[i] ?? 0);
    }
    x.set(xn);
    g.set(gn);
    f = fn;
    if (o.onIteration?.(iterations, f, x)) return done('stopped');
    // Update only with positive curvature (Armijo alone does not guarantee it).
    if (sy > 1e-12 * Math.sqrt(yy) * norm(s)) {
      if (fresh) {
        // Scale the first guess to the curvature seen (Nocedal & Wright, eq. 6.20).
        for (let i = 0; i < n * n; i++) H[i] = (H[i] ?? 0) * (sy / yy);
        fresh = false;
      }
      // H <- (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ, written out with Hy.
      const rho = 1 / sy;
      let yHy = 0;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += (H[i * n + j] ?? 0) * (y[j] ?? 0);
        hy[i] = v;
        yHy += (y[i] ?? 0) * v;
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const si = s[i] ?? 0;
          const sj = s[j] ?? 0;
          H[i * n + j] =
            (H[i * n + j] ?? 0) - rho * ((hy[i] ?? 0) * sj + si * (hy[j] ?? 0)) + (rho * rho * yHy + rho) * si * sj;
        }
      }
    }
  }
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (const e of v) m = Math.max(m, Math.abs(e));
  return m;
}

function norm(v: Float64Array): number {
  let sum = 0;
  for (const e of v) sum += e * e;
  return Math.sqrt(sum);
}

function allFinite(v: Float64Array): boolean {
  for (const e of v) if (!Number.isFinite(e)) return false;
  return true;
}
