import { invalid } from '../../platform/errors.js';
import { inYearRange } from '../../platform/instant.js';
import type { MemberRef } from '../members/index.js';

/**
 * What the event log and the refusals list share: a cursor that is the last row's time and id, and a member
 * filter that takes an id or one identity.
 */
export const encodeCursor = (at: Date, id: string) => Buffer.from(JSON.stringify([at.toISOString(), id]), 'utf8').toString('base64url');

export function decodeCursor(c: string): { at: Date; id: string } {
  const bad = () => invalid('event.invalid_cursor', 'cursor is not one this API returned', 'cursor');
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') throw bad();
  const at = new Date(v[0]);
  if (Number.isNaN(at.getTime()) || !inYearRange(at)) throw bad();
  return { at, id: v[1] };
}

/** The member filter: a member id, or one identity as `type:value` (the members list's syntax). */
export function memberFilterRef(s: string): MemberRef {
  if (/^mbr_[0-9a-z]{26}$/.test(s)) return { id: s };
  const at = s.indexOf(':');
  if (at <= 0) {
    throw invalid('event.invalid_member_filter', 'member is a member id (mbr_…) or one identity: email:…, phone:+…, card:…, or channel:id', 'member');
  }
  const kind = s.slice(0, at).trim().toLowerCase();
  const value = s.slice(at + 1);
  if (kind === 'email') return { email: value };
  // An unencoded + in a query string arrives as a space.
  if (kind === 'phone') return { phone: value.replace(/^ (?=\d)/, '+') };
  if (kind === 'card') return { card_number: value };
  return { external_id: s };
}
