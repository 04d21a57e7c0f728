import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, expectVerified, uniq } from '../../../test/fixtures.js';
import { manualClock, DAY_MS } from '../../platform/clock.js';

/**
 * Random sequences of everything that moves points — purchases earning pending points that a refund cancels or
 * the lock period releases, credits with and without an expiry, debits, redemptions, holds confirmed, cancelled
 * or left to lapse, transfers, reversals of any of those, and the clock moving with the maintenance run — against a reference model of the
 * ledger written from its rules (lots, expiry order, debts paid first, holds that stop counting when they lapse).
 * Before every step the model says what the API must answer (status, and code for a refusal); after it, every
 * member's balance read through the API must equal the model's, figure by figure.
 */
const START = Date.parse('2026-03-01T00:00:00Z');
const clock = manualClock(new Date(START).toISOString());
const PENDING_DAYS = 14;
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

// ---- The reference model --------------------------------------------------------------------------------

interface Lot {
  seq: number;
  remaining: number;
  pending: boolean;
  availableAt: number | null;
  expiresAt: number | null;
}

interface Member {
  id: string;
  balance: number;
  pending: number;
  earned: number;
  reversed: number;
  spent: number;
  expired: number;
  lots: Lot[];
}

interface Hold {
  id: string;
  member: Member;
  amount: number;
  status: 'active' | 'confirmed' | 'cancelled' | 'expired';
  expiresAt: number;
  parts?: { points: number; expiresAt: number | null }[];
}

interface Order {
  id: string;
  member: Member;
  amount: number;
  refunded: number;
  earned: number;
  /** What reversals were due so far (taken or not). */
  reversedDue: number;
  lot: Lot | null;
}

/** A transaction the API answered, as the model knows it, for reversing it later. */
interface Txn {
  id: string;
  kind: 'credit' | 'debit' | 'redeem' | 'transfer' | 'earn';
  member: Member;
  amount: number;
  /** Where a debit's points came from (each with its expiry): a reversal gives them back so. */
  parts: { points: number; expiresAt: number | null }[];
  lot: Lot | null;
  reversedDue: number;
  to?: Member;
  order?: Order;
}

class Model {
  now = START;
  private seq = 0;
  readonly holds: Hold[] = [];
  readonly orders: Order[] = [];
  readonly txns: Txn[] = [];
  constructor(
    readonly members: Member[],
    readonly allowNegative: boolean,
  ) {}

  private lot(l: Omit<Lot, 'seq'>): Lot {
    return { ...l, seq: ++this.seq };
  }

  liveHeld(m: Member) {
    return this.holds.filter((x) => x.member === m && x.status === 'active' && x.expiresAt > this.now).reduce((s, x) => s + x.amount, 0);
  }

  /** Balance less live holds: what a debit or a hold may take. */
  room(m: Member) {
    return m.balance - this.liveHeld(m);
  }

  /** Open lots, in the order debits consume them: a named lot first, then soonest-expiring, never-expiring last. */
  private open(m: Member, first?: Lot) {
    const at = (l: Lot) => l.expiresAt ?? Number.POSITIVE_INFINITY;
    return m.lots
      .filter((l) => !l.pending && l.remaining > 0)
      .sort((a, b) => Number(b === first) - Number(a === first) || at(a) - at(b) || a.seq - b.seq);
  }

  /** Takes `amount` from the open lots; answers what came from each (with its expiry). */
  private consume(m: Member, amount: number, first?: Lot) {
    const taken: { points: number; expiresAt: number | null }[] = [];
    let left = amount;
    for (const l of this.open(m, first)) {
      if (left <= 0) break;
      const x = Math.min(l.remaining, left);
      l.remaining -= x;
      left -= x;
      taken.push({ points: x, expiresAt: l.expiresAt });
    }
    return taken;
  }

