/**
 * Churn and lifetime value: each member's repeat-purchase summary (x, t_x, T over purchase days), a
 * BG/NBD or Pareto/NBD fit on it, a Gamma-Gamma fit on repeat spend, and every member's scores written to
 * member_scores under the job's id. Nothing of it holds a long transaction (on PGlite, the only connection):
 * the summaries are read in short reads, the fit runs in a worker thread on the distinct (x, t_x, T) rows
 * with how many members share each, and the scores go back in batches of a few thousand rows, each its own
 * statement. The job's rows are read by nobody until the job switches the program's current scores to them.
 */
import type { Db, Queryable } from '../../platform/db.js';
import { pgArray } from '../../platform/db.js';
import { AppError, type ErrorKind } from '../../platform/errors.js';
import { besideModule, runWorker } from '../../platform/threads.js';
import { ModelFitError, type ModelFitDetails, type ModelFitErrorCode } from './models/index.js';
import { quintile, rfmSegment } from './analytics.rfm.js';
import { roomy } from './analytics.service.js';
import { RISK_BANDS, WEEK_DAYS, type FitInput, type FitOutput, type ModelName, type RiskBand } from './analytics.fit.js';

export type { ModelName, RiskBand };
export { riskBand } from './analytics.fit.js';

const DAY = 86_400_000;
/** Orders per summary read on PGlite, where a read holds the only connection and the event loop while it runs. */
const READ_CHUNK_ORDERS = 20_000;
/** Score rows per insert: a few thousand keep each statement short on PGlite and cheap on PostgreSQL. */
const WRITE_BATCH = { pglite: 1000, postgres: 5000 } as const;

export interface ScoreOptions {
  programId: string;
  jobId: string;
  /** Orders before this instant are the calibration data; T runs to the day before it. */
  asOf: Date;
  /** Only members whose first purchase is on or after this. */
  since: Date | null;
  model: ModelName;
  horizonMonths: number;
  annualDiscountRate: number;
  now: Date;
  /** On PostgreSQL the job's transaction gets room to sort and hash in memory. */
  postgres: boolean;
  progress(step: string, done?: number, total?: number): Promise<void>;
  /** Called between reads and writes: throws when the job may no longer go on (its lease was lost). */
  checkpoint(): void;
  /** Fits the models: in a worker thread (`fitInWorker`). */
  fit(input: FitInput): Promise<FitOutput>;
}

/**
 * Each buyer's summary, in whole days since 1970-01-01: x (purchase days after the first), first and last
 * purchase day, orders, net spend and the first day's spend. `$1` program, `$2` as_of, `$3` first day from.
 */
const SUMMARY_SELECT = `
  with d as (
    select member_id, ((occurred_at at time zone 'UTC')::date - date '1970-01-01') as day,
           count(*)::int as n, sum(amount - refunded_amount)::bigint as v
    from orders
    where program_id = $1 and member_id is not null and occurred_at < $2
    group by 1, 2
  )
  select member_id, (count(*) - 1)::int as x, min(day) as first_day, max(day) as last_day,
         sum(n)::int as orders, sum(v)::bigint as total, (min(array[day::bigint, v]))[2] as first_value
  from d group by member_id
  having $3::int is null or min(day) >= $3::int`;
/** The same for the buyers whose id is after `$4` and up to `$5`. */
const SUMMARY_RANGE = SUMMARY_SELECT.replace('and occurred_at < $2', 'and occurred_at < $2 and member_id > $4 and ($5::text is null or member_id <= $5)');

/** The day T runs to: the day before `as_of` when it is a midnight (an exclusive end), else its own day. */
const lastDay = (asOf: Date) => Math.floor(asOf.getTime() / DAY) - (asOf.getTime() % DAY === 0 ? 1 : 0);
const firstDay = (since: Date | null) => (since ? Math.ceil(since.getTime() / DAY) : null);

