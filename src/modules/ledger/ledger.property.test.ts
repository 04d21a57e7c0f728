import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, uniq } from '../../../test/fixtures.js';
import { manualClock, DAY_MS } from '../../platform/clock.js';

/**
 * Random sequences of everything that moves points — earning (some pending), release, spending, holds,
 * refunds, transfers, reversals and expiry — must keep every invariant `patron verify` checks, after every step.
 */
const clock = manualClock('2026-03-01T00:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

type Op =
  | { op: 'earn'; who: number; amount: number; pending: boolean }
  | { op: 'spend'; who: number; points: number }
  | { op: 'hold'; who: number; points: number }
  | { op: 'confirm'; pick: number }
  | { op: 'cancel'; pick: number }
  | { op: 'refund'; pick: number; share: number }
  | { op: 'transfer'; from: number; to: number; points: number }
  | { op: 'reverse'; pick: number }
  | { op: 'time'; days: number };

const who = fc.integer({ min: 0, max: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('earn' as const), who, amount: fc.integer({ min: 0, max: 50_000 }), pending: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('spend' as const), who, points: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('hold' as const), who, points: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('confirm' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('refund' as const), pick: fc.nat(), share: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('transfer' as const), from: who, to: who, points: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reverse' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('time' as const), days: fc.integer({ min: 1, max: 40 }) }) },
);

async function run(p: TestProgram, pendingProgram: TestProgram, ops: Op[]) {
  const members = [await enrol(p), await enrol(p), await enrol(p)];
  const pendMembers = [await enrol(pendingProgram), await enrol(pendingProgram), await enrol(pendingProgram)];
  const orders: { program: TestProgram; id: string; amount: number }[] = [];
  const holds: { program: TestProgram; id: string }[] = [];
  const txns: { program: TestProgram; id: string }[] = [];
  const ok = (s: number) => s < 500;
  for (const o of ops) {
    let status = 0;
    switch (o.op) {
      case 'earn': {
        const prog = o.pending ? pendingProgram : p;
        const id = uniq('o');
        const res = await prog.api('POST', '/v1/events', {
          type: 'purchase', id: uniq('e'), member: { id: (o.pending ? pendMembers : members)[o.who] }, order_id: id, amount: o.amount, currency: 'GBP',
        });
        status = res.status;
        if (res.status === 201) {
          orders.push({ program: prog, id, amount: o.amount });
          for (const t of res.body.transactions) txns.push({ program: prog, id: t.id });
        }
        break;
      }
      case 'spend': {
        const res = await p.api('POST', `/v1/members/${members[o.who]}/redemptions`, { points: o.points });
        status = res.status;
        if (res.status === 201) txns.push({ program: p, id: res.body.id });
        break;
      }
      case 'hold': {
        const res = await p.api('POST', `/v1/members/${members[o.who]}/holds`, { points: o.points, ttl_seconds: 5 * 86400 });
        status = res.status;
        if (res.status === 201) holds.push({ program: p, id: res.body.id });
        break;
      }
      case 'confirm':
      case 'cancel': {
        const hold = holds[o.pick % Math.max(1, holds.length)];
        if (!hold) continue;
        status = (await hold.program.api('POST', `/v1/holds/${hold.id}/${o.op}`)).status;
        break;
      }
      case 'refund': {
        const order = orders[o.pick % Math.max(1, orders.length)];
        if (!order || order.amount === 0) continue;
        const amount = Math.max(1, Math.floor((order.amount * o.share) / 100));
        status = (await order.program.api('POST', '/v1/events', { type: 'refund', id: uniq('r'), order_id: order.id, amount })).status;
        break;
      }
      case 'transfer': {
        const res = await p.api('POST', '/v1/transfers', { from_member_id: members[o.from], to_member_id: members[o.to], points: o.points });
        status = res.status;
        if (res.status === 201) txns.push({ program: p, id: res.body.id });
        break;
      }
      case 'reverse': {
        const t = txns[o.pick % Math.max(1, txns.length)];
        if (!t) continue;
        status = (await t.program.api('POST', `/v1/transactions/${t.id}/reverse`)).status;
        break;
      }
      case 'time': {
        clock.advance(o.days * DAY_MS);
        await h.services.ledger.runMaintenance({ programId: p.programId });
        await h.services.ledger.runMaintenance({ programId: pendingProgram.programId });
        status = 200;
        break;
      }
    }
    expect(ok(status), `${JSON.stringify(o)} answered ${status}`).toBe(true);
    for (const prog of [p, pendingProgram]) {
      const report = await h.services.ledger.verify({ programId: prog.programId });
      expect(report.checks.filter((c) => !c.ok), JSON.stringify(o)).toEqual([]);
    }
    for (const m of members) {
      const b = await p.api('GET', `/v1/members/${m}/balance`);
      expect(b.body.available).toBeGreaterThanOrEqual(0);
      expect(b.body.available).toBe(Math.max(0, b.body.balance - b.body.held));
    }
  }
}

describe('ledger invariants under random operations', () => {
  it('hold after every step of random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), fc.boolean(), async (ops, forbid) => {
        const settings = { expiry: { policy: 'rolling' as const, days: 30 }, negative_balance: forbid ? ('forbid' as const) : ('allow' as const) };
        const p = await h.program({ settings });
        const pending = await h.program({ settings: { ...settings, pending_days: 14 } });
        await run(p, pending, ops);
      }),
      { numRuns: 15 },
    );
  });
});
