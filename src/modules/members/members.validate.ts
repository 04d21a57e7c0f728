import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { invalid } from '../../platform/errors.js';

/**
 * The rules that turn what a caller typed into what Patron stores: identities (email, phone, card number,
 * per-channel ids) and the profile fields that need more than a type check. Each throws a 400 naming the field.
 */

export type IdentityType = 'email' | 'phone' | 'card' | 'external';

export interface Identity {
  type: IdentityType;
  /** Normalised; for `external` it is "channel:id". */
  value: string;
}

const EmailFormat = z.email();

export function normaliseEmail(raw: string, field = 'email'): string {
  const v = raw.trim().toLowerCase();
  if (v.length > 254 || !EmailFormat.safeParse(v).success) {
    throw invalid('member.invalid_email', `${field} is not a valid email address`, field);
  }
  return v;
}

const PHONE_CHARS = /^[0-9\s().\-/+]{1,40}$/;

/**
 * E.164. A national number needs the member's country; without one the number must start with +.
 * The number must have a possible length for its country, not match a known range: libphonenumber's ranges
 * lag new allocations, and refusing a real customer's number is worse than storing an unallocated one.
 */
export function normalisePhone(raw: string, country: string | null | undefined, field = 'phone'): string {
  const v = raw.trim();
  if (!PHONE_CHARS.test(v)) {
    throw invalid('member.invalid_phone', `${field} may hold only digits, spaces, +, (, ), - and .`, field);
  }
  const international = /^\(?\+/.test(v);
  const defaultCountry = country && isSupportedCountry(country) ? country : undefined;
  if (!international && !defaultCountry) {
    const unless = country ? `(national numbers of ${country} are not known)` : "unless the member's country is given";
    throw invalid('member.invalid_phone', `${field} must be in international format (+44…) ${unless}`, field);
  }
  const parsed = parsePhoneNumberFromString(v, defaultCountry ? { defaultCountry } : undefined);
  if (!parsed || !parsed.isPossible()) throw invalid('member.invalid_phone', `${field} is not a valid phone number`, field);
  return parsed.number;
}

export function normaliseCard(raw: string, field = 'card_number'): string {
  const v = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z0-9-]{4,64}$/.test(v)) {
    throw invalid('member.invalid_card_number', `${field} must be 4–64 letters, digits or -`, field);
  }
  return v;
}

const CHANNEL = /^[a-z][a-z0-9_.-]{0,31}$/;
/** The identity filter `email:…`, `phone:…`, `card:…` would be ambiguous with channels of these names. */
const RESERVED_CHANNELS = new Set(['email', 'phone', 'card', 'id']);

export function normaliseChannel(raw: string, field: string): string {
  const c = raw.trim().toLowerCase();
  if (!CHANNEL.test(c)) {
    throw invalid('member.invalid_external_id', `${field}: a channel is a-z first, then up to 31 of a-z 0-9 _ . -`, field);
  }
  if (RESERVED_CHANNELS.has(c)) throw invalid('member.invalid_external_id', `${field}: "${c}" is reserved, not a channel`, field);
  return c;
}

export function normaliseExternalId(raw: string, field: string): string {
  const v = raw.trim();
  // eslint-disable-next-line no-control-regex
  if (v.length < 1 || v.length > 200 || /[\u0000-\u001f\u007f]/.test(v)) {
    throw invalid('member.invalid_external_id', `${field} must be 1–200 characters without control characters`, field);
  }
  return v;
}

export const externalValue = (channel: string, id: string) => `${channel}:${id}`;

/** "channel:id" as in an event's `external_id` or the list's identity filter. */
export function normaliseExternal(raw: string, field: string): string {
  const at = raw.indexOf(':');
  if (at < 0) throw invalid('member.invalid_external_id', `${field} must be "channel:id", e.g. "shopify:123"`, field);
  return externalValue(normaliseChannel(raw.slice(0, at), field), normaliseExternalId(raw.slice(at + 1), field));
}

