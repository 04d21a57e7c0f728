import { AppError } from '../../platform/errors.js';
import type { MemberRef } from '../members/index.js';

/**
 * Column mappings: `--map member=CustomerID,order_id=InvoiceNo,…` names, for each of Patron's fields (the
 * target), the column (CSV) or key (JSON Lines, dotted paths allowed) that holds it.
 */

export type ImportKind = 'events' | 'members';

const EVENT_TARGETS = [
  'id',
  'type',
  'member',
  'member.id',
  'member.email',
  'member.phone',
  'member.card_number',
  'member.external_id',
  'order_id',
  'amount',
  'currency',
  'channel',
  'store_id',
  'occurred_at',
  'reason',
  'sku',
  'name',
  'category',
  'quantity',
  'unit_price',
] as const;
const EVENT_PREFIXES = ['properties.'] as const;

const MEMBER_TARGETS = [
  'member',
  'email',
  'phone',
  'card_number',
  'first_name',
  'last_name',
  'birthdate',
  'locale',
  'time_zone',
  'country',
  'tags',
  'enrolment_channel',
  'enrolled_at',
  'consent.email',
  'consent.sms',
  'consent.push',
] as const;
const MEMBER_PREFIXES = ['external_ids.', 'attributes.'] as const;

/** Patron's field → the file's column. */
export type Mapping = ReadonlyMap<string, string>;

export function targetsOf(kind: ImportKind): { names: readonly string[]; prefixes: readonly string[] } {
  return kind === 'events' ? { names: EVENT_TARGETS, prefixes: EVENT_PREFIXES } : { names: MEMBER_TARGETS, prefixes: MEMBER_PREFIXES };
}

export function isTarget(kind: ImportKind, target: string): boolean {
  const { names, prefixes } = targetsOf(kind);
  return names.includes(target) || prefixes.some((p) => target.startsWith(p) && target.length > p.length);
}

const badMap = (message: string) => new AppError('invalid', 'import.bad_map', message, { field: 'map' });

/** Parses `target=Column,target=Column`; an unknown target or a target named twice is refused. */
export function parseMapSpec(spec: string, kind: ImportKind): Mapping {
  const out = new Map<string, string>();
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    if (at < 0) throw badMap(`"${part}" is not target=column`);
    const target = part.slice(0, at).trim();
    const column = part.slice(at + 1).trim();
    if (!isTarget(kind, target)) {
      const { names, prefixes } = targetsOf(kind);
      throw badMap(`unknown field "${target}"; the ${kind} fields are ${[...names, ...prefixes.map((p) => `${p}<key>`)].join(', ')}`);
    }
    if (column === '') throw badMap(`"${target}=" names no column`);
    if (out.has(target)) throw badMap(`"${target}" is mapped twice`);
    out.set(target, column);
  }
  if (out.size === 0) throw badMap('the mapping is empty');
  return out;
}

/** Without --map: the header's columns that are named like Patron's fields map to themselves. */
export function mappingByName(kind: ImportKind, columns: readonly string[]): Mapping {
  return new Map(columns.filter((c) => isTarget(kind, c)).map((c) => [c, c]));
}

/** The mapped columns the file does not have. */
export function missingColumns(mapping: Mapping, columns: readonly string[]): string[] {
  const have = new Set(columns);
  return [...new Set(mapping.values())].filter((c) => !have.has(c));
}

/** How the `member` field names a member: `email`, `phone`, `card_number`, `id`, or `external:<channel>`. */
export type IdentityKind = { kind: 'email' | 'phone' | 'card_number' | 'id' } | { kind: 'external'; channel: string };

const CHANNEL = /^[a-z][a-z0-9_.-]{0,31}$/;

export function parseIdentity(raw: string): IdentityKind {
  const s = raw.trim().toLowerCase();
  if (s === 'email' || s === 'phone' || s === 'card_number' || s === 'id') return { kind: s };
  const m = /^external:(.+)$/.exec(s);
  if (m && CHANNEL.test(m[1]!)) return { kind: 'external', channel: m[1]! };
  throw new AppError(
    'invalid',
    'import.bad_identity',
    `--identity "${raw}" is not one of email, phone, card_number, id or external:<channel> (a channel is a-z, then a-z 0-9 _ . -)`,
    { field: 'identity' },
  );
}

export function describeIdentity(i: IdentityKind): string {
  return i.kind === 'external' ? `external id ${i.channel}:<value>` : i.kind;
}

/** The reference to a member whose identity of this kind is `value`. */
export function memberRef(i: IdentityKind, value: string): MemberRef {
  switch (i.kind) {
    case 'email':
      return { email: value };
    case 'phone':
      return { phone: value };
    case 'card_number':
      return { card_number: value };
    case 'id':
      return { id: value };
    case 'external':
      return { external_id: `${i.channel}:${value}` };
  }
}
