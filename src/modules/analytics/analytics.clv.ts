/**
 * Churn and lifetime value: each member's repeat-purchase summary (x, t_x, T over purchase days), a
 * BG/NBD or Pareto/NBD fit on it, a Gamma-Gamma fit on repeat spend, and every member's scores written to
 * member_scores in one set-based statement. The summary never leaves the database per member: the fit reads
 * the distinct (x, t_x, T) rows with how many members share each, and the scores go back the same way.
 */
import type { Queryable } from '../../platform/db.js';
import { pgArray } from '../../platform/db.js';
import { fitBgNbd, fitParetoNbd, fitGammaGamma, bgNbd, paretoNbd, discountedPurchases, ModelFitError, UNITS_PER_MONTH, type RepeatSummary, type PurchaseModel as Fitted } from './models/index.js';
import { segmentCaseSql } from './analytics.rfm.js';
import { ANALYTICS_WORK_MEM } from './analytics.service.js';

const DAY = 86_400_000;
/** The model's time unit is the week, as in the published CDNOW results. */
const WEEK_DAYS = 7;
/** Churn risk compares a member's chance to buy in the next 90 days with a newly enrolled buyer's. */
const RISK_WINDOW_WEEKS = 90 / WEEK_DAYS;

export type ModelName = 'bgnbd' | 'paretonbd';
export type RiskBand = 'low' | 'medium' | 'high' | 'lost';

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
const SUMMARY_SQL = `create temp table clv_summary on commit drop as ${SUMMARY_SELECT}`;

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

/**
 * The churn-risk band: `lost` when the model gives the member under a 10 % chance of still being a customer;
 * otherwise by their chance to buy in the next 90 days as a share of a brand-new buyer's, which measures
 * lapse against the program's own purchase cycle (≥ 60 % low, ≥ 30 % medium, ≥ 10 % high, below that lost).
 */
export function riskBand(pAlive: number, ratio: number): RiskBand {
  if (pAlive < 0.1) return 'lost';
  return ratio >= 0.6 ? 'low' : ratio >= 0.3 ? 'medium' : ratio >= 0.1 ? 'high' : 'lost';
}

/** The fitted purchase model, with P(alive) for a summary. Both models share the purchase rate's prior (r, α). */
function fitPurchaseModel(model: ModelName, rows: RepeatSummary[]) {
  const fit = model === 'paretonbd' ? fitParetoNbd(rows) : fitBgNbd(rows);
  const fitted = { model, params: fit.params } as Fitted;
  const { r, alpha } = fit.params;
  return {
    fit,
    fitted,
    params: { ...fit.params } as Record<string, number>,
    pAlive: (x: number, t_x: number, T: number) =>
      fitted.model === 'paretonbd' ? paretoNbd.pAlive(fitted.params, x, t_x, T) : bgNbd.pAlive(fitted.params, x, t_x, T),
    /** P(no purchase in the next t | alive): the Gamma posterior of the purchase rate. */
    quiet: (t: number, x: number, T: number) => Math.pow((alpha + T) / (alpha + T + t), r + x),
  };
}

