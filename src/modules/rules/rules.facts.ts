import type { Queryable } from '../../platform/db.js';
import { DAY_MS } from '../../platform/clock.js';
import type { Member } from '../members/index.js';
import type { CustomEvent, PurchaseEvent } from '../events/index.js';
import type { Program } from '../programs/index.js';
import type { LineFilter, Period } from './rules.contract.js';
import { lineMatches, type Resolve } from './rules.conditions.js';

/** A member's tier as the tiers module reports it (through an injected lookup), in `program`'s configuration. */
export type TierLookup = (
  q: Queryable,
  program: Program,
  memberId: string,
) => Promise<{ level_id: string; name: string; rank: number; benefits: Record<string, unknown> } | null>;

export interface PurchaseStats {
  count: number;
  amount: number;
  first_at: Date | null;
  last_at: Date | null;
}

export interface FactsInput {
  q: Queryable;
  /** The program as the configuration snapshot the event runs with has it. */
  program: Program;
  programId: string;
  memberId: string;
  event: PurchaseEvent | CustomEvent;
  occurredAt: Date;
  /** The purchase's amount and lines (absent for custom events). */
  order?: { amount: number; lines: readonly { sku: string; category?: string; quantity: number; unit_price: number }[] };
  /** Preview: the order is not in the database, so history adds it by hand. */
  orderStored: boolean;
  getMember: (q: Queryable, programId: string, memberId: string) => Promise<Member>;
  purchaseStats: (q: Queryable, programId: string, memberId: string, range: { from?: Date | null; to?: Date | null }) => Promise<PurchaseStats>;
  tierLookup?: TierLookup;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The date and time at `at` in a time zone: y, m (1–12), d, hour, weekday (1 = Monday). */
export function localParts(at: Date, tz: string) {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), hour: Number(p.hour), weekday: WEEKDAYS[p.weekday!] ?? 1 };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const ymd = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

/** The usage-counter key of a limit period for a local date. */
export function periodKey(period: Period, l: { y: number; m: number; d: number; weekday: number }): string {
  switch (period) {
    case 'day':
      return `day:${ymd(l.y, l.m, l.d)}`;
    case 'week': {
      const monday = new Date(Date.UTC(l.y, l.m - 1, l.d) - (l.weekday - 1) * DAY_MS);
      return `week:${monday.toISOString().slice(0, 10)}`;
    }
    case 'month':
      return `month:${pad(l.y, 4)}-${pad(l.m)}`;
    case 'year':
      return `year:${pad(l.y, 4)}`;
    case 'lifetime':
      return 'lifetime';
  }
}

/** Days between a local date and the nearest birthday (before or after); Feb 29 counts as Feb 28 in other years. */
function daysToBirthday(l: { y: number; m: number; d: number }, birthdate: string): number {
  const [, bm, bd] = birthdate.split('-').map(Number) as [number, number, number];
  const today = Date.UTC(l.y, l.m - 1, l.d);
  let best = Infinity;
  for (const y of [l.y - 1, l.y, l.y + 1]) {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const day = bm === 2 && bd === 29 && !leap ? 28 : bd;
    best = Math.min(best, Math.abs(Date.UTC(y, bm - 1, day) - today) / DAY_MS);
  }
  return best;
}

const at = (obj: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined), obj);

/**
 * The facts conditions read about one event, loaded lazily and once: the member (one query) only when a rule
 * names the member or the date, history only for the windows rules ask about.
 */
