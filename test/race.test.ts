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
});
