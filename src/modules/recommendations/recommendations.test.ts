import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { credit, enrol, purchase } from '../../../test/fixtures.js';
import { signedInStaff } from '../../../test/staff.js';

// Co-purchase recommendations and next-best offers on small programs whose answers can be worked by hand.

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const NAMES: Record<string, string> = { a: 'Apron', b: 'Baking tin', c: 'Candle', d: 'Doormat', e: 'Eggcup' };

async function program() {
  return h.program({ settings: { base_earning: { points: 0, per_amount: 100 } } });
}

/** One order of `skus` (one unit of each at £1) on `day` of January 2025. */
async function buy(p: TestProgram, member: string, skus: string[], day: number) {
  const lines = skus.map((sku) => ({ sku, name: NAMES[sku], quantity: 1, unit_price: 100 }));
  const res = await purchase(p, member, 100 * skus.length, { lines, occurred_at: `2025-01-${String(day).padStart(2, '0')}T10:00:00Z` });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/**
 * a with b in 3 baskets, a with c in 1; d alone in 4 (the most popular), e alone in 2. So n_a = 4, n_b = 3,
 * co(a,b) = 3: cosine 3 / √12 = 0.866025; a–c has support 1, under the default minimum of 3.
 */
async function shop(p: TestProgram) {
  for (let i = 0; i < 3; i++) await buy(p, await enrol(p), ['a', 'b'], 2 + i);
  await buy(p, await enrol(p), ['a', 'c'], 6);
  for (let i = 0; i < 4; i++) await buy(p, await enrol(p), ['d'], 7 + i);
  for (let i = 0; i < 2; i++) await buy(p, await enrol(p), ['e'], 12 + i);
}

async function refresh(p: TestProgram, body?: Record<string, unknown>) {
  const res = await p.api('POST', '/v1/recommendations/refresh', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe('co-purchase model', () => {
  it('keeps neighbours at or over the minimum support, scored by cosine over baskets', async () => {
    const p = await program();
    expect((await p.api('GET', '/v1/recommendations/model')).body).toEqual({ model: null });
    await shop(p);
    const m = await refresh(p);
    expect(m).toMatchObject({ baskets: 10, skipped_baskets: 0, items: 5, pairs: 2, min_support: 3, top_k: 20, max_basket: 100, popular_orders: 10 });
    expect(m.data_until).toBe('2025-01-13T10:00:00.000Z');

    const a = await p.api('GET', '/v1/recommendations/items/a');
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ sku: 'a', name: 'Apron', baskets: 4, recent_orders: 4, neighbours: [{ sku: 'b', name: 'Baking tin', score: expect.closeTo(3 / Math.sqrt(12), 9), support: 3 }] });
    expect((await p.api('GET', '/v1/recommendations/items/b')).body.neighbours).toEqual([{ sku: 'a', name: 'Apron', score: expect.closeTo(0.866025, 5), support: 3 }]);

    // With a minimum support of 1, c joins (1 / √(4·1) = 0.5), ranked after b; the next refresh keeps the parameter.
    await refresh(p, { min_support: 1 });
    expect((await p.api('GET', '/v1/recommendations/items/a')).body.neighbours.map((n: { sku: string; score: number }) => [n.sku, n.score])).toEqual([
      ['b', expect.closeTo(0.866025, 5)],
      ['c', 0.5],
    ]);
    expect((await refresh(p)).min_support).toBe(1);
    // top_k 1 keeps only b.
    await refresh(p, { top_k: 1 });
    expect((await p.api('GET', '/v1/recommendations/items/a')).body.neighbours.map((n: { sku: string }) => n.sku)).toEqual(['b']);
  });

  it('leaves out baskets over max_basket items and refunded lines', async () => {
    const p = await program();
    await shop(p);
    const big = await enrol(p);
    await buy(p, big, ['a', 'b', 'c', 'd', 'e'], 20);
    const m = await refresh(p, { max_basket: 4 });
    expect(m).toMatchObject({ baskets: 10, skipped_baskets: 1 });
    expect((await p.api('GET', '/v1/recommendations/items/a')).body.baskets).toBe(4);
    expect((await refresh(p, { max_basket: 100 })).baskets).toBe(11);
    expect((await p.api('GET', '/v1/recommendations/items/a')).body.neighbours[0]).toMatchObject({ sku: 'b', support: 4 });
  });
});

describe('GET /v1/members/{id}/recommendations', () => {
  it('recommends the neighbours of what the member bought, then popular items, never what they bought', async () => {
    const p = await program();
    await shop(p);
    const ann = await enrol(p);
    await buy(p, ann, ['a'], 20);
    await refresh(p);
    const res = await p.api('GET', `/v1/members/${ann}/recommendations?limit=3`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.refreshed_at).toEqual(expect.any(String));
    // Ann's own order is a basket too: n_a = 5, so a–b scores 3 / √15.
    expect(res.body.data).toEqual([
      { sku: 'b', name: 'Baking tin', score: expect.closeTo(3 / Math.sqrt(15), 5), reason: 'similar', because: ['a'] },
      // d in 4 of the 11 orders of the last 90 days, e in 2; a, bought, is never among them.
      { sku: 'd', name: 'Doormat', score: expect.closeTo(4 / 11, 5), reason: 'popular', because: [] },
      { sku: 'e', name: 'Eggcup', score: expect.closeTo(2 / 11, 5), reason: 'popular', because: [] },
    ]);
  });

  it('never recommends what the member just bought, even with include_purchased', async () => {
    const p = await program();
    await shop(p);
    const bob = await enrol(p);
    await buy(p, bob, ['a'], 20);
    await buy(p, bob, ['b'], 25); // the last order
    await refresh(p);
    const skus = async (q = '') =>
      ((await p.api('GET', `/v1/members/${bob}/recommendations?limit=10${q}`)).body.data as { sku: string; reason: string; because: string[] }[]).map((d) => [
        d.sku,
        d.reason,
        d.because,
      ]);
    // b (neighbour of a) was just bought; a was bought before: neither by default.
    expect(await skus()).toEqual([
      ['d', 'popular', []],
      ['e', 'popular', []],
      ['c', 'popular', []],
    ]);
    // include_purchased lets a come back (the neighbour of b), never b.
    expect((await skus('&include_purchased=true'))[0]).toEqual(['a', 'similar', ['b']]);
    expect((await skus('&include_purchased=true')).map((s) => s[0])).not.toContain('b');
  });

  it('weighs recent purchases more: the neighbour of the latest wins', async () => {
    const p = await program();
    // x goes with y and z goes with w, each in 3 baskets; with cat's orders n_x = n_z = 4: both score 3 / √12.
    for (let i = 0; i < 3; i++) await buy(p, await enrol(p), ['x', 'y'], 1 + i);
    for (let i = 0; i < 3; i++) await buy(p, await enrol(p), ['z', 'w'], 1 + i);
    const cat = await enrol(p);
    await buy(p, cat, ['x'], 1);
    await buy(p, cat, ['z'], 30);
    await buy(p, cat, ['q'], 31);
    await refresh(p);
    const data = (await p.api('GET', `/v1/members/${cat}/recommendations?limit=2`)).body.data as { sku: string; score: number }[];
    expect(data.map((d) => d.sku)).toEqual(['w', 'y']);
    // z is a day older than the last order, x 30 days: weights 0.5^(1/90) and 0.5^(30/90).
    expect(data[0]!.score).toBeCloseTo(0.5 ** (1 / 90) * (3 / Math.sqrt(12)), 5);
    expect(data[1]!.score).toBeCloseTo(0.5 ** (30 / 90) * (3 / Math.sqrt(12)), 5);
  });

  it('answers popular items to a member with no history, nothing before the first refresh, 404 for an unknown member', async () => {
    const p = await program();
    await shop(p);
    const dan = await enrol(p);
    expect((await p.api('GET', `/v1/members/${dan}/recommendations`)).body).toEqual({ member_id: dan, refreshed_at: null, data: [] });
    await refresh(p);
    const res = await p.api('GET', `/v1/members/${dan}/recommendations?limit=2`);
    expect(res.body.data.map((d: { sku: string; reason: string }) => [d.sku, d.reason])).toEqual([
      ['a', 'popular'],
      ['d', 'popular'],
    ]);
    const missing = await p.api('GET', '/v1/members/mbr_nobody/recommendations');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.body).toMatchObject({ code: 'member.not_found' });
    expect((await p.api('GET', `/v1/members/${dan}/recommendations?limit=0`)).body).toMatchObject({ code: expect.stringMatching(/^validation\./), field: 'limit' });
    expect((await p.api('GET', `/v1/members/${dan}/recommendations?include_purchased=yes`)).status).toBe(400);
    expect((await p.api('GET', '/v1/recommendations/items/zzz')).body).toMatchObject({ code: 'recommendations.item_not_found', field: 'sku' });
    expect((await p.api('POST', '/v1/recommendations/refresh', { min_support: 0 })).body).toMatchObject({ field: 'min_support' });
  });

  it('keeps programs apart', async () => {
    const p = await program();
    const other = await program();
    await shop(p);
    await refresh(p);
    const ann = await enrol(p);
    await buy(p, ann, ['a'], 20);
    // The other program has never bought a thing: its model is empty and it cannot see p's members or items.
    const m = await refresh(other);
    expect(m).toMatchObject({ baskets: 0, items: 0, pairs: 0, data_until: null });
    expect((await other.api('GET', `/v1/members/${ann}/recommendations`)).status).toBe(404);
    expect((await other.api('GET', `/v1/members/${ann}/offers`)).status).toBe(404);
    expect((await other.api('GET', '/v1/recommendations/items/a')).status).toBe(404);
    const eve = await enrol(other);
    expect((await other.api('GET', `/v1/members/${eve}/recommendations`)).body.data).toEqual([]);
    // And p's model was not touched by the other's refresh.
    expect((await p.api('GET', '/v1/recommendations/items/a')).body.neighbours).toHaveLength(1);
  });

  it('analysts and support read; only marketers (and admins) refresh', async () => {
    const p = await program();
    await shop(p);
    const ann = await enrol(p);
    for (const role of ['analyst', 'support'] as const) {
      const s = await signedInStaff(h, p, { role });
      expect((await s.api('GET', `/v1/members/${ann}/recommendations`)).status).toBe(200);
      expect((await s.api('GET', `/v1/members/${ann}/offers`)).status).toBe(200);
      expect((await s.api('GET', '/v1/recommendations/model')).status).toBe(200);
      expect((await s.api('POST', '/v1/recommendations/refresh', {})).status).toBe(403);
    }
    const marketer = await signedInStaff(h, p, { role: 'marketer' });
    expect((await marketer.api('POST', '/v1/recommendations/refresh', {})).status).toBe(200);
  });
});

