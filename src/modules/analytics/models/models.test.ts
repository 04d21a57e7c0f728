import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../platform/errors.js';
import {
  bgNbd,
  clv,
  fitBgNbd,
  fitGammaGamma,
  fitParetoNbd,
  gammaGamma,
  ModelFitError,
  paretoNbd,
  UNITS_PER_MONTH,
  type RepeatSummary,
  type SpendSummary,
} from './index.js';
import { bfgs, nelderMead } from './optimize.js';

// The CDNOW data of Fader, Hardie & Lee (2005), carried in the repository (see datasets/README.md).
const CDNOW = fileURLToPath(new URL('../../../../datasets/cdnow/', import.meta.url));

function csv(name: string): number[][] {
  const lines = readFileSync(CDNOW + name, 'utf8').trim().split(/\r?\n/);
  return lines.slice(1).map((line) => line.split(',').map(Number));
}

// ID,frequency,recency,T in weeks; calibration period of 39 weeks.
const cdnow: RepeatSummary[] = csv('cdnow_customers_summary.csv').map(([, x, t_x, T]) => ({ x: x!, t_x: t_x!, T: T! }));
// ID,x,t_x,T,zbar: mean repeat spend, 0 when x = 0.
const spend: SpendSummary[] = csv('cdnow_customers_summary_with_transactions.csv')
  .filter(([, x]) => x! > 0)
  .map(([, x, , , zbar]) => ({ x: x!, mbar: zbar! }));

const BGNBD = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
const PARETO = { r: 0.553, alpha: 10.58, s: 0.606, beta: 11.67 };
const GG = { p: 6.25, q: 3.74, gamma: 15.44 };

function within(actual: object, expected: object, relative: number) {
  const got = new Map<string, number>(Object.entries(actual));
  for (const [name, value] of Object.entries(expected)) {
    const a = got.get(name);
    expect(Math.abs((a ?? NaN) / value - 1), `${name} = ${a}, expected ${value}`).toBeLessThan(relative);
  }
}

function failure(run: () => unknown): ModelFitError {
  try {
    run();
  } catch (e) {
    if (e instanceof ModelFitError) return e;
    throw e;
  }
  throw new Error('expected a ModelFitError');
}

describe('BG/NBD on CDNOW', () => {
  it('reproduces the published fit from lifetimes’ start and from all parameters 1', () => {
    expect(cdnow).toHaveLength(2357);
    for (const start of [undefined, [1, 1, 1, 1]]) {
      const fit = fitBgNbd(cdnow, { start });
      within(fit.params, BGNBD, 0.01);
      expect(fit.logLikelihood).toBeCloseTo(-9582.4, 1);
    }
  });

  it('reports progress, and shrinks the parameters when penalised', () => {
    const seen: [number, number][] = [];
    const fit = fitBgNbd(cdnow, { onProgress: (i, ll) => seen.push([i, ll]) });
    expect(seen.map(([i]) => i)).toEqual(Array.from({ length: fit.iterations }, (_, i) => i + 1));
    expect(seen.at(-1)?.[1]).toBeCloseTo(fit.logLikelihood, 6);
    expect(seen[0]![1]).toBeLessThan(fit.logLikelihood);

    const penalised = fitBgNbd(cdnow, { penalizer: 0.1 });
    const size = (p: typeof fit.params) => p.r ** 2 + p.a ** 2 + p.b ** 2;
    expect(size(penalised.params)).toBeLessThan(size(fit.params));
    expect(penalised.logLikelihood).toBeLessThan(fit.logLikelihood);
  });

  it('forecasts the worked example and the published expectations', () => {
    expect(Math.abs(bgNbd.conditionalExpected(BGNBD, 39, 2, 30.43, 38.86) - 1.226)).toBeLessThan(0.001);
    // E[X(39)] from FHL (2005) eq. 7, evaluated at 40 digits.
    expect(bgNbd.expected(BGNBD, 39)).toBeCloseTo(1.1950518784095, 10);
    expect(bgNbd.expected(BGNBD, 0)).toBe(0);
    expect(bgNbd.logLikelihood(BGNBD, cdnow)).toBeCloseTo(-9582.4, 0);
  });

  it('says who is alive', () => {
    expect(bgNbd.pAlive(BGNBD, 0, 0, 38.86)).toBe(1);
    // Ten purchases in the first five weeks, then silence for 34 weeks.
    expect(bgNbd.pAlive(BGNBD, 10, 5, 39)).toBeLessThan(0.01);
    // The same purchases spread up to last week.
    expect(bgNbd.pAlive(BGNBD, 10, 38, 39)).toBeGreaterThan(0.9);
  });
});

