import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, onPostgres, type Harness, type TestProgram } from '../../../test/harness.js';
import { balance, credit, enrol, expectVerified, uniq } from '../../../test/fixtures.js';
import { DAY_MS, manualClock } from '../../platform/clock.js';

const clock = manualClock('2026-03-02T10:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

const coupon10 = { name: '£5 off', kind: 'discount_coupon', discount: { type: 'amount', amount: 500 }, points_cost: 100 };

async function reward(p: TestProgram, body: Record<string, unknown> = coupon10) {
  const res = await p.api('POST', '/v1/rewards', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; stock: number | null };
}

const redeem = (p: TestProgram, m: string, rewardId: string, mode: 'reserve' | 'redeem' = 'redeem', extra: Record<string, unknown> = {}) =>
  p.api('POST', `/v1/members/${m}/reward-redemptions`, { reward_id: rewardId, mode, ...extra });

const customEvent = (p: TestProgram, m: string) => p.api('POST', '/v1/events', { type: 'store_checkin', id: uniq('evt'), member: { id: m } });

describe('catalog', () => {
  it('creates, reads, lists and changes rewards', async () => {
    const p = await h.program();
    const r = await p.api('POST', '/v1/rewards', {
      name: 'Free coffee',
      kind: 'free_product',
      sku: 'COF-1',
      points_cost: 250,
      stock: 40,
      per_member_limit: 2,
      description: 'Any size',
      images: ['https://cdn.example.com/coffee.png'],
      valid_from: '2026-03-01T00:00:00Z',
      valid_to: '2026-12-31T00:00:00Z',
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'free_product', sku: 'COF-1', points_cost: 250, points_currency: 'points', stock: 40, per_member_limit: 2, status: 'active' });
    expect(r.body.id).toMatch(/^rwd_/);
    const g = await reward(p, { name: 'Tote bag', kind: 'gift', points_cost: 900 });
    expect((await p.api('GET', `/v1/rewards/${r.body.id}`)).body.name).toBe('Free coffee');

    const patched = await p.api('PATCH', `/v1/rewards/${r.body.id}`, { points_cost: 300, stock: null, status: 'inactive' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ points_cost: 300, stock: null, status: 'inactive', sku: 'COF-1', kind: 'free_product' });

    const all = await p.api('GET', '/v1/rewards?limit=1');
    expect(all.body.data).toHaveLength(1);
    const next = await p.api('GET', `/v1/rewards?limit=1&cursor=${all.body.next_cursor}`);
    expect(next.body.data.map((x: { id: string }) => x.id)).toEqual([g.id]);
    expect((await p.api('GET', '/v1/rewards?status=active')).body.data.map((x: { id: string }) => x.id)).toEqual([g.id]);
    expect((await p.api('GET', '/v1/rewards/rwd_nope')).status).toBe(404);
  });

  it('refuses incomplete or wrong rewards with the field, and stores nothing', async () => {
    const p = await h.program();
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ name: 'x', kind: 'discount_coupon', points_cost: 10 }, 400, 'reward.discount_required', 'discount'],
      [{ name: 'x', kind: 'free_product', points_cost: 10 }, 400, 'reward.sku_required', 'sku'],
      [{ name: 'x', kind: 'charity_donation', points_cost: 10 }, 400, 'reward.cause_required', 'cause'],
      [{ name: 'x', kind: 'gift', points_cost: 10, discount: { type: 'amount', amount: 5 } }, 400, 'reward.discount_not_applicable', 'discount'],
      [{ name: 'x', kind: 'gift', points_cost: 10, points_currency: 'stamps' }, 400, 'reward.unknown_currency', 'points_currency'],
      [{ name: 'x', kind: 'gift', points_cost: -1 }, 400, 'validation.too_small', 'points_cost'],
      [{ name: 'x', kind: 'gift', points_cost: 1.5 }, 400, 'validation.invalid_type', 'points_cost'],
      [{ name: 'x', kind: 'gift', points_cost: 1, stock: -1 }, 400, 'validation.too_small', 'stock'],
      [{ name: 'x', kind: 'spaceship', points_cost: 1 }, 400, 'validation.invalid_value', 'kind'],
      [{ name: 'x', kind: 'discount_coupon', points_cost: 1, discount: { type: 'percent', basis_points: 10_001 } }, 400, 'validation.too_big', 'discount.basis_points'],
      [{ name: 'x', kind: 'gift', points_cost: 1, images: ['javascript:alert(1)'] }, 400, 'validation.invalid_format', 'images.0'],
      [{ name: 'x', kind: 'gift', points_cost: 1, valid_from: '2026-05-01T00:00:00Z', valid_to: '2026-04-01T00:00:00Z' }, 400, 'reward.invalid_validity', 'valid_to'],
      [{ name: 'x', kind: 'gift', points_cost: 1, colour: 'red' }, 400, 'validation.unrecognized_keys', 'colour'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await p.api('POST', '/v1/rewards', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body, JSON.stringify(body)).toMatchObject({ code, field });
    }
    const r = await reward(p);
    const bad = await p.api('PATCH', `/v1/rewards/${r.id}`, { discount: null });
    expect(bad.body).toMatchObject({ code: 'reward.discount_required', field: 'discount' });
    expect((await p.api('PATCH', `/v1/rewards/${r.id}`, { kind: 'gift' })).status).toBe(400);
    expect((await p.api('GET', '/v1/rewards')).body.data).toHaveLength(1);
  });
});

