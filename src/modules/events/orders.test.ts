import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../../../test/harness.js';
import { enrol, purchase, uniq } from '../../../test/fixtures.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe('a member’s orders', () => {
  it('lists them newest first, page by page, with what each earned and what its refund reversed', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const other = await enrol(p);
    const ids = [uniq('o'), uniq('o'), uniq('o')];
    for (const [i, id] of ids.entries()) {
      const res = await purchase(p, m, 1000 * (i + 1), { order_id: id, occurred_at: `2026-03-0${i + 1}T10:00:00Z` });
      expect(res.status).toBe(201);
    }
    await purchase(p, other, 5000, { order_id: uniq('o') });
    const refunded = await p.api('POST', '/v1/events', { type: 'refund', id: uniq('rfd'), order_id: ids[0], amount: 500 });
    expect(refunded.status).toBe(201);

    const first = await p.api('GET', `/v1/members/${m}/orders?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.data[0]).toMatchObject({ member_id: m, amount: 3000, refunded_amount: 0, currency: 'GBP', points: { points: { earned: 30, reversed: 0 } } });
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await p.api('GET', `/v1/members/${m}/orders?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.data).toEqual([expect.objectContaining({ id: ids[0], amount: 1000, refunded_amount: 500, points: { points: { earned: 10, reversed: 5 } } })]);
    expect(second.body.next_cursor).toBeNull();
  });

  it('answers 404 for an unknown member, 400 for a bad cursor or limit, and nothing of another program', async () => {
    const p = await h.program();
    const q = await h.program();
    const m = await enrol(p);
    await purchase(p, m, 1000);
    expect((await p.api('GET', '/v1/members/mem_nobody/orders')).body).toMatchObject({ status: 404, code: 'member.not_found' });
    expect((await p.api('GET', `/v1/members/${m}/orders?cursor=nonsense`)).body).toMatchObject({ status: 400, code: 'pagination.invalid_cursor', field: 'cursor' });
    expect((await p.api('GET', `/v1/members/${m}/orders?limit=0`)).status).toBe(400);
    expect((await q.api('GET', `/v1/members/${m}/orders`)).status).toBe(404);
  });
});
