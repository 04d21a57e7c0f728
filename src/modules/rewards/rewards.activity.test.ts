import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { credit, enrol, uniq } from '../../../test/fixtures.js';
import { signedInStaff } from '../../../test/staff.js';

// The console's lists of the catalog's activity: redemptions across rewards and members, stamp card progress.

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

async function reward(p: TestProgram, body: Record<string, unknown>) {
  const res = await p.api('POST', '/v1/rewards', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}
const redeem = async (p: TestProgram, m: string, rewardId: string, mode: 'reserve' | 'redeem' = 'redeem') => {
  const res = await p.api('POST', `/v1/members/${m}/reward-redemptions`, { reward_id: rewardId, mode });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
};
const ids = (body: { data: { id: string }[] }) => body.data.map((r) => r.id);

describe('GET /v1/reward-redemptions', () => {
  it('lists redemptions newest first with names, filtered by reward, member and status, page by page', async () => {
    const p = await h.program();
    const coupon = await reward(p, { name: 'Ten off', kind: 'discount_coupon', discount: { type: 'amount', amount: 1000 }, points_cost: 100 });
    const mug = await reward(p, { name: 'Mug', kind: 'gift', points_cost: 50 });
    const ann = await enrol(p, { first_name: 'Ann', last_name: 'Lee' });
    const bob = await enrol(p);
    await credit(p, ann, 1000);
    await credit(p, bob, 1000);
    const r1 = await redeem(p, ann, coupon.id);
    const r2 = await redeem(p, bob, mug.id, 'reserve');
    const r3 = await redeem(p, ann, mug.id);

    const all = await p.api('GET', '/v1/reward-redemptions');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(ids(all.body)).toEqual([r3.id, r2.id, r1.id]);
    expect(all.body.data[2]).toMatchObject({ reward_name: 'Ten off', member_name: 'Ann Lee', status: 'confirmed', points: 100, coupon: { code: expect.any(String) } });
    expect(all.body.data[1]).toMatchObject({ reward_name: 'Mug', member_name: null, status: 'reserved', coupon: null });

    expect(ids((await p.api('GET', `/v1/reward-redemptions?reward_id=${mug.id}`)).body)).toEqual([r3.id, r2.id]);
    expect(ids((await p.api('GET', `/v1/reward-redemptions?member_id=${ann}`)).body)).toEqual([r3.id, r1.id]);
    expect(ids((await p.api('GET', '/v1/reward-redemptions?status=reserved')).body)).toEqual([r2.id]);

    const first = await p.api('GET', '/v1/reward-redemptions?limit=2');
    expect(ids(first.body)).toEqual([r3.id, r2.id]);
    const second = await p.api('GET', `/v1/reward-redemptions?limit=2&cursor=${first.body.next_cursor}`);
    expect(ids(second.body)).toEqual([r1.id]);
    expect(second.body.next_cursor).toBeNull();
    expect((await p.api('GET', '/v1/reward-redemptions?cursor=abc')).body).toMatchObject({ code: 'redemption.invalid_cursor', field: 'cursor' });
    expect((await p.api('GET', '/v1/reward-redemptions?status=lost')).status).toBe(400);

    // Another program sees none of them.
    const other = await h.program();
    expect((await other.api('GET', '/v1/reward-redemptions')).body.data).toEqual([]);
  });

  it('support and analysts may read redemptions; an analyst may not change the catalog', async () => {
    const p = await h.program();
    const support = await signedInStaff(h, p, { role: 'support' });
    const analyst = await signedInStaff(h, p, { role: 'analyst' });
    expect((await support.api('GET', '/v1/reward-redemptions')).status).toBe(200);
    expect((await analyst.api('GET', '/v1/reward-redemptions')).status).toBe(200);
    const denied = await analyst.api('POST', '/v1/rewards', { name: 'x', kind: 'gift', points_cost: 1 });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('auth.role_forbidden');
    expect((await analyst.api('POST', '/v1/coupons/validate', { code: 'ABCDEF' })).status).toBe(403);
    expect((await support.api('POST', '/v1/coupons/validate', { code: 'ABCDEF' })).status).toBe(200);
  });
});

describe('GET /v1/stamp-cards/:currency/progress', () => {
  it('counts members by stamps held and the cards completed', async () => {
    const p = await h.program({ point_currencies: ['points', 'stamps'] });
    const coffee = await reward(p, { name: 'Free coffee', kind: 'gift', points_cost: 0 });
    expect((await p.api('PUT', '/v1/stamp-cards/stamps', { goal: 5, reward_id: coffee.id })).status).toBe(200);
    const [a, b, c] = [await enrol(p), await enrol(p), await enrol(p)];
    await enrol(p);
    await credit(p, a, 2, { currency: 'stamps' });
    await credit(p, b, 2, { currency: 'stamps' });
    await credit(p, c, 7, { currency: 'stamps' });
    // An event completes c's card: 5 stamps spent, 2 left.
    expect((await p.api('POST', '/v1/events', { type: 'store_checkin', id: uniq('evt'), member: { id: c } })).status).toBe(201);
    await credit(p, c, 2, { currency: 'stamps' });

    const res = await p.api('GET', '/v1/stamp-cards/stamps/progress');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      currency: 'stamps',
      goal: 5,
      holders: 3,
      buckets: [
        { from: 1, to: 1, members: 0 },
        { from: 2, to: 2, members: 2 },
        { from: 3, to: 3, members: 0 },
        { from: 4, to: 4, members: 1 },
        { from: 5, to: 5, members: 0 },
      ],
      completed: { cards: 1, members: 1 },
    });
    expect((await p.api('GET', '/v1/stamp-cards/points/progress')).status).toBe(404);
  });

  it('cuts a long card into ten ranges', async () => {
    const p = await h.program({ point_currencies: ['points', 'stamps'] });
    const gift = await reward(p, { name: 'Gift', kind: 'gift', points_cost: 0 });
    await p.api('PUT', '/v1/stamp-cards/stamps', { goal: 100, reward_id: gift.id });
    await credit(p, await enrol(p), 95, { currency: 'stamps' });
    await credit(p, await enrol(p), 10, { currency: 'stamps' });
    const res = await p.api('GET', '/v1/stamp-cards/stamps/progress');
    expect(res.body.buckets).toHaveLength(10);
    expect(res.body.buckets[0]).toEqual({ from: 1, to: 10, members: 1 });
    expect(res.body.buckets[9]).toEqual({ from: 91, to: 100, members: 1 });
  });
});