  /** Points arriving in an available balance: a debt is paid first, the rest makes lots. */
  private receive(m: Member, parts: { points: number; expiresAt: number | null }[]): Lot[] {
    const amount = parts.reduce((s, p) => s + p.points, 0);
    const before = m.balance;
    m.balance += amount;
    let debt = Math.max(0, -before);
    const made: Lot[] = [];
    for (const p of parts) {
      const absorbed = Math.min(debt, p.points);
      debt -= absorbed;
      if (p.points - absorbed > 0) made.push(this.lot({ remaining: p.points - absorbed, pending: false, availableAt: null, expiresAt: p.expiresAt }));
    }
    m.lots.push(...made);
    return made;
  }

  /** A reversal takes earned points back: the lot they made first, then soonest-expiring; under `forbid` only what is there. */
  private takeBack(m: Member, due: number, lot: Lot | null) {
    const taken = this.allowNegative ? due : Math.min(due, Math.max(0, this.room(m)));
    if (taken <= 0) return;
    const before = m.balance;
    m.balance -= taken;
    m.reversed += taken;
    this.consume(m, Math.min(taken, Math.max(0, before)), lot ?? undefined);
  }

  purchase(m: Member, id: string, amount: number) {
    const earned = Math.floor(amount / 100);
    let lot: Lot | null = null;
    if (earned > 0) {
      lot = this.lot({ remaining: earned, pending: true, availableAt: this.now + PENDING_DAYS * DAY_MS, expiresAt: null });
      m.lots.push(lot);
      m.pending += earned;
    }
    this.orders.push({ id, member: m, amount, refunded: 0, earned, reversedDue: 0, lot });
  }

  refund(o: Order, amount: number) {
    o.refunded += amount;
    if (o.earned === 0) return;
    const target = o.refunded >= o.amount ? o.earned : Math.floor((o.earned * o.refunded) / o.amount);
    const due = target - o.reversedDue;
    if (due <= 0) return;
    this.reverseOrder(o, due);
  }

  private reverseOrder(o: Order, due: number) {
    o.reversedDue += due;
    const m = o.member;
    if (o.lot && o.lot.pending) {
      const x = Math.min(o.lot.remaining, due);
      o.lot.remaining -= x;
      m.pending -= x;
      return;
    }
    this.takeBack(m, due, o.lot);
  }

  credit(m: Member, points: number, expiresAt: number | null) {
    m.earned += points;
    return this.receive(m, [{ points, expiresAt }])[0] ?? null;
  }

  /** A debit (redemption or debit adjustment): refused (null, a 422) unless the room covers it. */
  debit(m: Member, points: number, counter: 'spent' | 'reversed') {
    if (this.room(m) < points) return null;
    m.balance -= points;
    m[counter] += points;
    return this.consume(m, points);
  }

  /** POST /v1/transactions/{id}/reverse: what is left of it goes back the way it came. */
  reverse(t: Txn): { status: number; code?: string } {
    const done = t.order ? t.order.reversedDue : t.reversedDue;
    const left = (t.order ? t.order.earned : t.amount) - done;
    if (left <= 0) return { status: 409, code: 'transaction.already_reversed' };
    const m = t.member;
    switch (t.kind) {
      case 'earn':
        this.reverseOrder(t.order!, left);
        break;
      case 'credit':
        t.reversedDue += left;
        this.takeBack(m, left, t.lot);
        break;
      case 'redeem':
      case 'debit':
        t.reversedDue = t.amount;
        if (t.kind === 'redeem') m.spent -= t.amount;
        else m.earned += t.amount;
        this.receive(m, [...t.parts, ...(t.parts.reduce((a, p) => a + p.points, 0) < t.amount ? [{ points: t.amount - t.parts.reduce((a, p) => a + p.points, 0), expiresAt: null }] : [])]);
        break;
      case 'transfer':
        if (this.room(t.to!) < t.amount) return { status: 422, code: 'ledger.insufficient_points' };
        t.reversedDue = t.amount;
        this.transfer(t.to!, m, t.amount);
        break;
    }
    return { status: 201 };
  }

