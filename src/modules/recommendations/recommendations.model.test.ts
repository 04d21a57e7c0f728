import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../../../test/harness.js';
import { buildModel, type Basket } from './recommendations.model.js';

// The offline evaluation (bench/recommendations.eval.ts) builds the model in memory; the API builds it in SQL.
// On random baskets the two must keep the same neighbours with the same scores, and the same popular items.

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

/** A small linear congruential generator: the same baskets on every run. */
function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('the in-memory model', () => {
  it('agrees with the SQL refresh', async () => {
    const p = await h.program({ settings: { base_earning: { points: 0, per_amount: 100 } } });
    const rnd = random(13);
    const skus = Array.from({ length: 14 }, (_, i) => `sku${String(i).padStart(2, '0')}`);
    const baskets: Basket[] = [];
    const events = [];
    for (let i = 0; i < 80; i++) {
      // Skewed: low-numbered skus are bought far more often, so pairs repeat and ties happen.
      const n = 1 + Math.floor(rnd() * 7);
      const picked = [...new Set(Array.from({ length: n }, () => skus[Math.floor(rnd() ** 2 * skus.length)]!))];
      const at = new Date(Date.UTC(2025, 0, 1) + Math.floor(rnd() * 200) * 86_400_000);
      baskets.push({ id: `o${i}`, at, skus: picked });
      events.push({
        type: 'purchase',
        id: `e${i}`,
        order_id: `o${i}`,
        member: { external_id: `shop:${i % 9}` },
        currency: 'GBP',
        occurred_at: at.toISOString(),
        lines: picked.map((sku) => ({ sku, quantity: 1, unit_price: 100 })),
      });
    }
    const res = await p.api('POST', '/v1/events/batch', { events });
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    expect(res.body.results.filter((r: { status: string }) => r.status !== 'applied')).toEqual([]);

    const params = { minSupport: 2, topK: 3, maxBasket: 5, popularDays: 60 };
    const sql = await p.api('POST', '/v1/recommendations/refresh', { min_support: 2, top_k: 3, max_basket: 5, popular_days: 60 });
    expect(sql.status, JSON.stringify(sql.body)).toBe(200);
    const mem = buildModel(baskets, params);
    expect(sql.body).toMatchObject({ baskets: mem.baskets, skipped_baskets: mem.skipped, popular_orders: mem.popularOrders, items: mem.items.size });
    let compared = 0;
    for (const sku of mem.items.keys()) {
      const item = await p.api('GET', `/v1/recommendations/items/${sku}`);
      expect(item.body).toMatchObject({ baskets: mem.items.get(sku)!.baskets, recent_orders: mem.items.get(sku)!.recent });
      const want = (mem.neighbours.get(sku) ?? []).map((n) => [n.other_sku, n.support, n.score]);
      expect(item.body.neighbours.map((n: { sku: string; support: number; score: number }) => [n.sku, n.support, n.score]), sku).toEqual(want);
      compared += want.length;
    }
    expect(compared).toBeGreaterThan(10);
    const dan = (await p.api('POST', '/v1/members', { email: 'dan@example.com' })).body.id as string;
    const popular = await p.api('GET', `/v1/members/${dan}/recommendations?limit=5`);
    expect(popular.body.data.map((d: { sku: string }) => d.sku)).toEqual(mem.popular.slice(0, 5).map((x) => x.sku));
  });
});