describe('Pareto/NBD on CDNOW', () => {
  it('reproduces the published fit', () => {
    for (const start of [undefined, [1, 1, 1, 1]]) {
      const fit = fitParetoNbd(cdnow, { start });
      within(fit.params, PARETO, 0.01);
    }
  });

  it('matches the closed forms evaluated at 40 digits', () => {
    expect(paretoNbd.pAlive(PARETO, 2, 30.43, 38.86)).toBeCloseTo(0.86917148212026, 12);
    expect(paretoNbd.conditionalExpected(PARETO, 39, 2, 30.43, 38.86)).toBeCloseTo(1.45507519926584, 12);
    expect(paretoNbd.expected(PARETO, 39)).toBeCloseTo(1.21280572346022, 12);
    // Both branches of the likelihood (α < β and α > β), against 40-digit values.
    const rows = [
      { x: 3, t_x: 20, T: 39 },
      { x: 0, t_x: 0, T: 39 },
      { x: 40, t_x: 38, T: 39 },
    ];
    expect(paretoNbd.logLikelihood({ r: 0.5, alpha: 3, s: 0.7, beta: 40 }, rows)).toBeCloseTo(-56.292432093759, 9);
    expect(paretoNbd.logLikelihood({ r: 2, alpha: 50, s: 1.5, beta: 2 }, rows)).toBeCloseTo(-85.740235346842, 9);
  });

  it('stays finite for heavy buyers far from α = β, where 2F1 itself overflows', () => {
    const ll = paretoNbd.logLikelihood({ r: 5, alpha: 500, s: 0.5, beta: 0.01 }, [{ x: 2000, t_x: 30, T: 39 }]);
    expect(Number.isFinite(ll)).toBe(true);
    expect(paretoNbd.pAlive(PARETO, 20, 2, 39)).toBeLessThan(0.01);
  });
});

describe('Gamma-Gamma on the CDNOW repeat buyers', () => {
  it('reproduces the published fit and population mean spend', () => {
    expect(spend).toHaveLength(946);
    for (const start of [undefined, [1, 1, 1]]) {
      const fit = fitGammaGamma(spend, { start });
      within(fit.params, GG, 0.01);
      expect(gammaGamma.populationMeanSpend(fit.params)).toBeCloseTo(35.17, 1);
    }
  });

  it('shrinks a member’s own mean towards the population mean', () => {
    const population = gammaGamma.populationMeanSpend(GG);
    const one = gammaGamma.conditionalExpectedSpend(GG, 1, 100);
    const many = gammaGamma.conditionalExpectedSpend(GG, 50, 100);
    expect(one).toBeGreaterThan(population);
    expect(one).toBeLessThan(many);
    expect(many).toBeLessThan(100);
    expect(gammaGamma.conditionalExpectedSpend(GG, 0, 0)).toBe(population);
  });
});

describe('weights', () => {
  it('fitting a row with n = k is fitting k copies of it', () => {
    const some = cdnow.slice(0, 600);
    const weighted = some.map((row, i) => ({ ...row, n: 1 + (i % 3) }));
    const copies = some.flatMap((row, i) => Array.from({ length: 1 + (i % 3) }, () => ({ ...row })));
    const a = fitBgNbd(weighted);
    const b = fitBgNbd(copies);
    within(a.params, b.params, 1e-9);
    expect(a.logLikelihood).toBeCloseTo(b.logLikelihood, 6);

    const spendWeighted = spend.map((row, i) => ({ ...row, n: 1 + (i % 4) }));
    const spendCopies = spend.flatMap((row, i) => Array.from({ length: 1 + (i % 4) }, () => ({ ...row })));
    within(fitGammaGamma(spendWeighted).params, fitGammaGamma(spendCopies).params, 1e-6);
  });
});