  hold(m: Member, id: string, points: number, ttlDays: number) {
    this.holds.push({ id, member: m, amount: points, status: 'active', expiresAt: this.now + ttlDays * DAY_MS });
  }

  /** Confirming an active, live hold spends its points if the balance still has them. */
  confirm(x: Hold): { status: number; code?: string } {
    if (x.status !== 'active') return { status: 409, code: `hold.${x.status}` };
    if (x.expiresAt <= this.now) return { status: 409, code: 'hold.expired' };
    const m = x.member;
    if (m.balance < x.amount) return { status: 422, code: 'ledger.insufficient_points' };
    m.balance -= x.amount;
    m.spent += x.amount;
    x.parts = this.consume(m, x.amount);
    x.status = 'confirmed';
    return { status: 200 };
  }

  cancel(x: Hold): { status: number; code?: string } {
    if (x.status !== 'active') return { status: 409, code: `hold.${x.status}` };
    x.status = x.expiresAt <= this.now ? 'expired' : 'cancelled';
    return { status: 200 };
  }

  transfer(from: Member, to: Member, points: number) {
    from.balance -= points;
    const parts = this.consume(from, points);
    const known = parts.reduce((s, p) => s + p.points, 0);
    if (known < points) parts.push({ points: points - known, expiresAt: null });
    this.receive(to, parts);
  }

  /** The clock moves and the maintenance runs: lapsed holds, then releases, then expiry. */
  advance(days: number) {
    this.now += days * DAY_MS;
    for (const x of this.holds) if (x.status === 'active' && x.expiresAt <= this.now) x.status = 'expired';
    const due = this.members
      .flatMap((m) => m.lots.filter((l) => l.pending && l.remaining > 0 && l.availableAt! <= this.now).map((l) => ({ m, l })))
      .sort((a, b) => a.l.availableAt! - b.l.availableAt! || a.l.seq - b.l.seq);
    for (const { m, l } of due) {
      const x = l.remaining;
      m.pending -= x;
      m.balance += x;
      m.earned += x;
      l.pending = false;
      l.remaining = Math.max(0, Math.min(x, m.balance));
    }
    for (const m of this.members) {
      let room = Math.max(0, this.room(m));
      let total = 0;
      const lapsed = m.lots
        .filter((l) => !l.pending && l.remaining > 0 && l.expiresAt !== null && l.expiresAt <= this.now)
        .sort((a, b) => a.expiresAt! - b.expiresAt! || a.seq - b.seq);
      for (const l of lapsed) {
        const x = Math.min(l.remaining, room);
        if (x <= 0) break;
        l.remaining -= x;
        room -= x;
        total += x;
      }
      m.balance -= total;
      m.expired += total;
    }
  }

  /** The balance the API must show for a member. */
  view(m: Member) {
    const held = this.liveHeld(m);
    const group = (lots: Lot[], at: (l: Lot) => number) => {
      const by = new Map<number, number>();
      for (const l of lots) by.set(at(l), (by.get(at(l)) ?? 0) + l.remaining);
      return [...by.entries()].sort((a, b) => a[0] - b[0]).slice(0, 10);
    };
    return {
      available: Math.max(0, m.balance - held),
      balance: m.balance,
      pending: m.pending,
      held,
      negative: m.balance < 0,
      lifetime: { earned: m.earned, reversed: m.reversed, spent: m.spent, expired: m.expired },
      next_expiries: group(m.lots.filter((l) => !l.pending && l.remaining > 0 && l.expiresAt !== null), (l) => l.expiresAt!).map(([t, points]) => ({
        expires_at: new Date(t).toISOString(),
        points,
      })),
      pending_releases: group(m.lots.filter((l) => l.pending && l.remaining > 0), (l) => l.availableAt!).map(([t, points]) => ({
        available_at: new Date(t).toISOString(),
        points,
      })),
    };
  }
}