describe('GET /v1/members/{id}/offers', () => {
  async function reward(p: TestProgram, name: string, points_cost: number, extra: Record<string, unknown> = {}) {
    const res = await p.api('POST', '/v1/rewards', { name, kind: 'gift', points_cost, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }
  async function redeem(p: TestProgram, member: string, rewardId: string) {
    const res = await p.api('POST', `/v1/members/${member}/reward-redemptions`, { reward_id: rewardId });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }

  it('puts affordable rewards first by take-up, then the closest to affordable; leaves out what cannot be taken', async () => {
    const p = await program();
    const mug = await reward(p, 'Mug', 100);
    const tote = await reward(p, 'Tote', 200);
    const lamp = await reward(p, 'Lamp', 1000);
    const chair = await reward(p, 'Chair', 700);
    await reward(p, 'Retired', 50, { status: 'inactive' });
    await reward(p, 'Sold out', 50, { stock: 0 });
    await reward(p, 'Later', 50, { valid_from: '2999-01-01T00:00:00Z' });
    const once = await reward(p, 'Once', 10, { per_member_limit: 1 });
    // Three others took the tote, one the mug: 3/4 and 1/4 of the four other members.
    for (let i = 0; i < 4; i++) {
      const m = await enrol(p);
      await credit(p, m, 500);
      await redeem(p, m, i === 0 ? mug : tote);
    }
    const ann = await enrol(p);
    await credit(p, ann, 500);
    await redeem(p, ann, once); // at her limit now: 490 left
    const res = await p.api('GET', `/v1/members/${ann}/offers?limit=10`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.balances).toEqual({ points: 490 });
    expect(res.body.data.map((o: Record<string, unknown>) => [o.name, o.affordable, o.points_needed, o.score, o.reason])).toEqual([
      ['Tote', true, 0, 0.75, 'popular'],
      ['Mug', true, 0, 0.25, 'popular'],
      ['Chair', false, 210, 0, 'popular'],
      ['Lamp', false, 510, 0, 'popular'],
    ]);
    expect(res.body.data[0]).toMatchObject({ reward_id: tote, points_cost: 200, points_currency: 'points', kind: 'gift', segment: null });
    expect((await p.api('GET', `/v1/members/${ann}/offers?limit=1`)).body.data.map((o: { reward_id: string }) => o.reward_id)).toEqual([tote]);
    expect([lamp, chair]).toHaveLength(2);
    expect((await p.api('GET', '/v1/members/mbr_nobody/offers')).body).toMatchObject({ code: 'member.not_found' });
    expect((await p.api('GET', `/v1/members/${ann}/offers?limit=x`)).status).toBe(400);
  });

  it('ranks by what members of the same RFM segment took, smoothed towards everyone', async () => {
    const p = await program();
    const mug = await reward(p, 'Mug', 100);
    const tote = await reward(p, 'Tote', 100);
    const members: string[] = [];
    for (let i = 0; i < 6; i++) {
      const m = await enrol(p);
      members.push(m);
      await credit(p, m, 500);
    }
    const [ann, ...others] = members as [string, ...string[]];
    // The segment scores as the RFM scoring writes them: ann and two others are champions.
    for (const [i, m] of members.entries()) {
      await h.db.query(`insert into member_scores (program_id, member_id, as_of, computed_at, job_id, rfm_segment) values ($1, $2, now(), now(), 'job_test', $3)`, [
        p.programId,
        m,
        i < 3 ? 'champions' : 'hibernating',
      ]);
    }
    // Both champions took the mug; all three hibernating members the tote.
    await redeem(p, others[0]!, mug);
    await redeem(p, others[1]!, mug);
    for (const m of others.slice(2)) await redeem(p, m, tote);
    const res = await p.api('GET', `/v1/members/${ann}/offers`);
    // Program-wide the tote leads (3 of the 5 others, the mug 2), but among champions the mug does:
    // mug (2 + 5·2/5) / (2 + 5) = 4/7, tote (0 + 5·3/5) / 7 = 3/7.
    expect(res.body.data.map((o: Record<string, unknown>) => [o.name, o.score, o.reason, o.segment])).toEqual([
      ['Mug', expect.closeTo(4 / 7, 5), 'segment', 'champions'],
      ['Tote', expect.closeTo(3 / 7, 5), 'popular', 'champions'],
    ]);
    // A member with no scores gets the program-wide shares.
    const newcomer = await enrol(p);
    await credit(p, newcomer, 500);
    expect((await p.api('GET', `/v1/members/${newcomer}/offers`)).body.data.map((o: Record<string, unknown>) => [o.name, o.score, o.reason])).toEqual([
      ['Tote', 0.5, 'popular'],
      ['Mug', expect.closeTo(2 / 6, 5), 'popular'],
    ]);
  });
});
