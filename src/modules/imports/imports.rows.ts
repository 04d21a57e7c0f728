import type { MemberRef } from '../members/index.js';
import { bad, instant, money, text, wholeNumber, yesNo } from './imports.values.js';
import { memberRef, type IdentityKind, type Mapping } from './imports.mapping.js';
import type { SourceRecord } from './imports.source.js';

/**
 * One record of a data file read through a mapping: an event row (a whole event, or one line item of an
 * order) or a member. Values are converted here; a value that does not convert throws, and the record is
 * rejected with the field that is wrong.
 */

export interface LineItem {
  sku: string;
  name?: string;
  category?: string;
  /** As written: a purchase needs at least 1; a return may write its quantity negative. */
  quantity: number;
  unit_price: number;
}

export interface EventRow {
  line: number;
  type: string;
  id?: string;
  member?: MemberRef;
  /** The member's identity as written, to recognise the same customer on other rows. */
  memberKey?: string;
  /** The member field is mapped and empty on this row: a guest's order (imported as a guest purchase). */
  guest: boolean;
  order_id?: string;
  amount?: number;
  currency: string;
  channel?: string;
  store_id?: string;
  occurred_at?: string;
  reason?: string;
  item?: LineItem;
  properties?: Record<string, unknown>;
}

export interface EventRowOptions {
  /** The type of rows when `type` is not mapped. */
  type: string;
  identity: IdentityKind;
  zone: string;
  currency: string;
  digits: number;
  minorUnits: boolean;
  channel?: string;
  /** How a member's id is read from its cell (the online-retail preset turns "17850.0" into "17850"). */
  memberText?: (raw: unknown) => string;
  /** Rows whose order number starts with this are returns (online-retail: "C536379"). */
  returnPrefix?: string;
}

const MEMBER_KINDS: [string, IdentityKind][] = [
  ['member.id', { kind: 'id' }],
  ['member.email', { kind: 'email' }],
  ['member.phone', { kind: 'phone' }],
  ['member.card_number', { kind: 'card_number' }],
];

/** A converter from records to event rows for this mapping. */
export function eventRows(mapping: Mapping, opts: EventRowOptions): (rec: SourceRecord) => EventRow {
  const col = (target: string) => mapping.get(target);
  const memberCols: [string, IdentityKind | 'external_ref'][] = [];
  if (col('member')) memberCols.push([col('member')!, opts.identity]);
  for (const [target, kind] of MEMBER_KINDS) if (col(target)) memberCols.push([col(target)!, kind]);
  if (col('member.external_id')) memberCols.push([col('member.external_id')!, 'external_ref']);
  const props = [...mapping].filter(([t]) => t.startsWith('properties.')).map(([t, c]) => [t.slice('properties.'.length), c] as const);
  const memberText = opts.memberText ?? text;
  const moneyOpts = { digits: opts.digits, minorUnits: opts.minorUnits };
  let lastAt: { raw: unknown; iso: string } = { raw: undefined, iso: '' };

  return (rec) => {
    const get = (target: string) => {
      const c = col(target);
      return c === undefined ? undefined : rec.get(c);
    };
    const str = (target: string) => text(get(target)) || undefined;
    const row: EventRow = { line: rec.line, type: str('type') ?? opts.type, currency: str('currency')?.toUpperCase() ?? opts.currency, guest: false };
    row.id = str('id');
    row.order_id = str('order_id');
    if (opts.returnPrefix && row.order_id?.startsWith(opts.returnPrefix)) row.type = 'return';
    for (const [column, kind] of memberCols) {
      const value = memberText(rec.get(column));
      if (!value) continue;
      const ref = kind === 'external_ref' ? { external_id: value } : memberRef(kind, value);
      row.member = ref;
      row.memberKey = Object.entries(ref)[0]!.join(':');
      break;
    }
    row.guest = memberCols.length > 0 && !row.member;
    if (col('amount') && text(get('amount')) !== '') row.amount = money(get('amount'), moneyOpts, 'amount');
    row.channel = str('channel') ?? opts.channel;
    row.store_id = str('store_id');
    row.reason = str('reason');
    if (col('occurred_at')) {
      const at = get('occurred_at');
      if (text(at) === '') throw bad('import.missing_value', 'occurred_at', 'occurred_at is empty');
      // The lines of an order share their date: converting it once per order keeps time zones off the profile.
      if (at !== lastAt.raw) lastAt = { raw: at, iso: instant(at, opts.zone, 'occurred_at') };
      row.occurred_at = lastAt.iso;
    }
    if (col('sku')) {
      const sku = str('sku');
      if (!sku) throw bad('import.missing_value', 'sku', 'sku is empty');
      row.item = {
        sku,
        quantity: col('quantity') ? wholeNumber(get('quantity'), 'quantity') : 1,
        unit_price: money(get('unit_price'), moneyOpts, 'unit_price'),
      };
      const name = str('name');
      const category = str('category');
      if (name) row.item.name = name;
      if (category) row.item.category = category;
    }
    for (const [key, column] of props) {
      const v = rec.get(column);
      const value = typeof v === 'string' ? v.trim() : v;
      if (value === undefined || value === null || value === '') continue;
      (row.properties ??= {})[key] = value;
    }
    return row;
  };
}

/** A converter from records to the body of `POST /v1/members` for this mapping. */
export function memberRows(mapping: Mapping, opts: { identity: IdentityKind; zone: string; memberText?: (raw: unknown) => string }) {
  const memberText = opts.memberText ?? text;
  return (rec: SourceRecord): Record<string, unknown> => {
    const body: Record<string, unknown> = {};
    const external: Record<string, string> = {};
    const attributes: Record<string, unknown> = {};
    const consent: Record<string, boolean> = {};
    for (const [target, column] of mapping) {
      const raw = rec.get(column);
      if (text(raw) === '') continue;
      if (target === 'member') {
        const ref = memberRef(opts.identity, memberText(raw));
        if ('external_id' in ref) {
          const [channel, ...id] = ref.external_id.split(':');
          external[channel!] = id.join(':');
        } else if ('id' in ref) {
          throw bad('import.bad_identity', 'member', 'Members are imported by an identity (email, phone, card_number, external:<channel>), not by id');
        } else Object.assign(body, ref);
      } else if (target.startsWith('external_ids.')) external[target.slice('external_ids.'.length)] = memberText(raw);
      else if (target.startsWith('attributes.')) attributes[target.slice('attributes.'.length)] = typeof raw === 'string' ? raw.trim() : raw;
      else if (target.startsWith('consent.')) consent[target.slice('consent.'.length)] = yesNo(raw, target);
      else if (target === 'tags') body.tags = text(raw).split(/[;|]/).map((t) => t.trim()).filter(Boolean);
      else if (target === 'enrolled_at') body.enrolled_at = instant(raw, opts.zone, target);
      else body[target] = text(raw);
    }
    if (Object.keys(external).length) body.external_ids = external;
    if (Object.keys(attributes).length) body.attributes = attributes;
    if (Object.keys(consent).length) body.consent = consent;
    return body;
  };
}
