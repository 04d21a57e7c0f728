import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import { invalid } from '../../platform/errors.js';
import { parseDayOrInstant } from '../../platform/instant.js';
import type { CohortQuery, KpiQuery, Period, RangeQuery, RfmQuery } from './analytics.contract.js';
import { MAX_KPI_PERIODS, queries, type PeriodRow } from './analytics.queries.js';
import { SEGMENT_NAMES } from './analytics.rfm.js';

/**
 * The memory an analysis may use per sort or hash on PostgreSQL. Grouping ten million orders by member
 * spills to disk at the server's default (4 MB) and runs several times slower.
 */
export const ANALYTICS_WORK_MEM = '256MB';

/** Runs each query in a transaction of its own with room to hash and sort in memory (PostgreSQL only). */
export function roomy(db: Db): Queryable {
  if (db.kind !== 'postgres') return db;
  return {
    query: <T,>(text: string, params?: readonly unknown[]) =>
      db.tx(async (q) => {
        await q.query(`set local work_mem = '${ANALYTICS_WORK_MEM}'`);
        return q.query<T>(text, params);
      }),
    exec: (script) => db.exec(script),
  };
}

export interface AnalyticsDeps {
  db: Db;
  clock: Clock;
}

/** A share as a fraction with four decimals; null when there is nothing to divide by. */
export const rate = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);
/** An average in minor units, rounded to the unit; null when there is nothing to average. */
const avg = (sum: number, n: number): number | null => (n > 0 ? Math.round(sum / n) : null);

/** A date or time of a query (or the CLI); years outside 1900–9999 are refused (see platform/instant). */
export function parseWhen(v: string | undefined, field: string): Date | undefined {
  if (v === undefined) return undefined;
  return parseDayOrInstant(v, field, 'analytics.invalid_date');
}

/** The UTC start of the period holding `d`. */
export function periodStart(d: Date, period: Period): Date {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), period === 'month' ? 1 : d.getUTCDate()));
  if (period === 'week') t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7));
  return t;
}

/** The starts of the periods from the one holding `from` up to `to` (exclusive). */
function periodStarts(from: Date, to: Date, period: Period): Date[] {
  const starts: Date[] = [];
  for (let t = periodStart(from, period); t < to; ) {
    starts.push(t);
    t = new Date(t);
    if (period === 'month') t.setUTCMonth(t.getUTCMonth() + 1);
    else t.setUTCDate(t.getUTCDate() + 7);
  }
  return starts;
}

/** The start of the UTC day holding `d`: the default end of the data for the models. */
export const startOfDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

const MAX_PERIODS = { month: 240, week: 1100 } as const;

/** How a report's range was chosen: as asked, or — `defaulted` — for a program whose data ends before the default. */
export interface RangeNote {
  from: string | null;
  to: string;
  defaulted: boolean;
  note: string | null;
}

/** Twelve months before `d`, on the same day of the month. */
const yearBefore = (d: Date) => new Date(Date.UTC(d.getUTCFullYear() - 1, d.getUTCMonth(), d.getUTCDate()));
const DAY = 86_400_000;