export interface MemberSummary {
  member_id: string;
  /** Repeat purchase days. */
  x: number;
  /** Weeks from the first to the last purchase day. */
  t_x: number;
  /** Weeks from the first purchase day to the end of the data. */
  T: number;
  /** Mean spend of the repeat purchase days (minor units); 0 when x = 0. */
  mbar: number;
  orders: number;
  spent: number;
}

/** The repeat-purchase summary (x, t_x, T, mean repeat spend) of every buyer, in weeks, ordered by member id. */
export async function memberSummaries(q: Queryable, programId: string, asOf: Date, since: Date | null): Promise<MemberSummary[]> {
  const rows = await q.query<{ member_id: string; x: number; first_day: number; last_day: number; orders: number; total: number; first_value: number }>(
    `${SUMMARY_SELECT} order by member_id`,
    [programId, asOf, firstDay(since)],
  );
  const end = lastDay(asOf);
  const weeks = (days: number) => Math.round((days / WEEK_DAYS) * 1e4) / 1e4;
  return rows.map((r) => ({
    member_id: r.member_id,
    x: r.x,
    t_x: weeks(r.last_day - r.first_day),
    T: weeks(end - r.first_day),
    mbar: r.x > 0 ? Math.round(((r.total - r.first_value) / r.x) * 100) / 100 : 0,
    orders: r.orders,
    spent: r.total,
  }));
}


/** Lets the event loop serve what is waiting (HTTP requests, lease renewals) between two steps of a job. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface SummaryRow {
  member_id: string;
  x: number;
  first_day: number;
  last_day: number;
  orders: number;
  total: number;
  first_value: number;
}

/**
 * Every buyer's summary in short reads. On PostgreSQL one read does (it runs on a pooled connection and
 * blocks nothing else); on PGlite the buyers are read a range of member ids at a time, each range about
 * READ_CHUNK_ORDERS orders, with the event loop let through between reads.
 */
async function readSummaries(db: Db, o: ScoreOptions): Promise<SummaryRow[]> {
  const args = [o.programId, o.asOf, firstDay(o.since)];
  if (o.postgres) return roomy(db).query<SummaryRow>(SUMMARY_SELECT, args);
  const rows: SummaryRow[] = [];
  let after = '';
  for (;;) {
    o.checkpoint();
    const [edge] = await db.query<{ member_id: string }>(
      `select member_id from orders where program_id = $1 and member_id > $2 order by member_id offset $3 limit 1`,
      [o.programId, after, READ_CHUNK_ORDERS - 1],
    );
    // No edge: the rest of the buyers fit in one last read.
    const upTo = edge?.member_id ?? null;
    for (const r of await db.query<SummaryRow>(SUMMARY_RANGE, [...args, after, upTo])) rows.push(r);
    await o.progress('summarising purchases', rows.length);
    await yieldToEventLoop();
    if (upTo === null) return rows;
    after = upTo;
  }
}

