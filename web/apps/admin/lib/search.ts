import type { MemberListParams } from '../../../packages/api-client';

/**
 * What the members search box asks the API: a whole email, a phone number in international form or a typed
 * identity (`card:ABC123`, `shopify:123`) looks the member up by identity; anything else is a part of a name or email.
 */
export function searchParamsFor(text: string): Pick<MemberListParams, 'q' | 'identity'> {
  const s = text.trim();
  if (!s) return {};
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)) return { identity: `email:${s}` };
  if (/^\+[\d\s-]{6,}$/.test(s)) return { identity: `phone:${s.replace(/[\s-]/g, '')}` };
  if (/^[a-z][a-z0-9_-]*:\S+$/i.test(s)) return { identity: s };
  return { q: s };
}
