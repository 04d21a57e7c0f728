/**
 * The SQL of the descriptive analyses. Each reads the big tables (orders, transactions) once where it can:
 * rows are grouped per member and period first, and every figure is derived from that grouping.
 *
 * Money sums come back as bigint (minor units); rates are computed in TypeScript from the integer counts.
 */
import type { Queryable } from '../../platform/db.js';
import type { Period } from './analytics.contract.js';
import { rfmMembersSql } from './analytics.rfm.js';

const STEP: Record<Period, string> = { week: '1 week', month: '1 month' };
/** The KPI series keeps a member's periods in one bigint bitmask: 62 periods and the one before them. */
export const MAX_KPI_PERIODS = 62;

export interface PeriodRow {
  period: string;
  buyers: number;
  member_orders: number;
  member_revenue: number;
  guest_orders: number;
  guest_revenue: number;
  repeat_buyers: number;
  retained: number;
  previous_buyers: number;
  new_members: number;
}

export const queries = {
  /** The time of the program's last order or event (orders by their time index); null when it has none. */
  async lastActivity(q: Queryable, programId: string): Promise<Date | null> {
    const [r] = await q.query<{ last: Date | null }>(
      `select greatest((select max(occurred_at) from orders where program_id = $1), (select max(occurred_at) from events where program_id = $1)) as last`,
      [programId],
    );
    return r?.last ? new Date(r.last) : null;
  },

  /**
   * Per period of [from, to) — `from` at the start of a period, at most MAX_KPI_PERIODS of them — and for
   * the whole range (the row whose period is `total`): buyers, orders and net revenue of members and guests,
   * returning buyers (bought before the period; over the range: before it, or more than once in it), and
   * retention: buyers of the previous period who bought again.
   *
   * Two reads of orders side by side: per period (orders and revenue of members and guests), and per member,
   * where a bitmask holds the periods the member bought in (bit 0: the period before the range, bit k: the
   * k-th period of it), read from the member-and-time index alone. Buyers, retention and returning buyers per period are counts of
   * bit patterns over the members, so no grouping by member and period and no self-join is needed.
   */
  async periods(q: Queryable, programId: string, starts: readonly Date[], to: Date, period: Period): Promise<PeriodRow[]> {
    const n = starts.length;
    if (n < 1 || n > MAX_KPI_PERIODS) throw new Error(`periods: 1 to ${MAX_KPI_PERIODS} periods, not ${n}`);
    const previous = new Date(starts[0]!);
    if (period === 'month') previous.setUTCMonth(previous.getUTCMonth() - 1);
    else previous.setUTCDate(previous.getUTCDate() - 7);
    const index =
      period === 'month'
        ? `(extract(year from occurred_at at time zone 'UTC')::int * 12 + extract(month from occurred_at at time zone 'UTC')::int - ${previous.getUTCFullYear() * 12 + previous.getUTCMonth() + 1})`
        : `floor(extract(epoch from occurred_at - '${previous.toISOString()}'::timestamptz) / 604800)::int`;
    // Counts over the member rows, per period k = 1..n: buyers, retained (bits k-1 and k), returning (bit k and
    // bought earlier). Bit 0 alone gives the previous period's buyers for k = 1.
    const counts: string[] = ['count(*) filter (where mask & 1 = 1)'];
    for (let k = 1; k <= n; k++) {
      const bit = `(mask >> ${k}) & 1 = 1`;
      counts.push(
        `count(*) filter (where ${bit})`,
        `count(*) filter (where (mask >> ${k - 1}) & 3 = 3)`,
        `count(*) filter (where ${bit} and (before or mask & ${(1n << BigInt(k)) - 1n} <> 0))`,
      );
    }
    counts.push(
      'count(*) filter (where mask >> 1 <> 0)',
      'count(*) filter (where mask >> 1 <> 0 and (before or mask & 1 = 1 or range_orders > 1))',
    );
    // Two reads, side by side: per member (from the member-and-time index alone, no table rows) and per period.
    const [[members], cells] = await Promise.all([
      q.query<{ counts: number[] }>(
        `with m as (
           select member_id, bit_or(case when i >= 0 then 1::bigint << i else 0 end) as mask, bool_or(i < 0) as before,
                  count(*) filter (where i >= 1) as range_orders
           from (select member_id, case when occurred_at < $2 then -1 else ${index} end as i
                 from orders where program_id = $1 and member_id is not null and occurred_at < $3) o
           group by member_id
         )
         select array[${counts.join(', ')}]::int[] as counts from m`,
        [programId, previous, to],
      ),
      q.query<{ i: number; guest: boolean; n: number; net: number }>(
        `select ${index} as i, member_id is null as guest, count(*)::bigint as n, sum(amount - refunded_amount)::bigint as net
         from orders where program_id = $1 and occurred_at >= $3 and occurred_at < $2
         group by 1, 2`,
        [programId, to, starts[0]],
      ),
    ]);
    const c = members!.counts;
    const cell = (i: number, guest: boolean) => cells.find((r) => r.i === i && r.guest === guest);
    const out: PeriodRow[] = starts.map((start, j) => {
      const k = j + 1;
      const member = cell(k, false);
      const guest = cell(k, true);
      return {
        period: start.toISOString().slice(0, 10),
        buyers: c[3 * k - 2]!,
        member_orders: member?.n ?? 0,
        member_revenue: member?.net ?? 0,
        guest_orders: guest?.n ?? 0,
        guest_revenue: guest?.net ?? 0,
        repeat_buyers: c[3 * k]!,
        retained: c[3 * k - 1]!,
        previous_buyers: k === 1 ? c[0]! : c[3 * (k - 1) - 2]!,
        new_members: 0,
      };
    });
    const sum = (key: 'member_orders' | 'member_revenue' | 'guest_orders' | 'guest_revenue') => out.reduce((s, r) => s + r[key], 0);
    const joins = await q.query<{ p: string; n: number }>(
      `select to_char(date_trunc($4, enrolled_at at time zone 'UTC'), 'YYYY-MM-DD') as p, count(*)::int as n
       from members where program_id = $1 and enrolled_at >= $2 and enrolled_at < $3 and status <> 'erased' group by 1`,
      [programId, starts[0], to, period],
    );
    for (const r of out) r.new_members = joins.find((j) => j.p === r.period)?.n ?? 0;
    out.push({
      period: 'total',
      buyers: c[3 * n + 1]!,
      member_orders: sum('member_orders'),
      member_revenue: sum('member_revenue'),
      guest_orders: sum('guest_orders'),
      guest_revenue: sum('guest_revenue'),
      repeat_buyers: c[3 * n + 2]!,
      retained: 0,
      previous_buyers: 0,
      new_members: joins.reduce((s, j) => s + j.n, 0),
    });
    return out;
  },

  /** Members at `to` (enrolled before it), enrolled in [from, to), and active in it: bought or did anything else recorded. */
  async members(q: Queryable, programId: string, from: Date, to: Date) {
    const [m] = await q.query<{ total: number; new: number; active: number }>(
      `select (select count(*) from members where program_id = $1 and enrolled_at < $3 and status <> 'erased')::int as total,
              (select count(*) from members where program_id = $1 and enrolled_at >= $2 and enrolled_at < $3 and status <> 'erased')::int as new,
              (select count(*) from (
                 select member_id from orders where program_id = $1 and member_id is not null and occurred_at >= $2 and occurred_at < $3
                 union
                 select member_id from events where program_id = $1 and member_id is not null and occurred_at >= $2 and occurred_at < $3
               ) x)::int as active`,
      [programId, from, to],
    );
    return m!;
  },

  /**
   * Points moved in [from, to) per currency, by what they did to members' points, each transaction at its
   * occurred_at: issued (earnings, pending or not, and credit adjustments), reversed (taken back by refunds,
   * reversals and debit adjustments, less reversed debit adjustments), redeemed (less reversed redemptions),
   * expired. Releases and transfers (and their reversals) move points between members' own accounts and count
   * in none. So the outstanding points at any date are exactly issued − reversed − redeemed − expired before it.
   */
  async points(q: Queryable, programId: string, from: Date, to: Date) {
    const moved = await q.query<{ currency: string; issued: number; reversed: number; redeemed: number; expired: number }>(
      `with t as (
         select t.currency, t.amount,
                case when t.type = 'earn' then 'issued'
                     when t.type = 'adjustment' then case when jsonb_typeof(t.metadata->'lots') = 'array' then 'reversed' else 'issued' end
                     when t.type = 'redeem' then 'redeemed'
                     when t.type = 'expiry' then 'expired'
                     when t.type = 'reversal' then
                       case when o.type = 'redeem' then 'unredeemed'
                            when o.type = 'adjustment' and jsonb_typeof(o.metadata->'lots') = 'array' then 'unreversed'
                            when o.type in ('earn', 'adjustment') then 'reversed' end
                end as kind
         from transactions t
         left join transactions o on t.type = 'reversal' and o.program_id = t.program_id and o.id = t.reverses_id
         where t.program_id = $1 and t.occurred_at >= $2 and t.occurred_at < $3 and t.member_id is not null
       )
       select currency,
              coalesce(sum(amount) filter (where kind = 'issued'), 0)::bigint as issued,
              (coalesce(sum(amount) filter (where kind = 'reversed'), 0) - coalesce(sum(amount) filter (where kind = 'unreversed'), 0))::bigint as reversed,
              (coalesce(sum(amount) filter (where kind = 'redeemed'), 0) - coalesce(sum(amount) filter (where kind = 'unredeemed'), 0))::bigint as redeemed,
              coalesce(sum(amount) filter (where kind = 'expired'), 0)::bigint as expired
       from t group by currency`,
      [programId, from, to],
    );
    // Outstanding at `to`: today's member balances less what members' accounts moved after `to`.
    const held = await q.query<{ currency: string; outstanding: number }>(
      `select a.currency, (sum(a.balance) - coalesce((
                 select sum(p.amount) from postings p join transactions t on t.program_id = p.program_id and t.id = p.txn_id
                 join accounts b on b.program_id = p.program_id and b.id = p.account_id
                 where p.program_id = $1 and t.occurred_at >= $2 and b.owner <> 'system' and b.currency = a.currency), 0))::bigint as outstanding
       from accounts a where a.program_id = $1 and a.owner <> 'system' and a.kind in ('available', 'pending')
       group by a.currency`,
      [programId, to],
    );
    return { moved, held };
  },

  /** Points earned in [from, to) by earning rule, by event type and by channel; redemptions by reward. */
  async pointsBreakdown(q: Queryable, programId: string, from: Date, to: Date) {
    const byRule = await q.query<{ rule_id: string; name: string | null; currency: string; points: number; transactions: number }>(
      `select coalesce(t.metadata->>'rule_id', t.metadata->>'rule', 'other') as rule_id, r.definition->>'name' as name, t.currency,
              sum(t.amount)::bigint as points, count(*)::int as transactions
       from transactions t left join rules r on r.program_id = t.program_id and r.id = t.metadata->>'rule_id'
       where t.program_id = $1 and t.type = 'earn' and t.occurred_at >= $2 and t.occurred_at < $3
       group by 1, 2, 3 order by points desc`,
      [programId, from, to],
    );
    const bySource = await q.query<{ event_type: string; channel: string; currency: string; points: number; transactions: number }>(
      `select coalesce(e.type, 'manual') as event_type, coalesce(e.payload->>'channel', 'unknown') as channel, t.currency,
              sum(t.amount)::bigint as points, count(*)::int as transactions
       from transactions t left join events e on e.program_id = t.program_id and e.id = t.event_id
       where t.program_id = $1 and t.type = 'earn' and t.occurred_at >= $2 and t.occurred_at < $3
       group by 1, 2, 3 order by points desc`,
      [programId, from, to],
    );
    const byReward = await q.query<{ reward_id: string; name: string | null; mode: string; redemptions: number; points: number; currency: string }>(
      `select d.reward_id, w.name, d.mode, count(*)::int as redemptions, sum(d.points)::bigint as points, d.currency
       from reward_redemptions d left join rewards w on w.program_id = d.program_id and w.id = d.reward_id
       where d.program_id = $1 and d.status = 'confirmed' and coalesce(d.confirmed_at, d.created_at) >= $2
         and coalesce(d.confirmed_at, d.created_at) < $3
       group by 1, 2, 3, 6 order by redemptions desc`,
      [programId, from, to],
    );
    return { byRule, bySource, byReward };
  },

  /** Members by enrolment channel, country, age band and tier, growth per period, and activity levels at `to`. */
  async structure(q: Queryable, programId: string, to: Date, from: Date, period: Period) {
    const dims = await q.query<{ dim: string; value: string; members: number }>(
      `with m as (select * from members where program_id = $1 and enrolled_at < $2 and status <> 'erased')
       select 'enrolment_channel' as dim, coalesce(enrolment_channel, 'unknown') as value, count(*)::int as members from m group by 2
       union all
       select 'country', coalesce(country, 'unknown'), count(*)::int from m group by 2
       union all
       select 'age_band', case when birthdate is null then 'unknown'
                               else (select b from (values (0, 18, 'under 18'), (18, 25, '18-24'), (25, 35, '25-34'), (35, 45, '35-44'),
                                     (45, 55, '45-54'), (55, 65, '55-64'), (65, 200, '65+')) v(lo, hi, b)
                                     where extract(year from age($2::timestamptz, birthdate::timestamptz)) >= lo
                                       and extract(year from age($2::timestamptz, birthdate::timestamptz)) < hi) end, count(*)::int from m group by 2
       union all
       select 'tier', coalesce(l.name, 'none'), count(*)::int
       from m left join member_tiers t on t.program_id = m.program_id and t.member_id = m.id
              left join tier_levels l on l.program_id = t.program_id and l.id = t.level_id
       group by 2`,
      [programId, to],
    );
    const growth = await q.query<{ period: string; new_members: number; members: number }>(
      `with g as (
         select date_trunc($4, enrolled_at at time zone 'UTC') as p, count(*)::int as n
         from members where program_id = $1 and enrolled_at < $3 and status <> 'erased' group by 1
       ), grid as (
         select generate_series(date_trunc($4, $2::timestamptz at time zone 'UTC'),
                                ($3::timestamptz at time zone 'UTC') - interval '1 microsecond', $5::interval) as p
       )
       select to_char(grid.p, 'YYYY-MM-DD') as period, coalesce(g.n, 0) as new_members,
              (select coalesce(sum(n), 0) from g where g.p <= grid.p)::int as members
       from grid left join g on g.p = grid.p order by grid.p`,
      [programId, from, to, period, STEP[period]],
    );
    const activity = await q.query<{ level: string; members: number }>(
      `with last as (
         select member_id, max(occurred_at) as at from orders
         where program_id = $1 and member_id is not null and occurred_at < $2 group by member_id
       )
       select case when l.at is null then 'never purchased'
                   when l.at >= $2::timestamptz - interval '30 days' then 'active (30 days)'
                   when l.at >= $2::timestamptz - interval '90 days' then 'active (90 days)'
                   when l.at >= $2::timestamptz - interval '365 days' then 'lapsing (over 90 days)'
                   else 'lapsed (over a year)' end as level,
              count(*)::int as members
       from members m left join last l on l.member_id = m.id
       where m.program_id = $1 and m.enrolled_at < $2 and m.status <> 'erased'
       group by 1`,
      [programId, to],
    );
    return { dims, growth, activity };
  },

  /** Purchase behaviour of members over [from, to): the intervals between purchases, orders per buyer, preferred channel and category. */
  async behaviour(q: Queryable, programId: string, from: Date, to: Date) {
    const intervals = await q.query<{ bucket: number; intervals: number; median_days: number | null }>(
      `with o as (
         select member_id, occurred_at - lag(occurred_at) over (partition by member_id order by occurred_at) as gap
         from orders where program_id = $1 and member_id is not null and occurred_at >= $2 and occurred_at < $3
       ), d as (select extract(epoch from gap) / 86400 as days from o where gap is not null)
       select width_bucket(days, array[1, 8, 15, 31, 61, 91, 181, 366]::float8[]) as bucket, count(*)::int as intervals,
              (select percentile_cont(0.5) within group (order by days) from d)::float8 as median_days
       from d group by 1 order by 1`,
      [programId, from, to],
    );
    const frequency = await q.query<{ orders: string; buyers: number }>(
      `with f as (select count(*) as n from orders where program_id = $1 and member_id is not null
                  and occurred_at >= $2 and occurred_at < $3 group by member_id)
       select case when n <= 5 then n::text when n <= 10 then '6-10' when n <= 20 then '11-20' else '21+' end as orders,
              count(*)::int as buyers
       from f group by 1 order by min(n)`,
      [programId, from, to],
    );
    const channels = await q.query<{ channel: string; members: number }>(
      `with c as (
         select member_id, coalesce(channel, 'unknown') as channel, count(*) as n, max(occurred_at) as last_at
         from orders where program_id = $1 and member_id is not null and occurred_at >= $2 and occurred_at < $3
         group by 1, 2
       ), pick as (select distinct on (member_id) member_id, channel from c order by member_id, n desc, last_at desc)
       select channel, count(*)::int as members from pick group by 1 order by members desc, channel`,
      [programId, from, to],
    );
    const categories = await q.query<{ category: string; members: number }>(
      `with c as (
         select o.member_id, coalesce(l->>'category', 'uncategorised') as category, sum((l->>'quantity')::bigint) as n
         from orders o cross join lateral jsonb_array_elements(o.lines) l
         where o.program_id = $1 and o.member_id is not null and o.occurred_at >= $2 and o.occurred_at < $3
         group by 1, 2
       ), pick as (select distinct on (member_id) member_id, category from c order by member_id, n desc, category)
       select category, count(*)::int as members from pick group by 1 order by members desc, category limit 50`,
      [programId, from, to],
    );
    return { intervals, frequency, channels, categories };
  },

  /** One member's purchase behaviour over all their history before `to`. */
  async member(q: Queryable, programId: string, memberId: string, to: Date) {
    const [s] = await q.query<{
      orders: number;
      spent: number;
      first_at: Date | null;
      last_at: Date | null;
      purchase_days: number;
      refunded: number;
    }>(
      `select count(*)::int as orders, coalesce(sum(amount - refunded_amount), 0)::bigint as spent,
              coalesce(sum(refunded_amount), 0)::bigint as refunded,
              min(occurred_at) as first_at, max(occurred_at) as last_at,
              count(distinct (occurred_at at time zone 'UTC')::date)::int as purchase_days
       from orders where program_id = $1 and member_id = $2 and occurred_at < $3`,
      [programId, memberId, to],
    );
    const [c] = await q.query<{ channel: string | null }>(
      `select coalesce(channel, 'unknown') as channel from orders where program_id = $1 and member_id = $2 and occurred_at < $3
       group by 1 order by count(*) desc, max(occurred_at) desc limit 1`,
      [programId, memberId, to],
    );
    const [k] = await q.query<{ category: string | null }>(
      `select l->>'category' as category from orders o cross join lateral jsonb_array_elements(o.lines) l
       where o.program_id = $1 and o.member_id = $2 and o.occurred_at < $3 and l->>'category' is not null
       group by 1 order by sum((l->>'quantity')::bigint) desc, 1 limit 1`,
      [programId, memberId, to],
    );
    return { ...s!, preferred_channel: c?.channel ?? null, preferred_category: k?.category ?? null };
  },

  /** Members per (R, F, M) score cell with their sums, from which segments are folded (one pass over orders). */
  async rfmCells(q: Queryable, programId: string, asOf: Date, since: Date | null) {
    return q.query<{ r: number; f: number; m: number; segment: string; members: number; recency_days: number; frequency: number; monetary: number }>(
      `with s as (${rfmMembersSql()})
       select r, f, m, segment, count(*)::int as members,
              sum(($2::timestamptz at time zone 'UTC')::date - (last_at at time zone 'UTC')::date)::bigint as recency_days,
              sum(frequency)::bigint as frequency, sum(monetary)::bigint as monetary
       from s group by 1, 2, 3, 4 order by 1 desc, 2 desc, 3 desc`,
      [programId, asOf, since],
    );
  },

  /** How members moved between segments from one date to another (`none`: had not bought yet). */
  async rfmMovement(q: Queryable, programId: string, from: Date, to: Date) {
    return q.query<{ from_segment: string; to_segment: string; members: number }>(
      `with a as (${rfmMembersSql('$2', '$4')}), b as (${rfmMembersSql('$3', '$4')})
       select coalesce(a.segment, 'none') as from_segment, b.segment as to_segment, count(*)::int as members
       from b left join a on a.member_id = b.member_id
       group by 1, 2 order by 3 desc`,
      [programId, from, to, null],
    );
  },

  /** Cohorts by first purchase or enrolment in [from, to), and per period since: active members and net revenue. */
  async cohorts(q: Queryable, programId: string, by: 'first_purchase' | 'enrolment', from: Date, to: Date, period: Period) {
    const cohortOf =
      by === 'enrolment'
        ? `select id as member_id, date_trunc($4, enrolled_at at time zone 'UTC') as c from members
           where program_id = $1 and enrolled_at >= $2 and enrolled_at < $3 and status <> 'erased'`
        : `select member_id, date_trunc($4, min(occurred_at) at time zone 'UTC') as c from orders
           where program_id = $1 and member_id is not null and occurred_at < $3
           group by member_id having min(occurred_at) >= $2`;
    const index =
      period === 'month'
        ? `((extract(year from o.p) - extract(year from c.c)) * 12 + extract(month from o.p) - extract(month from c.c))::int`
        : `(extract(epoch from (o.p - c.c)) / 604800)::int`;
    const sizes = await q.query<{ cohort: string; size: number }>(
      `with c as (${cohortOf}) select to_char(c, 'YYYY-MM-DD') as cohort, count(*)::int as size from c group by c order by c`,
      [programId, from, to, period],
    );
    const cells = await q.query<{ cohort: string; k: number; active: number; orders: number; revenue: number }>(
      `with c as (${cohortOf}),
       o as (
         select member_id, date_trunc($4, occurred_at at time zone 'UTC') as p, count(*)::bigint as n,
                sum(amount - refunded_amount)::bigint as net
         from orders where program_id = $1 and member_id is not null and occurred_at >= $2 and occurred_at < $3
         group by 1, 2
       )
       select to_char(c.c, 'YYYY-MM-DD') as cohort, ${index} as k, count(*)::int as active,
              sum(o.n)::bigint as orders, sum(o.net)::bigint as revenue
       from o join c on c.member_id = o.member_id
       where o.p >= c.c
       group by c.c, 2 order by c.c, 2`,
      [programId, from, to, period],
    );
    return { sizes, cells };
  },
};
