/**
 * RFM: recency, frequency and monetary scores 1..5 by quintile, and the named segments.
 *
 * A score is 1 + ⌊5·(rank − 1) / n⌋ where rank is the member's position among the n scored members counting
 * ties once (SQL `rank()`): equal values always get equal scores, so when most members bought once they all
 * share frequency score 1. Recency is ranked by the day of the last purchase, oldest first, so 5 is the most
 * recent.
 */

export type Range = readonly [number, number];

export interface SegmentRule {
  name: string;
  r: Range;
  f: Range;
  m: Range;
}

/** The first rule a member's scores match names their segment; no match is `Others`. */
export const RFM_SEGMENTS: readonly SegmentRule[] = [
  { name: 'Champions', r: [5, 5], f: [5, 5], m: [5, 5] },
  { name: 'Potential Loyalist', r: [3, 5], f: [3, 5], m: [2, 5] },
  { name: 'Loyal Customers', r: [2, 4], f: [2, 4], m: [2, 4] },
  { name: 'Promising', r: [3, 4], f: [1, 3], m: [3, 5] },
  { name: 'New Customers', r: [4, 5], f: [1, 3], m: [1, 5] },
  { name: "Can't Lose Them", r: [1, 2], f: [3, 4], m: [4, 5] },
  { name: 'At Risk', r: [1, 2], f: [2, 5], m: [4, 5] },
  { name: 'Need Attention', r: [1, 3], f: [3, 5], m: [3, 5] },
  { name: 'About To Sleep', r: [2, 3], f: [1, 3], m: [1, 4] },
  { name: 'Lost', r: [1, 1], f: [1, 5], m: [1, 5] },
];
export const OTHERS = 'Others';
export const SEGMENT_NAMES: readonly string[] = [...RFM_SEGMENTS.map((s) => s.name), OTHERS];

const within = (v: number, [lo, hi]: Range) => v >= lo && v <= hi;

export function rfmSegment(r: number, f: number, m: number): string {
  return RFM_SEGMENTS.find((s) => within(r, s.r) && within(f, s.f) && within(m, s.m))?.name ?? OTHERS;
}

/** The same table as a SQL `case` over columns holding the three scores (segment names are constants, not input). */
export function segmentCaseSql(r: string, f: string, m: string): string {
  const between = (col: string, [lo, hi]: Range) => (lo === hi ? `${col} = ${lo}` : `${col} between ${lo} and ${hi}`);
  const arms = RFM_SEGMENTS.map(
    (s) => `when ${between(r, s.r)} and ${between(f, s.f)} and ${between(m, s.m)} then '${s.name.replace(/'/g, "''")}'`,
  );
  return `case ${arms.join(' ')} else '${OTHERS}' end`;
}

/** Score from a 1-based rank among n values (ties share the lowest rank). */
export function quintile(rank: number, n: number): number {
  return 1 + Math.floor((5 * (rank - 1)) / n);
}

/**
 * Per member of the program who bought before `as_of` (and on or after `since` when given): last purchase day,
 * orders, net spend, the three scores and the segment. The arguments name the SQL parameters to use
 * (`$1` program, `$2` as_of, `$3` since, which may be null).
 */
export const rfmMembersSql = (asOf = '$2', since = '$3', program = '$1') => `
  with m as (
    select member_id, max(occurred_at) as last_at, count(*)::int as frequency,
           sum(amount - refunded_amount)::bigint as monetary
    from orders
    where program_id = ${program} and member_id is not null and occurred_at < ${asOf}::timestamptz
      and (${since}::timestamptz is null or occurred_at >= ${since}::timestamptz)
    group by member_id
  ), s as (
    select member_id, last_at, frequency, monetary,
           1 + (5 * (rank() over (order by (last_at at time zone 'UTC')::date) - 1)) / count(*) over () as r,
           1 + (5 * (rank() over (order by frequency) - 1)) / count(*) over () as f,
           1 + (5 * (rank() over (order by monetary) - 1)) / count(*) over () as m
    from m
  )
  select member_id, last_at, frequency, monetary, r::int as r, f::int as f, m::int as m,
         ${segmentCaseSql('r', 'f', 'm')} as segment
  from s`;