/** Fits the models on the program's purchases and writes every buyer's scores; returns the job's result. */
export async function scoreMembers(q: Queryable, o: ScoreOptions) {
  const timings: Record<string, number> = {};
  let t0 = Date.now();
  const lap = (k: string) => {
    const t = Date.now();
    timings[k] = t - t0;
    t0 = t;
  };
  await o.progress('summarising purchases');
  if (o.postgres) await q.query(`set local work_mem = '${ANALYTICS_WORK_MEM}'`);
  const asOfDay = lastDay(o.asOf);
  await q.query(SUMMARY_SQL, [o.programId, o.asOf, firstDay(o.since)]);
  await q.query(`analyze clv_summary`);
  const triples = await q.query<{ x: number; tx: number; tt: number; n: number }>(
    `select x, last_day - first_day as tx, $1::int - first_day as tt, count(*)::int as n from clv_summary group by 1, 2, 3`,
    [asOfDay],
  );
  const spends = await q.query<{ x: number; mbar: number; n: number }>(
    `select x, ((total - first_value)::float8 / x) as mbar, count(*)::int as n
     from clv_summary where x > 0 and total - first_value > 0 group by 1, 2`,
  );
  lap('summary_ms');
  const members = triples.reduce((s, t) => s + t.n, 0);
  if (members === 0) throw new ModelFitError('analytics.not_enough_data', 'No member has bought anything before as_of', { model: o.model, reason: 'no_rows' });

  await o.progress('fitting the purchase model', 0, triples.length);
  // A buyer whose first purchase is on the last day (T = 0) tells the likelihood nothing; they are scored, not fitted on.
  const rows: RepeatSummary[] = triples.filter((t) => t.tt > 0).map((t) => ({ x: t.x, t_x: t.tx / WEEK_DAYS, T: t.tt / WEEK_DAYS, n: t.n }));
  const purchase = fitPurchaseModel(o.model, rows);
  lap('fit_ms');
  await o.progress('fitting the spend model', 0, spends.length);
  const spend = fitGammaGamma(spends.map((s) => ({ x: s.x, mbar: s.mbar, n: s.n })));
  const gg = spend.params;
  if (!(gg.q > 1)) throw new ModelFitError('analytics.fit_failed', 'The spend model has no finite mean (q ≤ 1)', { model: 'gammagamma', reason: 'unidentified', params: { ...gg } });
  lap('spend_fit_ms');

  await o.progress('scoring members', 0, members);
  const m = purchase;
  const horizon = o.horizonMonths;
  const months = { months: horizon, monthlyDiscountRate: Math.pow(1 + o.annualDiscountRate, 1 / 12) - 1, unitsPerMonth: UNITS_PER_MONTH.week };
  const newcomer = 1 - m.quiet(RISK_WINDOW_WEEKS, 0, 0);
  const cols = { x: [] as number[], tx: [] as number[], tt: [] as number[], alive: [] as number[], exp: [] as number[], disc: [] as number[], risk: [] as string[] };
  for (const t of triples) {
    const T = t.tt / WEEK_DAYS;
    const tx = t.tx / WEEK_DAYS;
    const alive = m.pAlive(t.x, tx, T);
    const { expected: prev, discounted: disc } = discountedPurchases(m.fitted, { x: t.x, t_x: tx, T }, months);
    const buys = alive * (1 - m.quiet(RISK_WINDOW_WEEKS, t.x, T));
    if (!Number.isFinite(alive) || !Number.isFinite(prev) || !Number.isFinite(disc)) {
      throw new ModelFitError('analytics.fit_failed', 'The fitted model gives a non-finite score', { model: o.model, reason: 'non_finite', x: t.x, t_x: tx, T });
    }
    cols.x.push(t.x);
    cols.tx.push(t.tx);
    cols.tt.push(t.tt);
    cols.alive.push(alive);
    cols.exp.push(prev);
    cols.disc.push(disc);
    cols.risk.push(riskBand(alive, newcomer > 0 ? buys / newcomer : 0));
  }
  lap('model_scores_ms');

  // RFM over the same summary: recency by last purchase day, frequency by orders, monetary by net spend.
  // The scores per distinct (x, t_x, T) go back as a table of their own, analysed, so the join to the
  // summary is planned on real sizes.
  await q.query(
    `create temp table clv_scores on commit drop as
     select * from unnest($1::int[], $2::int[], $3::int[], $4::float8[], $5::float8[], $6::float8[], $7::text[])
       as t(x, tx, tt, p_alive, expected, disc, risk)`,
    [pgArray(cols.x), pgArray(cols.tx), pgArray(cols.tt), pgArray(cols.alive), pgArray(cols.exp), pgArray(cols.disc), pgArray(cols.risk)],
  );
  await q.query(`analyze clv_scores`);
  await q.query(
    `with s as (
       select c.*, $5::int - c.first_day as tt, c.last_day - c.first_day as tx,
              case when c.x > 0 and c.total - c.first_value > 0
                   then $6::float8 * ($8::float8 + c.x * ((c.total - c.first_value)::float8 / c.x)) / ($6::float8 * c.x + $7::float8 - 1)
                   else $6::float8 * $8::float8 / ($7::float8 - 1) end as spend,
              1 + (5 * (rank() over (order by c.last_day) - 1)) / count(*) over () as r,
              1 + (5 * (rank() over (order by c.orders) - 1)) / count(*) over () as f,
              1 + (5 * (rank() over (order by c.total) - 1)) / count(*) over () as m
       from clv_summary c
     )
     insert into member_scores (program_id, member_id, as_of, computed_at, job_id, recency_score, frequency_score, monetary_score,
                                rfm_segment, repeat_purchases, p_alive, expected_purchases, expected_spend, clv, churn_risk)
     select $1, s.member_id, $2, $3, $4, s.r, s.f, s.m, ${segmentCaseSql('s.r', 's.f', 's.m')}, s.x,
            t.p_alive, t.expected, round(s.spend)::bigint, round(t.disc * s.spend)::bigint, t.risk
     from s join clv_scores t on t.x = s.x and t.tx = s.tx and t.tt = s.tt
     on conflict (program_id, member_id) do update set
       as_of = excluded.as_of, computed_at = excluded.computed_at, job_id = excluded.job_id,
       recency_score = excluded.recency_score, frequency_score = excluded.frequency_score, monetary_score = excluded.monetary_score,
       rfm_segment = excluded.rfm_segment, repeat_purchases = excluded.repeat_purchases, p_alive = excluded.p_alive,
       expected_purchases = excluded.expected_purchases, expected_spend = excluded.expected_spend, clv = excluded.clv,
       churn_risk = excluded.churn_risk`,
    [o.programId, o.asOf, o.now, o.jobId, asOfDay, gg.p, gg.q, gg.gamma],
  );
  // Members scored by an earlier run who have no purchase in this run's data keep no stale scores.
  await q.query(`delete from member_scores where program_id = $1 and job_id is distinct from $2`, [o.programId, o.jobId]);
  lap('write_ms');

  const totals = await q.query<{ churn_risk: string; members: number; expected: number; clv: number }>(
    `select churn_risk, count(*)::int as members, sum(expected_purchases)::float8 as expected, sum(clv)::bigint as clv
     from member_scores where program_id = $1 group by 1`,
    [o.programId],
  );
  const scored = totals.reduce((sum, t) => sum + t.members, 0);
  return {
    model: o.model,
    as_of: o.asOf.toISOString(),
    since: o.since?.toISOString() ?? null,
    time_unit: 'week',
    horizon_months: horizon,
    annual_discount_rate: o.annualDiscountRate,
    members_scored: scored,
    repeat_buyers: spends.reduce((s, r) => s + r.n, 0),
    distinct_summaries: triples.length,
    purchase_model: { params: purchase.params, log_likelihood: purchase.fit.logLikelihood, iterations: purchase.fit.iterations },
    spend_model: {
      params: { ...gg } as Record<string, number>,
      log_likelihood: spend.logLikelihood,
      iterations: spend.iterations,
      population_mean_spend: Math.round((gg.p * gg.gamma) / (gg.q - 1)),
    },
    expected_purchases: Math.round(totals.reduce((s, t) => s + t.expected, 0) * 100) / 100,
    clv: totals.reduce((s, t) => s + t.clv, 0),
    churn_risk: (['low', 'medium', 'high', 'lost'] as const).map((band) => {
      const t = totals.find((r) => r.churn_risk === band);
      return { band, members: t?.members ?? 0, clv: t?.clv ?? 0 };
    }),
    timings_ms: timings,
  };
}
export type ClvResult = Awaited<ReturnType<typeof scoreMembers>>;