/** The list filter `identity`: `email:…`, `phone:+…`, `card:…`, or `<channel>:<id>`. */
export function parseIdentityFilter(raw: string, field = 'identity'): Identity {
  const at = raw.indexOf(':');
  if (at < 0) {
    throw invalid('member.invalid_identity', `${field} must be type:value (email:…, phone:+…, card:…, or channel:id)`, field);
  }
  const kind = raw.slice(0, at).trim().toLowerCase();
  const value = raw.slice(at + 1);
  switch (kind) {
    case 'email':
      return { type: 'email', value: normaliseEmail(value, field) };
    case 'phone':
      // An unencoded + in a query string arrives as a space.
      return { type: 'phone', value: normalisePhone(value.replace(/^ (?=\d)/, '+'), null, field) };
    case 'card':
      return { type: 'card', value: normaliseCard(value, field) };
    default:
      return { type: 'external', value: normaliseExternal(raw, field) };
  }
}

/** A real calendar date, not before 1900 and not after today anywhere on Earth (UTC+14). */
export function normaliseBirthdate(raw: string, now: Date, field = 'birthdate'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.trim());
  const bad = (why: string) => invalid('member.invalid_birthdate', `${field} ${why}`, field);
  if (!m) throw bad('must be a date as YYYY-MM-DD');
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) throw bad('is not a real date');
  if (y < 1900) throw bad('is before 1900');
  const latest = new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);
  const value = m[0];
  if (value > latest) throw bad('is in the future');
  return value;
}

/** An IANA zone, stored as Intl canonicalises it (europe/london → Europe/London, US/Eastern → America/New_York). */
export function normaliseTimeZone(raw: string, field = 'time_zone'): string {
  const v = raw.trim();
  // Intl also takes offsets such as +01:00; those are not IANA zones.
  if (/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(v)) {
    try {
      return new Intl.DateTimeFormat('en', { timeZone: v }).resolvedOptions().timeZone;
    } catch {
      /* not a zone */
    }
  }
  throw invalid('member.invalid_time_zone', `${field} must be an IANA time zone such as Europe/London`, field);
}

/** A BCP 47 tag in its canonical form (en-gb → en-GB). */
export function normaliseLocale(raw: string, field = 'locale'): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(raw.trim());
    if (canonical && canonical.length <= 64) return canonical;
  } catch {
    /* not a tag */
  }
  throw invalid('member.invalid_locale', `${field} must be a BCP 47 language tag such as en-GB`, field);
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
/** Two-letter codes ICU names that are not ISO 3166-1 countries (groupings, aliases, private use). */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ', 'UK', 'AC', 'CP', 'CQ', 'DG', 'EA', 'IC', 'TA']);

export function normaliseCountry(raw: string, field = 'country'): string {
  const v = raw.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(v) && !NOT_COUNTRIES.has(v) && regionNames.of(v) !== undefined) return v;
  throw invalid('member.invalid_country', `${field} must be an ISO 3166-1 alpha-2 country code such as GB`, field);
}

export const MAX_ATTRIBUTES_BYTES = 16 * 1024;

export function checkAttributes(attributes: Record<string, unknown>, field = 'attributes'): Record<string, unknown> {
  const json = JSON.stringify(attributes);
  if (Buffer.byteLength(json) > MAX_ATTRIBUTES_BYTES) {
    throw invalid('member.attributes_too_large', `${field} must be at most 16 KB of JSON`, field);
  }
  // PostgreSQL's jsonb cannot hold the NUL character.
  if (json.includes('\\u0000')) throw invalid('member.invalid_attributes', `${field} must not contain NUL characters`, field);
  return attributes;
}

export const MAX_TAGS = 100;

/** Tags in first-seen order without repeats. */
export function checkTags(tags: readonly string[], field = 'tags'): string[] {
  const unique = [...new Set(tags)];
  if (unique.length > MAX_TAGS) throw invalid('member.too_many_tags', `A member has at most ${MAX_TAGS} tags`, field);
  return unique;
}
