import { DAY_MS } from '../../platform/clock.js';

/** Pure tier arithmetic: windows, periods and which level a metric value reaches. All dates in UTC. */

export type TierWindow = { type: 'rolling'; months: number } | { type: 'calendar_year' };

export interface RankedLevel {
  id: string;
  name: string;
  threshold: number;
  rank: number;
  benefits: Record<string, unknown>;
}

/** `at` moved by whole months, the day clamped to the target month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(at: Date, months: number): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth() + months;
  const target = new Date(Date.UTC(y, m, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      target.getUTCFullYear(),
      target.getUTCMonth(),
      Math.min(at.getUTCDate(), lastDay),
      at.getUTCHours(),
      at.getUTCMinutes(),
      at.getUTCSeconds(),
      at.getUTCMilliseconds(),
    ),
  );
}

const yearStart = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), 0, 1));
/** The first instant of the next calendar year: the end of the year `at` falls in. */
export const yearEnd = (at: Date) => new Date(Date.UTC(at.getUTCFullYear() + 1, 0, 1));

/**
 * The window a member's metric is measured over as of `now`, for upgrades and progress: the calendar year so far,
 * or the last N months. `to` null: open-ended (an event reported a little ahead of the clock still counts).
 */
export function currentWindow(w: TierWindow, now: Date): { from: Date; to: Date | null } {
  return w.type === 'calendar_year' ? { from: yearStart(now), to: yearEnd(now) } : { from: addMonths(now, -w.months), to: null };
}

/** When a level reached at `at` is first reviewed: the end of that calendar year, or its N-month anniversary. */
export function periodEndAfter(w: TierWindow, at: Date): Date {
  return w.type === 'calendar_year' ? yearEnd(at) : addMonths(at, w.months);
}

/** The period that follows one ending at `end`. */
export function nextPeriodEnd(w: TierWindow, end: Date): Date {
  return w.type === 'calendar_year' ? new Date(Date.UTC(end.getUTCFullYear() + 1, end.getUTCMonth(), end.getUTCDate())) : addMonths(end, w.months);
}

/** The qualification period that ends at `end`. */
export function periodStart(w: TierWindow, end: Date): Date {
  return w.type === 'calendar_year' ? new Date(Date.UTC(end.getUTCFullYear() - 1, end.getUTCMonth(), end.getUTCDate())) : addMonths(end, -w.months);
}

/**
 * What a review of the period ending at `end` measures: the period and its grace days. A rolling period starts
 * at the instant of qualification; the activity at that instant earned the level and does not count again.
 */
export function reviewWindow(w: TierWindow, end: Date, graceDays: number): { from: Date; to: Date } {
  const start = periodStart(w, end);
  return { from: w.type === 'rolling' ? new Date(start.getTime() + 1) : start, to: reviewAt(end, graceDays) };
}

/** When a period ending at `end` is reviewed: after the grace period. */
export const reviewAt = (end: Date, graceDays: number) => new Date(end.getTime() + graceDays * DAY_MS);

/** The highest level whose threshold `value` reaches (levels sorted by rank), or null. */
export function qualifyingLevel<L extends RankedLevel>(levels: readonly L[], value: number): L | null {
  let best: L | null = null;
  for (const l of levels) if (l.threshold <= value) best = l;
  return best;
}

export const rankOf = (l: RankedLevel | null) => l?.rank ?? 0;

/**
 * Where a member lands when their level is not kept: the level they qualify for, or with a soft landing at most
 * one level below where they were (null: below the lowest level).
 */
export function landing<L extends RankedLevel>(levels: readonly L[], current: L, qualifying: L | null, softLanding: boolean): L | null {
  if (!softLanding || rankOf(qualifying) >= current.rank - 1) return qualifying;
  return levels.find((l) => l.rank === current.rank - 1) ?? null;
}