describe('failures', () => {
  it('says when the data cannot identify the model', () => {
    expect(failure(() => fitBgNbd([])).code).toBe('analytics.not_enough_data');
    const nobodyCameBack = [
      { x: 0, t_x: 0, T: 30, n: 500 },
      { x: 0, t_x: 0, T: 20, n: 300 },
    ];
    const e = failure(() => fitBgNbd(nobodyCameBack));
    expect(e.code).toBe('analytics.not_enough_data');
    expect(e.details.reason).toBe('no_repeat_purchases');
    expect(e).toBeInstanceOf(AppError);
    expect(e.status).toBe(422);
    expect(failure(() => fitParetoNbd(nobodyCameBack)).code).toBe('analytics.not_enough_data');
    // One member cannot pin down four parameters: they run off instead of converging.
    const alone = failure(() => fitParetoNbd([{ x: 3, t_x: 10, T: 39 }]));
    expect(alone.code).toBe('analytics.not_enough_data');
    expect(alone.details.reason).toBe('unidentified');
    expect(failure(() => fitBgNbd([{ x: 3, t_x: 10, T: 39 }])).code).toBe('analytics.not_enough_data');
    expect(failure(() => fitGammaGamma([{ x: 0, mbar: 0 }])).code).toBe('analytics.not_enough_data');
    expect(failure(() => fitGammaGamma([{ x: 2, mbar: 10, n: 40 }])).code).toBe('analytics.not_enough_data');
  });

  it('says when the optimiser does not converge', () => {
    const e = failure(() => fitBgNbd(cdnow, { maxIterations: 3 }));
    expect(e.code).toBe('analytics.fit_failed');
    expect(e.details.reason).toBe('max_iterations');
    expect(e.details.iterations).toBe(3);
    const p = failure(() => fitParetoNbd(cdnow, { maxIterations: 3 }));
    expect(p.code).toBe('analytics.fit_failed');
  });

  it('says when the likelihood is not finite where it starts', () => {
    const e = failure(() => fitBgNbd(cdnow, { start: [1e-300, 1, 1, 1] }));
    expect(e.code).toBe('analytics.fit_failed');
    expect(e.details.reason).toBe('non_finite');
  });

  it('rejects rows that are not a summary', () => {
    expect(() => fitBgNbd([{ x: 2, t_x: 40, T: 39 }])).toThrow(
      expect.objectContaining({ code: 'analytics.invalid_summary', details: { field: 'rows[0].t_x' } }),
    );
    expect(() => fitBgNbd([{ x: 1.5, t_x: 1, T: 39 }])).toThrow(expect.objectContaining({ code: 'analytics.invalid_summary' }));
    expect(() => fitBgNbd(cdnow, { start: [1, 1] })).toThrow(expect.objectContaining({ code: 'analytics.invalid_fit_options' }));
  });
});

describe('minimisers', () => {
  // Rosenbrock's valley: minimum 0 at (1, 1), reached along a long curved ridge.
  const rosenbrock = (x: Float64Array, g?: Float64Array | null) => {
    const [a, b] = [x[0]!, x[1]!];
    if (g) {
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
    }
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  };

  it('Nelder–Mead and BFGS find the minimum of Rosenbrock’s valley', () => {
    const simplex = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 2000, xTolerance: 1e-8, fTolerance: 1e-14, initialStep: 0.5 });
    expect(simplex.status).toBe('converged');
    expect(simplex.x[0]).toBeCloseTo(1, 5);
    expect(simplex.x[1]).toBeCloseTo(1, 5);
    const quasiNewton = bfgs(rosenbrock, [-1.2, 1], { maxIterations: 500, gTolerance: 1e-10, gNoiseTolerance: 1e-10, fTolerance: 0 });
    expect(quasiNewton.status).toBe('converged');
    expect(quasiNewton.x[0]).toBeCloseTo(1, 6);
    expect(quasiNewton.x[1]).toBeCloseTo(1, 6);
  });

  it('stop at the iteration limit and on values that are not finite', () => {
    expect(nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 5, xTolerance: 0, fTolerance: 0, initialStep: 0.5 }).status).toBe(
      'max_iterations',
    );
    expect(nelderMead(() => NaN, [0, 0], { maxIterations: 5, xTolerance: 0, fTolerance: 0, initialStep: 0.5 }).status).toBe(
      'non_finite',
    );
  });
});