// ---- Operations ------------------------------------------------------------------------------------------

type Op =
  | { op: 'purchase'; who: number; amount: number }
  | { op: 'refund'; pick: number; share: number }
  | { op: 'credit'; who: number; points: number; expiresInDays: number | null }
  | { op: 'debit'; who: number; points: number }
  | { op: 'redeem'; who: number; points: number }
  | { op: 'hold'; who: number; points: number; ttlDays: number }
  | { op: 'confirm'; pick: number }
  | { op: 'cancel'; pick: number }
  | { op: 'transfer'; from: number; to: number; points: number }
  | { op: 'reverse'; pick: number }
  | { op: 'time'; days: number };

const who = fc.integer({ min: 0, max: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('purchase' as const), who, amount: fc.integer({ min: 1, max: 40_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('refund' as const), pick: fc.nat(), share: fc.integer({ min: 1, max: 100 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('credit' as const), who, points: fc.integer({ min: 1, max: 400 }), expiresInDays: fc.option(fc.integer({ min: 1, max: 45 }), { nil: null }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('debit' as const), who, points: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('redeem' as const), who, points: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('hold' as const), who, points: fc.integer({ min: 1, max: 200 }), ttlDays: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('confirm' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('transfer' as const), from: who, to: who, points: fc.integer({ min: 1, max: 250 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reverse' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('time' as const), days: fc.integer({ min: 1, max: 12 }) }) },
);

const pickOf = <T,>(list: readonly T[], n: number): T | undefined => (list.length ? list[n % list.length] : undefined);

async function run(p: TestProgram, model: Model, ops: Op[]) {
  const insufficient = { status: 422, code: 'ledger.insufficient_points' };
  for (const [step, o] of ops.entries()) {
    const what = `step ${step}: ${JSON.stringify(o)}`;
    let expected: { status: number; code?: string };
    let res: { status: number; body: any };
    switch (o.op) {
      case 'purchase': {
        const m = model.members[o.who]!;
        const id = uniq('o');
        res = await p.api('POST', '/v1/events', { type: 'purchase', id: uniq('e'), member: { id: m.id }, order_id: id, amount: o.amount, currency: 'GBP' });
        expected = { status: 201 };
        model.purchase(m, id, o.amount);
        const order = model.orders.at(-1)!;
        const earn = res.body.transactions?.[0]?.id as string | undefined;
        if (order.earned > 0 && earn) model.txns.push({ id: earn, kind: 'earn', member: m, amount: order.earned, parts: [], lot: order.lot, reversedDue: 0, order });
        break;
      }
      case 'refund': {
        const order = pickOf(model.orders.filter((x) => x.refunded < x.amount), o.pick);
        if (!order) continue;
        const amount = Math.max(1, Math.floor(((order.amount - order.refunded) * o.share) / 100));
        res = await p.api('POST', '/v1/events', { type: 'refund', id: uniq('r'), order_id: order.id, amount });
        expected = { status: 201 };
        model.refund(order, amount);
        break;
      }
      case 'credit': {
        const m = model.members[o.who]!;
        const expiresAt = o.expiresInDays === null ? null : model.now + o.expiresInDays * DAY_MS;
        res = await p.api('POST', `/v1/members/${m.id}/adjustments`, {
          points: o.points,
          reason: 'model credit',
          ...(expiresAt === null ? {} : { expires_at: new Date(expiresAt).toISOString() }),
        });
        expected = { status: 201 };
        const lot = model.credit(m, o.points, expiresAt);
        if (res.status === 201) model.txns.push({ id: res.body.id, kind: 'credit', member: m, amount: o.points, parts: [], lot, reversedDue: 0 });
        break;
      }
      case 'debit':
      case 'redeem': {
        const m = model.members[o.who]!;
        res =
          o.op === 'debit'
            ? await p.api('POST', `/v1/members/${m.id}/adjustments`, { points: -o.points, reason: 'model debit' })
            : await p.api('POST', `/v1/members/${m.id}/redemptions`, { points: o.points });
        const parts = model.debit(m, o.points, o.op === 'debit' ? 'reversed' : 'spent');
        expected = parts ? { status: 201 } : insufficient;
        if (parts && res.status === 201) model.txns.push({ id: res.body.id, kind: o.op, member: m, amount: o.points, parts, lot: null, reversedDue: 0 });
        break;
      }
      case 'hold': {
        const m = model.members[o.who]!;
        res = await p.api('POST', `/v1/members/${m.id}/holds`, { points: o.points, ttl_seconds: o.ttlDays * 86_400 });
        expected = model.room(m) >= o.points ? { status: 201 } : insufficient;
        if (expected.status === 201 && res.status === 201) model.hold(m, res.body.id, o.points, o.ttlDays);
        break;
      }
      case 'confirm':
      case 'cancel': {
        const x = pickOf(model.holds, o.pick);
        if (!x) continue;
        res = await p.api('POST', `/v1/holds/${x.id}/${o.op}`);
        expected = o.op === 'confirm' ? model.confirm(x) : model.cancel(x);
        if (o.op === 'confirm' && expected.status === 200 && res.status === 200) {
          model.txns.push({ id: res.body.transaction.id, kind: 'redeem', member: x.member, amount: x.amount, parts: x.parts!, lot: null, reversedDue: 0 });
        }
        break;
      }
      case 'transfer': {
        const from = model.members[o.from]!;
        const to = model.members[o.to]!;
        res = await p.api('POST', '/v1/transfers', { from_member_id: from.id, to_member_id: to.id, points: o.points });
        if (from === to) expected = { status: 400, code: 'transfer.same_member' };
        else if (model.room(from) < o.points) expected = insufficient;
        else {
          expected = { status: 201 };
          model.transfer(from, to, o.points);
          if (res.status === 201) model.txns.push({ id: res.body.id, kind: 'transfer', member: from, to, amount: o.points, parts: [], lot: null, reversedDue: 0 });
        }
        break;
      }
      case 'reverse': {
        const t = pickOf(model.txns, o.pick);
        if (!t) continue;
        res = await p.api('POST', `/v1/transactions/${t.id}/reverse`);
        expected = model.reverse(t);
        break;
      }
      case 'time': {
        clock.advance(o.days * DAY_MS);
        await h.services.ledger.runMaintenance({ programId: p.programId });
        model.advance(o.days);
        res = { status: 200, body: {} };
        expected = { status: 200 };
        break;
      }
    }
    expect({ status: res.status, ...(expected.code ? { code: res.body?.code } : {}) }, `${what} answered ${JSON.stringify(res.body)}`).toEqual(expected);
    for (const m of model.members) {
      const b = await p.api('GET', `/v1/members/${m.id}/balance`);
      expect(b.status).toBe(200);
      const { member_id: _id, currency: _c, ...shown } = b.body;
      expect(shown, `${what}: balance of member ${model.members.indexOf(m)}`).toEqual(model.view(m));
    }
  }
}

describe('the ledger against a reference model', () => {
  it('answers every step as the model says and shows the model’s balances after it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), fc.boolean(), async (ops, allowNegative) => {
        clock.set(new Date(START).toISOString());
        const p = await h.program({
          settings: { expiry: { policy: 'never' }, pending_days: PENDING_DAYS, negative_balance: allowNegative ? 'allow' : 'forbid' },
        });
        const members: Member[] = [];
        for (let i = 0; i < 3; i++) {
          members.push({ id: await enrol(p), balance: 0, pending: 0, earned: 0, reversed: 0, spent: 0, expired: 0, lots: [] });
        }
        await run(p, new Model(members, allowNegative), ops);
        await expectVerified(h, p.programId);
      }),
      { numRuns: 20 },
    );
  });
});