describe('redemption', () => {
  it('reserve holds points and stock; confirm spends them and issues a coupon from the uploaded pool', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 1000);
    const r = await reward(p, { ...coupon10, stock: 5 });
    const up = await p.api('POST', `/v1/rewards/${r.id}/codes`, { codes: ['save-5-aaa', 'SAVE-5-BBB', 'save-5-aaa'] });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ added: 2, skipped: [], available: 2 });
    const dup = await p.api('POST', `/v1/rewards/${r.id}/codes`, { codes: ['SAVE-5-BBB', 'SAVE-5-CCC'] });
    expect(dup.body).toMatchObject({ added: 1, skipped: ['SAVE-5-BBB'], available: 3 });

    const res = await redeem(p, m, r.id, 'reserve');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'reserved', points: 100, coupon: null });
    expect(res.body.id).toMatch(/^rdm_/);
    expect(await balance(p, m)).toMatchObject({ balance: 1000, held: 100, available: 900 });
    expect((await p.api('GET', `/v1/rewards/${r.id}`)).body.stock).toBe(4);

    const ok = await p.api('POST', `/v1/reward-redemptions/${res.body.id}/confirm`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ status: 'confirmed', coupon: { code: 'SAVE-5-AAA', member_id: m, uses_left: 1 } });
    expect(ok.body.coupon.id).toMatch(/^cpn_/);
    expect(ok.body.transaction_id).toMatch(/^txn_/);
    expect(await balance(p, m)).toMatchObject({ balance: 900, held: 0, available: 900, lifetime: { spent: 100 } });
    expect((await p.api('GET', `/v1/rewards/${r.id}`)).body).toMatchObject({ stock: 4, codes_available: 2 });

    const again = await p.api('POST', `/v1/reward-redemptions/${res.body.id}/confirm`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('redemption.confirmed');
    expect((await p.api('GET', `/v1/reward-redemptions/${res.body.id}`)).body.coupon.code).toBe('SAVE-5-AAA');
    await expectVerified(h, p.programId);
  });

  it('confirm without a pool generates an unambiguous code; an exhausted pool refuses cleanly', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 1000);
    const r = await reward(p, { ...coupon10, coupon: { valid_days: 30, max_uses: 2 } });
    const res = await redeem(p, m, r.id, 'reserve');
    const ok = await p.api('POST', `/v1/reward-redemptions/${res.body.id}/confirm`);
    expect(ok.body.coupon.code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}$/);
    expect(ok.body.coupon).toMatchObject({ max_uses: 2, expires_at: new Date(clock.now().getTime() + 30 * DAY_MS).toISOString() });

    const pooled = await reward(p);
    await p.api('POST', `/v1/rewards/${pooled.id}/codes`, { codes: ['ONLY-ONE'] });
    expect((await redeem(p, m, pooled.id)).body.coupon.code).toBe('ONLY-ONE');
    const none = await redeem(p, m, pooled.id);
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('reward.codes_exhausted');
    expect((await balance(p, m)).available).toBe(800);
    await expectVerified(h, p.programId);
  });

  it('cancel releases the points and the stock', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 300);
    const r = await reward(p, { ...coupon10, stock: 1, per_member_limit: 1 });
    const res = await redeem(p, m, r.id, 'reserve');
    expect((await p.api('GET', `/v1/rewards/${r.id}`)).body.stock).toBe(0);
    const c = await p.api('POST', `/v1/reward-redemptions/${res.body.id}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('cancelled');
    expect(await balance(p, m)).toMatchObject({ available: 300, held: 0, balance: 300 });
    expect((await p.api('GET', `/v1/rewards/${r.id}`)).body.stock).toBe(1);
    expect((await p.api('POST', `/v1/reward-redemptions/${res.body.id}/confirm`)).body.code).toBe('redemption.cancelled');
    // The stock and the member's limit are free again.
    expect((await redeem(p, m, r.id)).status).toBe(201);
    await expectVerified(h, p.programId);
  });

  it('an expired reservation cannot be confirmed, and the maintenance gives its stock back', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 300);
    const r = await reward(p, { ...coupon10, stock: 1 });
    const res = await redeem(p, m, r.id, 'reserve', { ttl_seconds: 60 });
    expect(res.body.expires_at).toBe(new Date(clock.now().getTime() + 60_000).toISOString());
    clock.advance(61_000);
    const late = await p.api('POST', `/v1/reward-redemptions/${res.body.id}/confirm`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('redemption.expired');
    expect((await balance(p, m)).available).toBe(300);
    expect((await redeem(p, m, r.id)).body.code).toBe('reward.out_of_stock');

    expect(await h.services.rewards.runMaintenance({ programId: p.programId })).toEqual({ expired_reservations: 1 });
    expect((await p.api('GET', `/v1/reward-redemptions/${res.body.id}`)).body.status).toBe('expired');
    expect((await p.api('GET', `/v1/rewards/${r.id}`)).body.stock).toBe(1);
    expect((await redeem(p, m, r.id)).status).toBe(201);
    expect(await balance(p, m)).toMatchObject({ available: 200, balance: 200 });
    await expectVerified(h, p.programId);
  });

  it('one-step redeem spends and issues at once: a gift makes a fulfilment record, a donation records the cause', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 1000);
    const gift = await reward(p, { name: 'Mug', kind: 'gift', points_cost: 400, stock: 3 });
    const res = await redeem(p, m, gift.id);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'confirmed', mode: 'redeem', coupon: null, fulfilment: { status: 'pending', kind: 'gift' } });
    const charity = await reward(p, { name: 'Trees', kind: 'charity_donation', cause: 'Woodland Trust', points_cost: 100 });
    expect((await redeem(p, m, charity.id)).body.fulfilment).toEqual({ status: 'donated', cause: 'Woodland Trust', points: 100 });
    expect(await balance(p, m)).toMatchObject({ available: 500, lifetime: { spent: 500 } });
    expect((await p.api('GET', `/v1/rewards/${gift.id}`)).body.stock).toBe(2);
    await expectVerified(h, p.programId);
  });

  it('insufficient points is a 422 and writes nothing', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 99);
    const r = await reward(p, { ...coupon10, stock: 3 });
    for (const mode of ['redeem', 'reserve'] as const) {
      const res = await redeem(p, m, r.id, mode);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'ledger.insufficient_points', available: 99, requested: 100 });
    }
    expect(await balance(p, m)).toMatchObject({ available: 99, held: 0, balance: 99 });
    expect((await p.api('GET', `/v1/rewards/${r.id}`)).body.stock).toBe(3);
    expect((await p.api('GET', `/v1/members/${m}/transactions`)).body.data).toHaveLength(1);
    await expectVerified(h, p.programId);
  });

  it('refuses out of stock, past the per-member limit, inactive, outside its dates, tier-only, unknown reward or member', async () => {
    const p = await h.program();
    const [a, b] = [await enrol(p), await enrol(p)];
    await credit(p, a, 1000);
    await credit(p, b, 1000);
    const one = await reward(p, { ...coupon10, stock: 1 });
    expect((await redeem(p, a, one.id)).status).toBe(201);
    const out = await redeem(p, b, one.id);
    expect(out.status).toBe(409);
    expect(out.body).toMatchObject({ code: 'reward.out_of_stock', field: 'reward_id' });

    const limited = await reward(p, { ...coupon10, per_member_limit: 2 });
    expect((await redeem(p, a, limited.id)).status).toBe(201);
    expect((await redeem(p, a, limited.id, 'reserve')).status).toBe(201);
    const third = await redeem(p, a, limited.id);
    expect(third.status).toBe(422);
    expect(third.body).toMatchObject({ code: 'reward.member_limit_reached', per_member_limit: 2 });
    expect((await redeem(p, b, limited.id)).status).toBe(201);

    const inactive = await reward(p, { ...coupon10, status: 'inactive' });
    expect((await redeem(p, a, inactive.id)).body.code).toBe('reward.not_active');
    const later = await reward(p, { ...coupon10, valid_from: '2027-01-01T00:00:00Z' });
    expect((await redeem(p, a, later.id)).body.code).toBe('reward.not_yet_available');
    const gone = await reward(p, { ...coupon10, valid_to: '2020-01-01T00:00:00Z' });
    expect((await redeem(p, a, gone.id)).body.code).toBe('reward.no_longer_available');
    const gold = await reward(p, { ...coupon10, tier_level_ids: ['lvl_gold'] });
    const tier = await redeem(p, a, gold.id);
    expect(tier.status).toBe(422);
    expect(tier.body).toMatchObject({ code: 'reward.tier_not_eligible', member_tier: null });
    expect((await redeem(p, a, 'rwd_nope')).status).toBe(404);
    expect((await redeem(p, 'mbr_nope', one.id)).body.code).toBe('member.not_found');
    expect((await balance(p, a)).available).toBe(700);
    expect((await balance(p, b)).available).toBe(900);
    await expectVerified(h, p.programId);
  });

  it('issueReward grants a reward at no points cost inside a transaction, or says why not', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const r = await reward(p, { ...coupon10, stock: 1 });
    const program = await h.services.programs.program(p.programId);
    const give = () =>
      h.db.tx((q) => h.services.rewards.issueReward({ q, program, now: clock.now() }, { memberId: m, rewardId: r.id, eventId: 'evt-1', ruleId: 'rul_x', ruleVersion: 2 }));
    const first = await give();
    expect(first).toMatchObject({ kind: 'reward_issued', reward_id: r.id, rule_id: 'rul_x', rule_version: 2 });
    expect(first.coupon_code).toMatch(/^[A-Z2-9]{10}$/);
    const red = await p.api('GET', `/v1/reward-redemptions/${String(first.redemption_id)}`);
    expect(red.body).toMatchObject({ mode: 'issued', status: 'confirmed', points: 0, coupon: { code: first.coupon_code } });
    expect(await give()).toMatchObject({ kind: 'reward_not_issued', reason: 'reward.out_of_stock' });
    expect((await balance(p, m)).available).toBe(0);
  });
});

describe('coupons at checkout', () => {
  it('validates, redeems once, refuses a second use, and a cancelled order releases it', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const other = await enrol(p);
    await credit(p, m, 500);
    const r = await reward(p, { ...coupon10, discount: { type: 'percent', basis_points: 1500 }, coupon: { min_order_amount: 2000, valid_days: 10 } });
    const code = (await redeem(p, m, r.id)).body.coupon.code as string;

    const v = await p.api('POST', '/v1/coupons/validate', { code: code.toLowerCase(), member: { id: m }, order_amount: 3333 });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ valid: true, discount_amount: 499, reason: null });
    expect((await p.api('POST', '/v1/coupons/validate', { code, order_amount: 1999 })).body).toMatchObject({ valid: false, reason: 'coupon.min_order_amount' });
    expect((await p.api('POST', '/v1/coupons/validate', { code, member: { id: other } })).body).toMatchObject({ valid: false, reason: 'coupon.wrong_member' });
    expect((await p.api('POST', '/v1/coupons/validate', { code: 'NOPE-NOPE' })).body).toMatchObject({ valid: false, reason: 'coupon.not_found', coupon: null });

    const small = await p.api('POST', '/v1/coupons/redeem', { code, order_id: 'o-0', order_amount: 1000 });
    expect(small.status).toBe(422);
    expect(small.body).toMatchObject({ code: 'coupon.min_order_amount', field: 'order_amount' });
    const use = await p.api('POST', '/v1/coupons/redeem', { code, member: { id: m }, order_id: 'o-1', order_amount: 4000 });
    expect(use.status).toBe(201);
    expect(use.body).toMatchObject({ discount_amount: 600, status: 'redeemed', coupon: { uses: 1, uses_left: 0 } });
    for (const order_id of ['o-1', 'o-2']) {
      const twice = await p.api('POST', '/v1/coupons/redeem', { code, order_id, order_amount: 4000 });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('coupon.already_redeemed');
    }
    expect((await p.api('POST', '/v1/coupons/validate', { code })).body).toMatchObject({ valid: false, reason: 'coupon.already_redeemed' });

    expect((await p.api('POST', '/v1/coupons/release', { code, order_id: 'o-2' })).body.code).toBe('coupon.not_redeemed');
    const rel = await p.api('POST', '/v1/coupons/release', { code, order_id: 'o-1' });
    expect(rel.status).toBe(200);
    expect(rel.body).toMatchObject({ status: 'released', coupon: { uses: 0 } });
    expect((await p.api('POST', '/v1/coupons/release', { code, order_id: 'o-1' })).status).toBe(409);
    expect((await p.api('POST', '/v1/coupons/redeem', { code, order_id: 'o-3', order_amount: 2000 })).status).toBe(201);

    clock.advance(11 * DAY_MS);
    await p.api('POST', '/v1/coupons/release', { code, order_id: 'o-3' });
    const expired = await p.api('POST', '/v1/coupons/redeem', { code, order_id: 'o-4', order_amount: 2000 });
    expect(expired.status).toBe(422);
    expect(expired.body.code).toBe('coupon.expired');
    await expectVerified(h, p.programId);
  });

  it('admin coupons for campaigns: N uses, dates, own code; bad input refused', async () => {
    const p = await h.program();
    const now = clock.now().getTime();
    const c = await p.api('POST', '/v1/coupons', {
      code: 'spring26',
      benefit: { type: 'amount', amount: 1000 },
      max_uses: 2,
      valid_from: new Date(now + DAY_MS).toISOString(),
      expires_at: new Date(now + 5 * DAY_MS).toISOString(),
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.body).toMatchObject({ code: 'SPRING26', max_uses: 2, member_id: null });
    expect((await p.api('POST', '/v1/coupons', { code: 'SPRING26', benefit: { type: 'amount', amount: 1 } })).body.code).toBe('coupon.code_taken');
    expect((await p.api('POST', '/v1/coupons', { benefit: { type: 'percent', basis_points: 0 } })).status).toBe(400);
    expect((await p.api('POST', '/v1/coupons/redeem', { code: 'SPRING26', order_id: 'a', order_amount: 5000 })).body.code).toBe('coupon.not_yet_valid');
    clock.advance(DAY_MS);
    expect((await p.api('POST', '/v1/coupons/redeem', { code: 'SPRING26', order_id: 'a', order_amount: 700 })).body.discount_amount).toBe(700);
    expect((await p.api('POST', '/v1/coupons/redeem', { code: 'SPRING26', order_id: 'b', order_amount: 5000 })).body.discount_amount).toBe(1000);
    const third = await p.api('POST', '/v1/coupons/redeem', { code: 'SPRING26', order_id: 'c', order_amount: 5000 });
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('coupon.used_up');
    expect((await p.api('GET', '/v1/coupons/spring26')).body).toMatchObject({ uses: 2, uses_left: 0 });
  });
});

describe('stamp cards', () => {
  it('every goal of stamps issues the reward after an event; leftovers carry over', async () => {
    const p = await h.program({ point_currencies: ['points', 'stamps'] });
    const m = await enrol(p);
    const coffee = await reward(p, { name: 'Free coffee', kind: 'free_product', sku: 'COF', points_cost: 0 });
    expect((await p.api('PUT', '/v1/stamp-cards/points', { goal: 5, reward_id: coffee.id })).body.code).toBe('stamp_card.main_currency');
    expect((await p.api('PUT', '/v1/stamp-cards/beans', { goal: 5, reward_id: coffee.id })).body.code).toBe('stamp_card.unknown_currency');
    expect((await p.api('PUT', '/v1/stamp-cards/stamps', { goal: 0, reward_id: coffee.id })).status).toBe(400);
    expect((await p.api('PUT', '/v1/stamp-cards/stamps', { goal: 5, reward_id: 'rwd_nope' })).status).toBe(404);
    const card = await p.api('PUT', '/v1/stamp-cards/stamps', { goal: 5, reward_id: coffee.id });
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({ currency: 'stamps', goal: 5, status: 'active' });

    await credit(p, m, 4, { currency: 'stamps' });
    const none = await customEvent(p, m);
    expect(none.body.outcomes ?? []).toEqual([]);
    expect((await balance(p, m, 'stamps')).available).toBe(4);

    await credit(p, m, 8, { currency: 'stamps' });
    const done = await customEvent(p, m);
    expect(done.status).toBe(201);
    const completed = done.body.outcomes.filter((o: { kind: string }) => o.kind === 'stamp_card_completed');
    expect(completed).toHaveLength(2);
    expect(completed[0]).toMatchObject({ currency: 'stamps', goal: 5, reward_id: coffee.id });
    expect(completed[0].coupon_code).toMatch(/^[A-Z2-9]{10}$/);
    expect(done.body.points).toEqual({ stamps: -10 });
    expect(await balance(p, m, 'stamps')).toMatchObject({ available: 2, lifetime: { earned: 12, spent: 10 } });
    const red = await p.api('GET', `/v1/reward-redemptions/${completed[1].redemption_id}`);
    expect(red.body).toMatchObject({ mode: 'stamp_card', points: 5, currency: 'stamps', coupon: { benefit: { type: 'free_product', sku: 'COF' } } });

    // A purchase counts as an event too; the points balance is untouched.
    await credit(p, m, 3, { currency: 'stamps' });
    const buy = await p.api('POST', '/v1/events', { type: 'purchase', id: uniq('evt'), member: { id: m }, order_id: uniq('o'), amount: 300, currency: 'GBP' });
    expect(buy.body.points).toEqual({ points: 3, stamps: -5 });
    expect((await balance(p, m, 'stamps')).available).toBe(0);
    expect((await balance(p, m)).available).toBe(3);

    await p.api('PUT', '/v1/stamp-cards/stamps', { goal: 5, reward_id: coffee.id, status: 'inactive' });
    await credit(p, m, 6, { currency: 'stamps' });
    expect((await customEvent(p, m)).body.outcomes ?? []).toEqual([]);
    expect((await p.api('GET', '/v1/stamp-cards')).body.data).toHaveLength(1);
    await expectVerified(h, p.programId);
  });

  it('fills cards inside one batch of purchases: each goal reached issues the reward, mid-batch', async () => {
    const p = await h.program({ point_currencies: ['points', 'stamps'] });
    const coffee = await reward(p, { name: 'Free coffee', kind: 'free_product', sku: 'COF', points_cost: 0 });
    await p.api('PUT', '/v1/stamp-cards/stamps', { goal: 3, reward_id: coffee.id });
    const rule = await p.api('POST', '/v1/rules', {
      name: 'A stamp a coffee', trigger: 'purchase', status: 'active', effects: [{ type: 'fixed', points: 1, currency: 'stamps' }],
    });
    expect(rule.status).toBe(201);
    const [m, n] = [await enrol(p), await enrol(p)];
    const buy = (member: string) => ({ type: 'purchase', id: uniq('evt'), member: { id: member }, order_id: uniq('o'), amount: 250, currency: 'GBP' });
    const events = [buy(m), buy(n), buy(m), buy(m), buy(n), buy(m), buy(m), buy(n), buy(m), buy(m)];
    const res = await p.api('POST', '/v1/events/batch', { events });
    expect(res.body).toMatchObject({ applied: 10, rejected: 0 });
    const completions = res.body.results.map(
      (r: { result: { outcomes?: { kind: string }[] } }) => (r.result.outcomes ?? []).filter((o) => o.kind === 'stamp_card_completed').length,
    );
    // m's 3rd and 6th purchases (slots 3 and 8), n's 3rd (slot 7) fill a card.
    expect(completions).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 1, 0]);
    expect(await balance(p, m, 'stamps')).toMatchObject({ available: 1, lifetime: { earned: 7, spent: 6 } });
    expect(await balance(p, n, 'stamps')).toMatchObject({ available: 0, lifetime: { earned: 3, spent: 3 } });
    expect((await balance(p, m)).available).toBe(7 * 2);
    await expectVerified(h, p.programId);
  });

  it('a card whose reward ran out keeps the stamps and says so', async () => {
    const p = await h.program({ point_currencies: ['points', 'stamps'] });
    const m = await enrol(p);
    const r = await reward(p, { name: 'Cake', kind: 'gift', points_cost: 0, stock: 0 });
    await p.api('PUT', '/v1/stamp-cards/stamps', { goal: 3, reward_id: r.id });
    await credit(p, m, 3, { currency: 'stamps' });
    const ev = await customEvent(p, m);
    expect(ev.status).toBe(201);
    expect(ev.body.outcomes).toEqual([expect.objectContaining({ kind: 'stamp_card_not_completed', reason: 'reward.out_of_stock' })]);
    expect((await balance(p, m, 'stamps')).available).toBe(3);
    await expectVerified(h, p.programId);
  });
});

describe.runIf(onPostgres)('parallel redemptions on PostgreSQL', () => {
  it('50 parallel redemptions of a reward with stock 10: exactly 10 succeed; stock and points stay right', async () => {
    const p = await h.program();
    const members = await Promise.all(Array.from({ length: 5 }, () => enrol(p)));
    for (const m of members) await credit(p, m, 1000);
    const r = await reward(p, { ...coupon10, stock: 10 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => redeem(p, members[i % 5]!, r.id, i % 2 ? 'redeem' : 'reserve')),
    );
    const ok = results.filter((x) => x.status === 201);
    expect(ok).toHaveLength(10);
    expect(results.filter((x) => x.status !== 201).every((x) => x.status === 409 && x.body.code === 'reward.out_of_stock')).toBe(true);
    expect((await p.api('GET', `/v1/rewards/${r.id}`)).body.stock).toBe(0);
    let spentOrHeld = 0;
    for (const m of members) {
      const b = await balance(p, m);
      spentOrHeld += 1000 - b.available;
      expect(b.available).toBeGreaterThanOrEqual(0);
    }
    expect(spentOrHeld).toBe(1000);
    await expectVerified(h, p.programId);
  });

  it('parallel coupon redemptions: a single-use coupon is used exactly once', async () => {
    const p = await h.program();
    await p.api('POST', '/v1/coupons', { code: 'ONCE-ONLY', benefit: { type: 'amount', amount: 100 } });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => p.api('POST', '/v1/coupons/redeem', { code: 'ONCE-ONLY', order_id: `o-${i}`, order_amount: 1000 })),
    );
    expect(results.filter((x) => x.status === 201)).toHaveLength(1);
    expect(results.filter((x) => x.status === 409 && x.body.code === 'coupon.already_redeemed')).toHaveLength(19);
  });
});