describe('CLV', () => {
  const member = { x: 2, t_x: 30.43, T: 38.86, mbar: 22.35 };
  const purchases = { model: 'bgnbd' as const, params: BGNBD };
  const options = { months: 12, monthlyDiscountRate: 0.01, unitsPerMonth: UNITS_PER_MONTH.week };

  it('without discounting is the purchases expected over the horizon times the expected spend', () => {
    const value = clv(purchases, GG, member, { ...options, monthlyDiscountRate: 0 });
    const horizon = 12 * UNITS_PER_MONTH.week;
    const expected =
      bgNbd.conditionalExpected(BGNBD, horizon, member.x, member.t_x, member.T) *
      gammaGamma.conditionalExpectedSpend(GG, member.x, member.mbar);
    expect(value).toBeCloseTo(expected, 9);
  });

  it('discounts, and values a lapsed member below an active one', () => {
    const value = clv(purchases, GG, member, options);
    expect(value).toBeGreaterThan(0);
    expect(value).toBeLessThan(clv(purchases, GG, member, { ...options, monthlyDiscountRate: 0 }));
    expect(clv(purchases, GG, { ...member, t_x: 3 }, options)).toBeLessThan(value / 2);
    const pareto = clv({ model: 'paretonbd', params: PARETO }, GG, member, options);
    expect(pareto).toBeGreaterThan(0);
    expect(clv(purchases, GG, member, { ...options, months: 0 })).toBe(0);
  });

  it('rejects a horizon that is not whole months', () => {
    expect(() => clv(purchases, GG, member, { ...options, months: 1.5 })).toThrow(
      expect.objectContaining({ code: 'analytics.invalid_clv_options' }),
    );
  });
});

describe('a large program', () => {
  it('fits BG/NBD and Gamma-Gamma on 200,000 weighted rows', () => {
    const truth = { r: 0.25, alpha: 30, a: 0.8, b: 2.4, p: 6, q: 3.7, gamma: 15 };
    const rows = simulate(200_000, truth);
    const purchases = fitBgNbd(rows);
    const spending = fitGammaGamma(rows.filter((row) => row.x > 0));
    for (const value of [...Object.values(purchases.params), ...Object.values(spending.params)]) {
      expect(Number.isFinite(value)).toBe(true);
    }
    // The simulated program's own parameters come back.
    within({ ...purchases.params, ...spending.params }, truth, 0.15);
  });
});

/**
 * Members simulated from BG/NBD (times in days, up to two years) and Gamma-Gamma, each row weighted 1–10,
 * with a seeded generator so the test sees the same program every run.
 */
function simulate(count: number, m: { r: number; alpha: number; a: number; b: number; p: number; q: number; gamma: number }) {
  const random = mulberry32(7);
  const gamma = (shape: number, rate: number): number => {
    // Marsaglia & Tsang; shape < 1 through Gamma(shape + 1) · U^(1/shape).
    if (shape < 1) return gamma(shape + 1, rate) * Math.pow(random(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const v = (1 + c * z) ** 3;
      if (v > 0 && Math.log(random()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
    }
  };
  const rows: (RepeatSummary & SpendSummary)[] = [];
  for (let i = 0; i < count; i++) {
    const T = 1 + Math.floor(random() * 730);
    const rate = gamma(m.r, m.alpha);
    const g = gamma(m.a, 1);
    const dropout = g / (g + gamma(m.b, 1));
    let t = 0;
    let x = 0;
    let t_x = 0;
    for (;;) {
      t += -Math.log(1 - random()) / rate;
      if (t > T) break;
      x++;
      t_x = t;
      if (random() < dropout) break;
    }
    const nu = gamma(m.q, m.gamma);
    const mbar = x > 0 ? gamma(m.p * x, nu * x) : 0;
    rows.push({ x, t_x: Math.floor(t_x), T, mbar, n: 1 + Math.floor(random() * 10) });
  }
  return rows;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