/** How many of the sorted `values` are below `v`: the 1-based rank of `v` with ties sharing the lowest, minus one. */
function below(values: Float64Array, v: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Fits the models on the program's purchases and writes every buyer's scores under the job; returns the job's result. */
export async function scoreMembers(db: Db, o: ScoreOptions) {
  const timings: Record<string, number> = {};
  let t0 = Date.now();
  const lap = (k: string) => {
    const t = Date.now();
    timings[k] = t - t0;
    t0 = t;
  };
  await o.progress('summarising purchases');
  const asOfDay = lastDay(o.asOf);
  const members = await readSummaries(db, o);
  if (members.length === 0) throw new ModelFitError('analytics.not_enough_data', 'No member has bought anything before as_of', { model: o.model, reason: 'no_rows' });

  // The distinct (x, t_x, T) with their counts, and each member's index among them.
  const tripleOf = new Int32Array(members.length);
  const index = new Map<string, number>();
  const tx: number[] = [];
  const tt: number[] = [];
  const tn: number[] = [];
  const xs: number[] = [];
  const spendIndex = new Map<string, number>();
  const spend = { x: [] as number[], mbar: [] as number[], n: [] as number[] };
  members.forEach((m, i) => {
    const key = `${m.x},${m.last_day - m.first_day},${asOfDay - m.first_day}`;
    let k = index.get(key);
    if (k === undefined) {
      k = xs.length;
      index.set(key, k);
      xs.push(m.x);
      tx.push(m.last_day - m.first_day);
      tt.push(asOfDay - m.first_day);
      tn.push(0);
    }
    tn[k]!++;
    tripleOf[i] = k;
    const repeat = m.total - m.first_value;
    if (m.x > 0 && repeat > 0) {
      const mbar = repeat / m.x;
      const sk = `${m.x},${mbar}`;
      const j = spendIndex.get(sk);
      if (j === undefined) {
        spendIndex.set(sk, spend.x.length);
        spend.x.push(m.x);
        spend.mbar.push(mbar);
        spend.n.push(1);
      } else spend.n[j]!++;
    }
  });
  lap('summary_ms');

  o.checkpoint();
  await o.progress('fitting the models', 0, xs.length);
  const fitted = await o.fit({
    model: o.model,
    horizonMonths: o.horizonMonths,
    annualDiscountRate: o.annualDiscountRate,
    triples: { x: Int32Array.from(xs), tx: Int32Array.from(tx), tt: Int32Array.from(tt), n: Int32Array.from(tn) },
    spends: { x: Int32Array.from(spend.x), mbar: Float64Array.from(spend.mbar), n: Int32Array.from(spend.n) },
  });
  lap('fit_ms');

  // RFM over the same summary: recency by last purchase day, frequency by orders, monetary by net spend, each
  // scored by quintile of rank among all buyers (ties share the lowest rank).
  const n = members.length;
  const sorted = (f: (m: SummaryRow) => number) => Float64Array.from(members, f).sort();
  const byLast = sorted((m) => m.last_day);
  const byOrders = sorted((m) => m.orders);
  const byTotal = sorted((m) => m.total);
  const { p, q, gamma } = fitted.spend.params;
  const totals = new Map<RiskBand, { members: number; clv: number }>(RISK_BANDS.map((b) => [b, { members: 0, clv: 0 }]));
  let expectedSum = 0;
  let clvSum = 0;

  await o.progress('scoring members', 0, n);
  const batch = o.postgres ? WRITE_BATCH.postgres : WRITE_BATCH.pglite;
  for (let from = 0; from < n; from += batch) {
    o.checkpoint();
    const c = { id: [] as string[], r: [] as number[], f: [] as number[], m: [] as number[], seg: [] as string[], x: [] as number[], alive: [] as number[], exp: [] as number[], spend: [] as number[], clv: [] as number[], risk: [] as string[] };
    for (let i = from; i < Math.min(from + batch, n); i++) {
      const m = members[i]!;
      const k = tripleOf[i]!;
      const repeat = m.total - m.first_value;
      const perOrder = m.x > 0 && repeat > 0 ? (p * (gamma + m.x * (repeat / m.x))) / (p * m.x + q - 1) : (p * gamma) / (q - 1);
      const r = quintile(below(byLast, m.last_day) + 1, n);
      const f = quintile(below(byOrders, m.orders) + 1, n);
      const mo = quintile(below(byTotal, m.total) + 1, n);
      const risk = RISK_BANDS[fitted.risk[k]!]!;
      const clv = Math.round(fitted.discounted[k]! * perOrder);
      c.id.push(m.member_id);
      c.r.push(r);
      c.f.push(f);
      c.m.push(mo);
      c.seg.push(rfmSegment(r, f, mo));
      c.x.push(m.x);
      c.alive.push(fitted.alive[k]!);
      c.exp.push(fitted.expected[k]!);
      c.spend.push(Math.round(perOrder));
      c.clv.push(clv);
      c.risk.push(risk);
      const band = totals.get(risk)!;
      band.members++;
      band.clv += clv;
      expectedSum += fitted.expected[k]!;
      clvSum += clv;
    }
    await db.query(
      `insert into member_scores (program_id, member_id, as_of, computed_at, job_id, model, recency_score, frequency_score, monetary_score,
                                  rfm_segment, repeat_purchases, p_alive, expected_purchases, expected_spend, clv, churn_risk)
       select $1, t.member_id, $2, $3, $4, $5, t.r, t.f, t.m, t.seg, t.x, t.p_alive, t.expected, t.spend, t.clv, t.risk
       from unnest($6::text[], $7::int2[], $8::int2[], $9::int2[], $10::text[], $11::int[], $12::float8[], $13::float8[], $14::bigint[], $15::bigint[], $16::text[])
         as t(member_id, r, f, m, seg, x, p_alive, expected, spend, clv, risk)`,
      [o.programId, o.asOf, o.now, o.jobId, o.model, pgArray(c.id), pgArray(c.r), pgArray(c.f), pgArray(c.m), pgArray(c.seg), pgArray(c.x), pgArray(c.alive), pgArray(c.exp), pgArray(c.spend), pgArray(c.clv), pgArray(c.risk)],
    );
    await o.progress('scoring members', Math.min(from + batch, n), n);
    await yieldToEventLoop();
  }
  lap('write_ms');

  return {
    model: o.model,
    as_of: o.asOf.toISOString(),
    since: o.since?.toISOString() ?? null,
    time_unit: 'week',
    horizon_months: o.horizonMonths,
    annual_discount_rate: o.annualDiscountRate,
    members_scored: n,
    repeat_buyers: spend.n.reduce((s, k) => s + k, 0),
    distinct_summaries: xs.length,
    purchase_model: { params: fitted.purchase.params, log_likelihood: fitted.purchase.logLikelihood, iterations: fitted.purchase.iterations },
    spend_model: {
      params: { ...fitted.spend.params } as Record<string, number>,
      log_likelihood: fitted.spend.logLikelihood,
      iterations: fitted.spend.iterations,
      population_mean_spend: Math.round((p * gamma) / (q - 1)),
    },
    expected_purchases: Math.round(expectedSum * 100) / 100,
    clv: clvSum,
    churn_risk: RISK_BANDS.map((band) => ({ band, ...totals.get(band)! })),
    timings_ms: timings,
  };
}
export type ClvResult = Awaited<ReturnType<typeof scoreMembers>>;

const FIT_WORKER = besideModule(import.meta.url, 'analytics.fit.worker');

/** What analytics.fit.worker.ts posts: the fit, or its error as plain data (errors lose their class on the way). */
export type FitWorkerAnswer =
  | { ok: true; value: FitOutput }
  | {
      ok: false;
      error:
        | { name: 'ModelFitError'; code: ModelFitErrorCode; message: string; details: ModelFitDetails }
        | { name: 'AppError'; kind: ErrorKind; code: string; message: string; details: Record<string, unknown> }
        | { name: 'Error'; message: string; stack?: string };
    };

/** Runs the fit in a worker thread; a model that cannot be fitted fails with the same ModelFitError as inline. */
export async function fitInWorker(input: FitInput): Promise<FitOutput> {
  // The one message of our own worker module, whose shape FitWorkerAnswer states.
  const answer = await runWorker<FitWorkerAnswer>(FIT_WORKER, input);
  if (answer.ok) return answer.value;
  const e = answer.error;
  if (e.name === 'ModelFitError') throw new ModelFitError(e.code, e.message, e.details);
  if (e.name === 'AppError') throw new AppError(e.kind, e.code, e.message, e.details);
  const err = new Error(`the model fit failed in its worker thread: ${e.message}`);
  if (e.stack) err.stack = e.stack;
  throw err;
}
