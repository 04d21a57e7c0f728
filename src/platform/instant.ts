import { z } from 'zod';
import { invalid } from './errors.js';

/**
 * Every time and date a client gives goes through here. ISO 8601 allows years 0000–9999 and an offset of up
 * to ±14 h, so `0001-01-01T00:00:00+14:00` is year 0 in UTC; PostgreSQL refuses some of these, and
 * `Date.UTC` reads years 0–99 as 1900–1999. Patron takes years 1900 to 9999 (in UTC, after the offset)
 * and refuses the rest with `validation.year_out_of_range` naming the field.
 */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 9999;

export const YEAR_OUT_OF_RANGE = 'year_out_of_range';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isoDay = z.iso.date();
const isoInstant = z.iso.datetime({ offset: true });

/** The UTC year of a time (NaN for an invalid one). */
const yearOf = (d: Date) => d.getUTCFullYear();

export const inYearRange = (d: Date) => {
  const y = yearOf(d);
  return y >= MIN_YEAR && y <= MAX_YEAR;
};

const rangeMessage = `must be between the years ${MIN_YEAR} and ${MAX_YEAR} (in UTC)`;

/** A date (YYYY-MM-DD) as the UTC midnight that starts it. */
const dayStart = (s: string) => new Date(`${s}T00:00:00Z`);

function checkYear(value: string, ctx: z.core.$RefinementCtx<string>, at: Date) {
  if (!inYearRange(at)) ctx.addIssue({ code: 'custom', message: rangeMessage, params: { code: YEAR_OUT_OF_RANGE }, input: value });
}

/** An ISO 8601 time with an offset (`2026-01-05T10:00:00+01:00`), in years 1900–9999 after the offset. */
export const Instant = isoInstant.superRefine((s, ctx) => checkYear(s, ctx, new Date(s)));

/** A calendar date (`2026-01-05`), in years 1900–9999. */
export const Day = isoDay.superRefine((s, ctx) => checkYear(s, ctx, dayStart(s)));

/** A date (UTC midnight) or a time: one schema, so that an error names the field rather than a union's attempts. */
export const DayOrInstant = z.string().superRefine((s, ctx) => {
  const isDay = DAY.test(s);
  if (!(isDay ? isoDay : isoInstant).safeParse(s).success) {
    ctx.addIssue({ code: 'invalid_format', format: isDay ? 'date' : 'datetime', message: 'must be a date (YYYY-MM-DD) or an ISO 8601 time with an offset', input: s });
    return;
  }
  checkYear(s, ctx, isDay ? dayStart(s) : new Date(s));
});

/**
 * Parses a date or time outside zod (services, the CLI), with the same rule: an AppError naming `field`
 * for what is not a date, `validation.year_out_of_range` for a year outside 1900–9999.
 */
export function parseDayOrInstant(v: string, field: string, badCode = 'validation.invalid_format'): Date {
  const d = DAY.test(v) ? dayStart(v) : new Date(v);
  if (Number.isNaN(d.getTime())) throw invalid(badCode, `Not a date: ${v}`, field);
  if (!inYearRange(d)) throw invalid(`validation.${YEAR_OUT_OF_RANGE}`, `${field} ${rangeMessage}`, field);
  return d;
}

/** The Patron code of a zod issue: a custom issue may carry its own (`params.code`). */
export function issueCode(issue: { code: string; params?: unknown }): string {
  const own = issue.code === 'custom' && issue.params && typeof issue.params === 'object' ? (issue.params as { code?: unknown }).code : undefined;
  return `validation.${typeof own === 'string' ? own : issue.code}`;
}