export function createFacts(f: FactsInput) {
  let member: Promise<Member> | undefined;
  let tier: ReturnType<TierLookup> | undefined;
  const stats = new Map<string, Promise<PurchaseStats>>();
  const e = f.event;
  const lines = f.order?.lines ?? [];
  const isPurchase = e.type === 'purchase';

  const getMember = () => (member ??= f.getMember(f.q, f.programId, f.memberId));
  const getTier = () => (tier ??= f.tierLookup ? f.tierLookup(f.q, f.program, f.memberId) : Promise.resolve(null));
  const local = async () => localParts(f.occurredAt, (await getMember()).time_zone ?? 'UTC');

  /** Purchases in [from, to); in preview the event's own purchase is added when it falls in the window. */
  async function history(fromMs: number | null, toMs: number): Promise<PurchaseStats> {
    const key = `${fromMs}:${toMs}`;
    let p = stats.get(key);
    if (!p) {
      p = f.purchaseStats(f.q, f.programId, f.memberId, { from: fromMs === null ? null : new Date(fromMs), to: new Date(toMs) }).then((s) => {
        const t = f.occurredAt.getTime();
        if (f.orderStored || !isPurchase || !f.order || t >= toMs || (fromMs !== null && t < fromMs)) return s;
        return {
          count: s.count + 1,
          amount: s.amount + f.order.amount,
          first_at: s.first_at && s.first_at < f.occurredAt ? s.first_at : f.occurredAt,
          last_at: s.last_at && s.last_at > f.occurredAt ? s.last_at : f.occurredAt,
        };
      });
      stats.set(key, p);
    }
    return p;
  }
  const upTo = f.occurredAt.getTime() + 1; // up to and including this event

  const linesOf = (where?: LineFilter) => lines.filter((l) => lineMatches(l, where));

  const resolve: Resolve = async ({ field, where, days }) => {
    if (field.startsWith('event.properties.')) return at(e.properties, field.slice('event.properties.'.length));
    if (field.startsWith('member.attributes.')) return at((await getMember()).attributes, field.slice('member.attributes.'.length));
    if (field.startsWith('member.tier_benefits.')) return at((await getTier())?.benefits, field.slice('member.tier_benefits.'.length));
    switch (field) {
      case 'event.type':
        return e.type;
      case 'event.amount':
        return f.order?.amount ?? null;
      case 'event.currency':
        return isPurchase ? (e as PurchaseEvent).currency : null;
      case 'event.channel':
        return e.channel ?? null;
      case 'event.store_id':
        return isPurchase ? ((e as PurchaseEvent).store_id ?? null) : null;
      case 'event.quantity':
        return lines.reduce((s, l) => s + l.quantity, 0);
      case 'event.skus':
        return lines.map((l) => l.sku);
      case 'event.categories':
        return lines.flatMap((l) => (l.category === undefined ? [] : [l.category]));
      case 'event.occurred_at':
        return f.occurredAt.toISOString();
      case 'lines.quantity':
        return linesOf(where).reduce((s, l) => s + l.quantity, 0);
      case 'lines.amount':
        return linesOf(where).reduce((s, l) => s + l.quantity * l.unit_price, 0);
      case 'lines.count':
        return linesOf(where).length;
      case 'member.tier':
        return (await getTier())?.name ?? null;
      case 'member.tier_level_id':
        return (await getTier())?.level_id ?? null;
      case 'member.tier_rank':
        return (await getTier())?.rank ?? null;
      case 'member.tags':
        return (await getMember()).tags;
      case 'member.enrolment_days':
        return Math.floor((f.occurredAt.getTime() - new Date((await getMember()).enrolled_at).getTime()) / DAY_MS);
      case 'member.enrolment_channel':
        return (await getMember()).enrolment_channel;
      case 'member.country':
        return (await getMember()).country;
      case 'member.locale':
        return (await getMember()).locale;
      case 'member.consent.email':
        return (await getMember()).consent.email;
      case 'member.consent.sms':
        return (await getMember()).consent.sms;
      case 'member.consent.push':
        return (await getMember()).consent.push;
      case 'date.weekday':
        return (await local()).weekday;
      case 'date.hour':
        return (await local()).hour;
      case 'date.month':
        return (await local()).m;
      case 'date.date': {
        const l = await local();
        return ymd(l.y, l.m, l.d);
      }
      case 'date.birthday_month': {
        const b = (await getMember()).birthdate;
        return b ? Number(b.slice(5, 7)) === (await local()).m : false;
      }
      case 'date.days_to_birthday': {
        const b = (await getMember()).birthdate;
        return b ? daysToBirthday(await local(), b) : null;
      }
      case 'history.first_purchase':
        return isPurchase && (await history(null, upTo)).count === 1;
      case 'history.purchase_count':
        return (await history(null, upTo)).count;
      case 'history.spend':
        return (await history(upTo - 1 - days! * DAY_MS, upTo)).amount;
      case 'history.purchases':
        return (await history(days ? upTo - 1 - days * DAY_MS : null, upTo)).count;
      case 'history.days_since_last_purchase': {
        // Before this event: its own order (stored at this very instant) is left out.
        const s = await history(null, f.occurredAt.getTime());
        return s.last_at ? Math.floor((f.occurredAt.getTime() - new Date(s.last_at).getTime()) / DAY_MS) : null;
      }
    }
    return undefined;
  };

  return { resolve, getMember, local, lines: linesOf };
}
export type Facts = ReturnType<typeof createFacts>;
