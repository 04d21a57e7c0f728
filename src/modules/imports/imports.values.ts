import { DateTime } from 'luxon';
import { AppError } from '../../platform/errors.js';
import { inYearRange, MAX_YEAR, MIN_YEAR } from '../../platform/instant.js';

/**
 * Pure conversions from the text of a data file to Patron's values. Each throws an AppError with a stable
 * code naming the mapped field, which the import turns into a reject of that line.
 */

export const bad = (code: string, field: string, message: string) => new AppError('invalid', code, message, { field });

/** Decimal digits of a currency's minor unit (GBP 2, JPY 0, BHD 3), from the runtime's ISO 4217 data. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * A decimal string in major units ("2.55", "-11062.06", "3") as an integer count of minor units (255),
 * without floating point. Digits beyond the currency's minor unit are rounded half away from zero: "0.001"
 * pounds is 0 pence, "0.005" is 1.
 */
export function decimalToMinor(raw: string, digits: number, field: string): number {
  const m = DECIMAL.exec(raw.trim());
  if (!m || (m[2] === '' && !m[3])) throw bad('import.invalid_amount', field, `${field} is not a decimal number: "${raw}"`);
  const [, sign, whole = '', frac = ''] = m;
  const kept = frac.slice(0, digits).padEnd(digits, '0');
  let minor = BigInt(`${whole || '0'}${kept}`);
  if ((frac[digits] ?? '0') >= '5') minor += 1n;
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('import.invalid_amount', field, `${field} is too large: "${raw}"`);
  const n = Number(minor);
  return sign === '-' && n !== 0 ? -n : n;
}

/** A whole number written as "6", "-3" or "6.0" (spreadsheets write integers as floats). */
export function wholeNumber(raw: unknown, field: string): number {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const m = /^([+-]?\d+)(?:\.0*)?$/.exec(s);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw bad('import.invalid_number', field, `${field} is not a whole number: "${String(raw)}"`);
  return n;
}

/** Money from a file: a decimal in major units, or, with `minorUnits`, a whole number of minor units. */
export function money(raw: unknown, opts: { digits: number; minorUnits: boolean }, field: string): number {
  if (opts.minorUnits) return wholeNumber(raw, field);
  if (typeof raw === 'number') return decimalToMinor(String(raw), opts.digits, field);
  if (typeof raw !== 'string') throw bad('import.invalid_amount', field, `${field} is not a number`);
  return decimalToMinor(raw, opts.digits, field);
}

/**
 * A point in time as ISO 8601 UTC. A value with an offset (2011-06-01T10:00:00+01:00, …Z) stands as given;
 * a local one (2011-06-01 10:00:00, 2011-06-01T10:00) is read in `zone`, daylight saving included: in the
 * hour the clocks go back the second (standard-time) instant is taken, and a time skipped when they go forward
 * moves an hour ahead.
 */
export function instant(raw: unknown, zone: string, field: string): string {
  const s = typeof raw === 'string' ? raw.trim() : '';
  let dt = DateTime.fromISO(s, { zone });
  if (!dt.isValid) dt = DateTime.fromSQL(s, { zone });
  if (!dt.isValid) throw bad('import.invalid_date', field, `${field} is not a date and time: "${String(raw)}"`);
  if (!inYearRange(dt.toJSDate())) {
    throw bad('validation.year_out_of_range', field, `${field} must be between the years ${MIN_YEAR} and ${MAX_YEAR} (in UTC): "${String(raw)}"`);
  }
  return dt.toUTC().toISO({ suppressMilliseconds: true })!;
}

/** True for an IANA time zone the runtime knows. */
export function isTimeZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid;
}

/** "17850.0" → "17850": an id a spreadsheet wrote as a float. Anything else is kept as it is (trimmed). */
export function idText(raw: unknown): string {
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  return /^\d+\.0+$/.test(s) ? s.slice(0, s.indexOf('.')) : s;
}

/** A cell's text, trimmed; '' for nothing. */
export function text(raw: unknown): string {
  if (raw === undefined || raw === null) return '';
  return (typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw)).trim();
}

/** yes/no in the forms files use: true, false, 1, 0, yes, no, y, n. */
export function yesNo(raw: unknown, field: string): boolean {
  if (typeof raw === 'boolean') return raw;
  const s = text(raw).toLowerCase();
  if (['true', '1', 'yes', 'y'].includes(s)) return true;
  if (['false', '0', 'no', 'n'].includes(s)) return false;
  throw bad('import.invalid_boolean', field, `${field} is not yes or no: "${String(raw)}"`);
}
