import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, onPostgres, type Harness } from './harness.js';
import { balance, credit, enrol, expectVerified } from './fixtures.js';

// Several connections at once only exist on PostgreSQL; PGlite serialises every transaction.
describe.runIf(onPostgres)('parallel debits on PostgreSQL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it('200 parallel debits against a balance covering exactly 50: 50 succeed, the balance ends at 0', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 50);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => p.api('POST', `/v1/members/${m}/redemptions`, { points: 1 })),
    );
    const codes = results.map((r) => r.status);
    expect(codes.filter((c) => c === 201)).toHaveLength(50);
    expect(codes.filter((c) => c === 422)).toHaveLength(150);
    expect(results.filter((r) => r.status === 422).every((r) => r.body.code === 'ledger.insufficient_points')).toBe(true);
    expect(await balance(p, m)).toMatchObject({ available: 0, balance: 0, lifetime: { spent: 50 } });
    await expectVerified(h, p.programId);
  });

  it('parallel holds and transfers in both directions never overdraw or deadlock', async () => {
    const p = await h.program();
    const a = await enrol(p);
    const b = await enrol(p);
    await credit(p, a, 100);
    await credit(p, b, 100);
    const calls = Array.from({ length: 120 }, (_, i) =>
      i % 3 === 0
        ? p.api('POST', `/v1/members/${i % 2 ? a : b}/holds`, { points: 7 })
        : p.api('POST', '/v1/transfers', { from_member_id: i % 2 ? a : b, to_member_id: i % 2 ? b : a, points: 9 }),
    );
    const results = await Promise.all(calls);
    expect(results.every((r) => r.status === 201 || (r.status === 422 && r.body.code === 'ledger.insufficient_points'))).toBe(true);
    const [ba, bb] = [await balance(p, a), await balance(p, b)];
    expect(ba.balance + bb.balance).toBe(200);
    expect(ba.available).toBeGreaterThanOrEqual(0);
    expect(bb.available).toBeGreaterThanOrEqual(0);
    await expectVerified(h, p.programId);
  });

  it('parallel batches over the same members all apply, each event once', async () => {
    const p = await h.program();
    const members: string[] = [];
    for (let i = 0; i < 20; i++) members.push(await enrol(p));
    // Each batch names the members in a different order, the pattern that deadlocks without a lock order.
    const batches = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 60 }, (_, i) => ({
        type: 'purchase',
        id: `race-${b}-${i}`,
        member: { id: members[(i * (b + 1) + b * 7) % members.length] },
        order_id: `race-o-${b}-${i}`,
        amount: 1000,
        currency: 'GBP',
      })),
    );
    const sends = [...batches, ...batches].map((events) => p.api('POST', '/v1/events/batch', { events }));
    const results = await Promise.all(sends);
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    const applied = results.reduce((s, r) => s + r.body.applied, 0);
    const replayed = results.reduce((s, r) => s + r.body.replayed, 0);
    expect(applied).toBe(360);
    expect(replayed).toBe(360);
    let total = 0;
    for (const m of members) total += (await balance(p, m)).balance;
    expect(total).toBe(360 * 10);
    await expectVerified(h, p.programId);
  });
});