export function createAnalyticsService(deps: AnalyticsDeps) {
  const { clock } = deps;
  const db = roomy(deps.db);

  /** [from, to): `to` defaults to now, `from` to twelve months earlier; `period` aligns `from` to a period start. */
  function range(qs: Pick<RangeQuery, 'from' | 'to'>, period?: Period): { from: Date; to: Date } {
    const to = parseWhen(qs.to, 'to') ?? clock.now();
    let from = parseWhen(qs.from, 'from') ?? new Date(Date.UTC(to.getUTCFullYear() - 1, to.getUTCMonth(), to.getUTCDate()));
    if (from >= to) throw invalid('analytics.invalid_range', '`from` must be before `to`', 'from');
    if (period) {
      from = periodStart(from, period);
      const periods = (to.getTime() - from.getTime()) / (period === 'month' ? 28 * 86_400_000 : 7 * 86_400_000);
      if (periods > MAX_PERIODS[period]) {
        throw invalid('analytics.range_too_long', `At most ${MAX_PERIODS[period]} ${period}s in one report`, 'from');
      }
    }
    return { from, to };
  }

  /**
   * The end of the data when none was asked for: now, unless the program's last order or event is older than
   * the default window (12 months), as for a program whose history was imported (the demo's ends in 2011).
   * Then "the last 12 months" would report zeros and score every buyer lost, so the end is the day after that
   * last activity instead — and the answer says so.
   */
  async function defaultEnd(programId: string): Promise<{ to: Date; last: Date | null }> {
    const now = clock.now();
    const last = await queries.lastActivity(db, programId);
    if (!last || last >= yearBefore(now)) return { to: now, last: null };
    return { to: new Date(startOfDay(last).getTime() + DAY), last };
  }

  const noteFor = (last: Date, what: string) =>
    `No activity in the 12 months to today: ${what} the program's last activity on ${last.toISOString().slice(0, 10)}. Pass ${
      what.startsWith('scored') ? 'as_of' : 'from and to'
    } to choose.`;

  /** `range` with the default window moved to the program's last activity when its data ends before it. */
  async function window(programId: string, qs: Pick<RangeQuery, 'from' | 'to'>, period?: Period): Promise<{ from: Date; to: Date; range: RangeNote }> {
    if (qs.from !== undefined || qs.to !== undefined) {
      const r = range(qs, period);
      return { ...r, range: { from: r.from.toISOString(), to: r.to.toISOString(), defaulted: false, note: null } };
    }
    const { to, last } = await defaultEnd(programId);
    const r = range({ to: to.toISOString() }, period);
    const note = last ? noteFor(last, 'the figures cover the 12 months up to') : null;
    return { ...r, range: { from: r.from.toISOString(), to: r.to.toISOString(), defaulted: last !== null, note } };
  }

  /** The default `as_of` of RFM, the summary and the models: `fallback`, or the day after a stale program's last activity. */
  async function defaultAsOf(programId: string, fallback: Date = clock.now()): Promise<{ as_of: Date; defaulted: boolean; note: string | null }> {
    const { last } = await defaultEnd(programId);
    if (!last) return { as_of: fallback, defaulted: false, note: null };
    return { as_of: new Date(startOfDay(last).getTime() + DAY), defaulted: true, note: noteFor(last, 'scored as of the day after') };
  }

  function periodRow(r: PeriodRow) {
    const orders = r.member_orders + r.guest_orders;
    return {
      period: r.period,
      new_members: r.new_members,
      buyers: r.buyers,
      member_orders: r.member_orders,
      guest_orders: r.guest_orders,
      member_revenue: r.member_revenue,
      guest_revenue: r.guest_revenue,
      participation_rate: rate(r.member_orders, orders),
      repeat_purchase_rate: rate(r.repeat_buyers, r.buyers),
      previous_buyers: r.previous_buyers,
      retained: r.retained,
      retention_rate: rate(r.retained, r.previous_buyers),
      churn_rate: r.previous_buyers > 0 ? rate(r.previous_buyers - r.retained, r.previous_buyers) : null,
    };
  }

  return {
    range,
    defaultAsOf,

    /** The start of the current UTC day: the default end of the data for the models. */
    today: (): Date => startOfDay(clock.now()),

    /** The program's headline figures over a range, and the same per period. */
    async kpis(programId: string, qs: Partial<KpiQuery> = {}) {
      const period = qs.period ?? 'month';
      const { from, to, range: chosen } = await window(programId, qs, period);
      const starts = periodStarts(from, to, period);
      if (starts.length > MAX_KPI_PERIODS) {
        throw invalid('analytics.range_too_long', `At most ${MAX_KPI_PERIODS} ${period}s in one KPI report`, 'from');
      }
      const [rows, members, points] = await Promise.all([
        queries.periods(db, programId, starts, to, period),
        queries.members(db, programId, from, to),
        queries.points(db, programId, from, to),
      ]);
      const total = rows.find((r) => r.period === 'total')!;
      const series = rows.filter((r) => r.period !== 'total').map(periodRow);
      const retained = series.reduce((s, r) => s + r.retained, 0);
      const previous = series.reduce((s, r) => s + r.previous_buyers, 0);
      const orders = total.member_orders + total.guest_orders;
      const currencies = new Set([...points.moved.map((m) => m.currency), ...points.held.map((h) => h.currency)]);
      const moved = (currency: string) => points.moved.find((m) => m.currency === currency);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        range: chosen,
        period,
        members: { total: members.total, new: members.new, active: members.active, buyers: total.buyers },
        purchases: {
          orders,
          member_orders: total.member_orders,
          guest_orders: total.guest_orders,
          member_revenue: total.member_revenue,
          guest_revenue: total.guest_revenue,
          participation_rate: rate(total.member_orders, orders),
          revenue_participation_rate: rate(total.member_revenue, total.member_revenue + total.guest_revenue),
          average_transaction_value: { members: avg(total.member_revenue, total.member_orders), guests: avg(total.guest_revenue, total.guest_orders) },
          purchase_frequency: total.buyers > 0 ? Math.round((total.member_orders / total.buyers) * 100) / 100 : null,
          repeat_purchase_rate: rate(total.repeat_buyers, total.buyers),
        },
        retention: { retention_rate: rate(retained, previous), churn_rate: rate(previous - retained, previous) },
        points: [...currencies].sort().map((currency) => {
          const m = moved(currency);
          const issued = m?.issued ?? 0;
          const reversed = m?.reversed ?? 0;
          const redeemed = m?.redeemed ?? 0;
          const expired = m?.expired ?? 0;
          const net = issued - reversed;
          return {
            currency,
            issued,
            reversed,
            redeemed,
            expired,
            outstanding: points.held.find((h) => h.currency === currency)?.outstanding ?? 0,
            redemption_rate: rate(redeemed, net),
            breakage_rate: rate(expired, net),
          };
        }),
        series,
      };
    },

    /** Who the members are: by enrolment channel, country, age band and tier; growth; activity levels. */
    async structure(programId: string, qs: Partial<KpiQuery> = {}) {
      const period = qs.period ?? 'month';
      const { from, to, range: chosen } = await window(programId, qs, period);
      const s = await queries.structure(db, programId, to, from, period);
      const dim = (d: string) =>
        s.dims
          .filter((r) => r.dim === d)
          .map((r) => ({ value: r.value, members: r.members }))
          .sort((a, b) => b.members - a.members || a.value.localeCompare(b.value));
      return {
        at: to.toISOString(),
        range: chosen,
        by_enrolment_channel: dim('enrolment_channel'),
        by_country: dim('country'),
        by_age_band: dim('age_band'),
        by_tier: dim('tier'),
        growth: s.growth,
        activity: s.activity.sort((a, b) => ACTIVITY.indexOf(a.level) - ACTIVITY.indexOf(b.level)),
      };
    },

    /** Points by earning rule, by event type and channel; redemptions by reward. */
    async points(programId: string, qs: Partial<RangeQuery> = {}) {
      const { from, to, range: chosen } = await window(programId, qs);
      const p = await queries.pointsBreakdown(db, programId, from, to);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        range: chosen,
        by_rule: p.byRule.map((r) => ({ ...r, name: r.name ?? (r.rule_id === 'base_earning' ? 'Base earning rate' : null) })),
        by_source: p.bySource,
        redemptions_by_reward: p.byReward,
      };
    },

    /** Purchase cycle, frequency, preferred channel and category over a range. */
    async behaviour(programId: string, qs: Partial<RangeQuery> = {}) {
      const { from, to, range: chosen } = await window(programId, qs);
      const b = await queries.behaviour(db, programId, from, to);
      const total = b.intervals.reduce((s, r) => s + r.intervals, 0);
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        range: chosen,
        purchase_cycle: {
          intervals: total,
          median_days: b.intervals[0]?.median_days == null ? null : Math.round(b.intervals[0].median_days * 10) / 10,
          distribution: b.intervals.map((r) => ({ days: INTERVAL_BUCKETS[r.bucket]!, intervals: r.intervals, share: rate(r.intervals, total) })),
        },
        frequency: b.frequency,
        preferred_channel: b.channels,
        preferred_category: b.categories,
      };
    },

    /** One member's history in figures, with their current scores (and the job and model that made them), when there are any. */
    async member(programId: string, memberId: string, asOf?: Date) {
      const to = asOf ?? clock.now();
      const m = await queries.member(db, programId, memberId, to);
      const [scores] = await db.query<Record<string, unknown>>(
        `select s.recency_score, s.frequency_score, s.monetary_score, s.rfm_segment, s.repeat_purchases, s.p_alive, s.expected_purchases,
                s.expected_spend, s.clv, s.churn_risk, s.as_of, s.computed_at, s.job_id, s.model
         from member_scores_current c join member_scores s on s.program_id = c.program_id and s.job_id = c.job_id
         where c.program_id = $1 and s.member_id = $2`,
        [programId, memberId],
      );
      const days = m.first_at && m.last_at ? (m.last_at.getTime() - m.first_at.getTime()) / 86_400_000 : 0;
      return {
        member_id: memberId,
        orders: m.orders,
        spent: m.spent,
        refunded: m.refunded,
        average_order_value: avg(m.spent, m.orders),
        first_purchase_at: m.first_at?.toISOString() ?? null,
        last_purchase_at: m.last_at?.toISOString() ?? null,
        purchase_days: m.purchase_days,
        average_days_between_purchases: m.purchase_days > 1 ? Math.round((days / (m.purchase_days - 1)) * 10) / 10 : null,
        preferred_channel: m.preferred_channel,
        preferred_category: m.preferred_category,
        scores: scores
          ? {
              ...scores,
              as_of: (scores.as_of as Date).toISOString(),
              computed_at: (scores.computed_at as Date).toISOString(),
            }
          : null,
      };
    },

    /** RFM scores and segments at a date: members per segment and per score cell. */
    async rfm(programId: string, qs: Partial<RfmQuery> = {}) {
      const given = parseWhen(qs.as_of, 'as_of');
      const chosen = given ? { as_of: given, defaulted: false, note: null } : await defaultAsOf(programId);
      const asOf = chosen.as_of;
      const since = parseWhen(qs.since, 'since') ?? null;
      const cells = await queries.rfmCells(db, programId, asOf, since);
      const scored = cells.reduce((s, c) => s + c.members, 0);
      const segments = SEGMENT_NAMES.map((name) => {
        const cs = cells.filter((c) => c.segment === name);
        const n = cs.reduce((s, c) => s + c.members, 0);
        const sum = (k: 'recency_days' | 'frequency' | 'monetary') => cs.reduce((s, c) => s + c[k], 0);
        return {
          segment: name,
          members: n,
          share: rate(n, scored),
          average_recency_days: n ? Math.round(sum('recency_days') / n) : null,
          average_frequency: n ? Math.round((sum('frequency') / n) * 100) / 100 : null,
          average_monetary: avg(sum('monetary'), n),
          revenue: sum('monetary'),
        };
      });
      return {
        as_of: asOf.toISOString(),
        since: since?.toISOString() ?? null,
        range: { from: since?.toISOString() ?? null, to: asOf.toISOString(), defaulted: chosen.defaulted, note: chosen.note } satisfies RangeNote,
        members_scored: scored,
        segments,
        cells: cells.map((c) => ({ r: c.r, f: c.f, m: c.m, score: `${c.r}${c.f}${c.m}`, segment: c.segment, members: c.members })),
      };
    },

    /** How members moved between RFM segments from one date to another. */
    async rfmMovement(programId: string, qs: { from: string; to?: string }) {
      const from = parseWhen(qs.from, 'from')!;
      const to = parseWhen(qs.to, 'to') ?? clock.now();
      if (from >= to) throw invalid('analytics.invalid_range', '`from` must be before `to`', 'from');
      const rows = await queries.rfmMovement(db, programId, from, to);
      return { from: from.toISOString(), to: to.toISOString(), movements: rows.filter((r) => r.members > 0) };
    },

    /** Cohorts by first purchase or enrolment: size, and per period since, active share and revenue. */
    async cohorts(programId: string, qs: Partial<CohortQuery> = {}) {
      const period = qs.period ?? 'month';
      const by = qs.by ?? 'first_purchase';
      const { from, to, range: chosen } = await window(programId, qs, period);
      const { sizes, cells } = await queries.cohorts(db, programId, by, from, to, period);
      // Every period from the cohort's own to the last one in the range, zeros included: a full triangle.
      const starts = periodStarts(from, to, period).map((t) => t.toISOString().slice(0, 10));
      return {
        by,
        period,
        from: from.toISOString(),
        to: to.toISOString(),
        range: chosen,
        cohorts: sizes.map((s) => {
          const mine = new Map(cells.filter((c) => c.cohort === s.cohort).map((c) => [c.k, c]));
          const last = starts.length - 1 - starts.indexOf(s.cohort);
          return {
            cohort: s.cohort,
            size: s.size,
            periods: Array.from({ length: last + 1 }, (_, k) => {
              const c = mine.get(k);
              return { k, active: c?.active ?? 0, retention: rate(c?.active ?? 0, s.size), orders: c?.orders ?? 0, revenue: c?.revenue ?? 0 };
            }),
          };
        }),
      };
    },
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;

const ACTIVITY = ['active (30 days)', 'active (90 days)', 'lapsing (over 90 days)', 'lapsed (over a year)', 'never purchased'];
/** Labels of width_bucket(days, [1, 8, 15, 31, 61, 91, 181, 366]). */
const INTERVAL_BUCKETS = ['same day', '1-7', '8-14', '15-30', '31-60', '61-90', '91-180', '181-365', 'over 365'];
