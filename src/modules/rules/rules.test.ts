import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../platform/clock.js';
import { harness, onPostgres, type Harness, type TestProgram } from '../../../test/harness.js';
import { balance, enrol, expectVerified, purchase, uniq } from '../../../test/fixtures.js';

// Tuesday 10 March 2026, noon UTC.
const clock = manualClock('2026-03-10T12:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

const NO_BASE = { base_earning: { points: 0, per_amount: 100 } };

async function rule(p: TestProgram, body: Record<string, unknown>) {
  const res = await p.api('POST', '/v1/rules', { status: 'active', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; version: number; status: string };
}

const custom = (p: TestProgram, memberId: string, type: string, extra: Record<string, unknown> = {}) =>
  p.api('POST', '/v1/events', { type, id: uniq('e'), member: { id: memberId }, ...extra });

const pointsOf = (res: { status: number; body: any }) => {
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return (res.body.points.points ?? 0) as number;
};

describe('earning behaviours brands ask for', () => {
  it('points per purchase: 2 points per £1, rounded', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, { name: 'Double rate', trigger: 'purchase', effects: [{ type: 'per_amount', points: 2, per_amount: 100, rounding: 'round' }] });
    const m = await enrol(p);
    const res = await purchase(p, m, 1275); // 25.5 → 26
    expect(pointsOf(res)).toBe(26);
    expect(res.body.transactions[0]).toMatchObject({ rule_version: 1, points: 26 });
    expect((await balance(p, m)).available).toBe(26);
    await expectVerified(h, p.programId);
  });

  it('keeps paying the base rate as the built-in base_earning rule', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const res = await purchase(p, m, 1999);
    expect(pointsOf(res)).toBe(19);
    expect(res.body.transactions).toEqual([expect.objectContaining({ rule_id: 'base_earning', rule_version: null, points: 19 })]);
  });

  it.each([
    ['signup', 100],
    ['profile_completed', 50],
    ['review_submitted', 25],
    ['store_checkin', 10],
    ['app_installed', 200],
    ['newsletter_signup', 30],
    ['event_attended', 75],
  ])('a %s bonus of %i points', async (type, points) => {
    const p = await h.program();
    await rule(p, { name: `${type} bonus`, trigger: type, effects: [{ type: 'fixed', points }] });
    const m = await enrol(p);
    expect(pointsOf(await custom(p, m, type))).toBe(points);
    expect(pointsOf(await custom(p, m, 'something_else'))).toBe(0);
    expect((await balance(p, m)).available).toBe(points);
    await expectVerified(h, p.programId);
  });

  it('first-purchase bonus: only the first order pays it', async () => {
    const p = await h.program();
    await rule(p, {
      name: 'Welcome',
      trigger: 'purchase',
      conditions: { field: 'history.first_purchase', op: 'eq', value: true },
      effects: [{ type: 'fixed', points: 500 }],
    });
    const m = await enrol(p);
    expect(pointsOf(await purchase(p, m, 1000))).toBe(510);
    expect(pointsOf(await purchase(p, m, 1000))).toBe(10);
    await expectVerified(h, p.programId);
  });

  it('spend-threshold bonus: spend £100, get 500', async () => {
    const p = await h.program();
    await rule(p, { name: 'Big basket', trigger: 'purchase', effects: [{ type: 'threshold', min_amount: 10000, points: 500 }] });
    const m = await enrol(p);
    expect(pointsOf(await purchase(p, m, 9999))).toBe(99);
    expect(pointsOf(await purchase(p, m, 10000))).toBe(600);
  });

  it('double points in the birthday month', async () => {
    const p = await h.program();
    await rule(p, {
      name: 'Birthday double',
      trigger: 'purchase',
      conditions: { field: 'date.birthday_month', op: 'eq', value: true },
      effects: [{ type: 'multiplier', multiplier_bp: 20000 }],
    });
    const march = await enrol(p, { birthdate: '1990-03-22' });
    const july = await enrol(p, { birthdate: '1990-07-01' });
    const res = await purchase(p, march, 1550);
    expect(pointsOf(res)).toBe(30);
    expect(res.body.transactions.map((t: any) => [t.rule_id === 'base_earning' ? 'base' : 'birthday', t.points])).toEqual([
      ['base', 15],
      ['birthday', 15],
    ]);
    expect(pointsOf(await purchase(p, july, 1550))).toBe(15);
  });

  it('category and SKU multipliers: extra points on coffee lines and one SKU', async () => {
    const p = await h.program();
    await rule(p, { name: 'Triple on coffee', trigger: 'purchase', effects: [{ type: 'per_amount', points: 2, per_amount: 100, lines: { category: ['coffee'] } }] });
    await rule(p, { name: 'Double on SKU-1', trigger: 'purchase', effects: [{ type: 'per_amount', points: 1, per_amount: 100, lines: { sku: ['SKU-1'] } }] });
    const m = await enrol(p);
    const res = await purchase(p, m, undefined as unknown as number, {
      amount: undefined,
      lines: [
        { sku: 'BEAN', category: 'coffee', quantity: 2, unit_price: 500 },
        { sku: 'SKU-1', category: 'tea', quantity: 1, unit_price: 300 },
        { sku: 'MUG', category: 'gear', quantity: 1, unit_price: 700 },
      ],
    });
    // base 20 + coffee 2 × 10 + SKU-1 1 × 3
    expect(pointsOf(res)).toBe(43);
  });

  it('channel-specific promotion: 100 bonus points in the app only', async () => {
    const p = await h.program();
    await rule(p, {
      name: 'App promo',
      trigger: 'purchase',
      conditions: { field: 'event.channel', op: 'eq', value: 'app' },
      effects: [{ type: 'fixed', points: 100 }],
    });
    const m = await enrol(p);
    expect(pointsOf(await purchase(p, m, 500, { channel: 'web' }))).toBe(5);
    expect(pointsOf(await purchase(p, m, 500, { channel: 'app' }))).toBe(105);
  });

  it('limited-time campaign: pays only between its effective dates', async () => {
    const p = await h.program();
    await rule(p, {
      name: 'Spring weekend',
      trigger: 'purchase',
      effective_from: '2026-03-14T00:00:00Z',
      effective_to: '2026-03-16T00:00:00Z',
      effects: [{ type: 'multiplier', multiplier: '3' }],
    });
    const m = await enrol(p);
    expect(pointsOf(await purchase(p, m, 1000, { occurred_at: '2026-03-10T09:00:00Z' }))).toBe(10);
    clock.set('2026-03-15T12:00:00Z');
    expect(pointsOf(await purchase(p, m, 1000))).toBe(30);
    clock.set('2026-03-16T00:00:00Z');
    expect(pointsOf(await purchase(p, m, 1000))).toBe(10);
    clock.set('2026-03-10T12:00:00Z');
    await expectVerified(h, p.programId);
  });
});

describe('conditions', () => {
  it('reads member tags with a ×1.5 multiplier given as a decimal, and adds a tag as an outcome', async () => {
    const p = await h.program();
    await rule(p, {
      name: 'VIP ×1.5',
      trigger: 'purchase',
      conditions: { all: [{ field: 'member.tags', op: 'contains', value: 'vip' }, { not: { field: 'event.store_id', op: 'eq', value: 'outlet' } }] },
      effects: [{ type: 'multiplier', multiplier: '1.5' }],
    });
    await rule(p, { name: 'Subscriber tag', trigger: 'newsletter_signup', effects: [{ type: 'tag', add: ['subscriber'] }] });
    const vip = await enrol(p, { tags: ['vip'] });
    expect(pointsOf(await purchase(p, vip, 1000))).toBe(15);
    expect(pointsOf(await purchase(p, vip, 1000, { store_id: 'outlet' }))).toBe(10);
    const tagged = await custom(p, vip, 'newsletter_signup');
    expect(tagged.body.outcomes).toEqual([expect.objectContaining({ kind: 'tag_added', tag: 'subscriber' })]);
    expect((await p.api('GET', `/v1/members/${vip}`)).body.tags).toEqual(['vip', 'subscriber']);
  });

  it('reads history: nth purchase, spend in the last N days, days since the last purchase', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, { name: 'Third order', trigger: 'purchase', conditions: { field: 'history.purchase_count', op: 'eq', value: 3 }, effects: [{ type: 'fixed', points: 3 }] });
    await rule(p, { name: 'Big month', trigger: 'purchase', conditions: { field: 'history.spend', days: 30, op: 'gte', value: 5000 }, effects: [{ type: 'fixed', points: 50 }] });
    await rule(p, { name: 'Win-back', trigger: 'purchase', conditions: { field: 'history.days_since_last_purchase', op: 'gte', value: 60 }, effects: [{ type: 'fixed', points: 600 }] });
    const m = await enrol(p);
    expect(pointsOf(await purchase(p, m, 2000, { occurred_at: '2025-12-01T10:00:00Z' }))).toBe(0);
    expect(pointsOf(await purchase(p, m, 2000, { occurred_at: '2026-03-01T10:00:00Z' }))).toBe(600); // 90 days later
    expect(pointsOf(await purchase(p, m, 1000, { occurred_at: '2026-03-05T10:00:00Z' }))).toBe(3); // 3rd; 3000 this month
    expect(pointsOf(await purchase(p, m, 2000, { occurred_at: '2026-03-06T10:00:00Z' }))).toBe(50); // 5000 in 30 days
  });

  it('reads the same history inside one batch: earlier orders, the batch’s own, and a refund between them', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, { name: 'Third order', trigger: 'purchase', conditions: { field: 'history.purchase_count', op: 'eq', value: 3 }, effects: [{ type: 'fixed', points: 3 }] });
    await rule(p, { name: 'Big month', trigger: 'purchase', conditions: { field: 'history.spend', days: 30, op: 'gte', value: 5000 }, effects: [{ type: 'fixed', points: 50 }] });
    await rule(p, { name: 'Win-back', trigger: 'purchase', conditions: { field: 'history.days_since_last_purchase', op: 'gte', value: 60 }, effects: [{ type: 'fixed', points: 600 }] });
    await rule(p, { name: 'Welcome', trigger: 'purchase', conditions: { field: 'history.first_purchase', op: 'eq', value: true }, effects: [{ type: 'fixed', points: 7 }] });
    const [m, n] = [await enrol(p), await enrol(p)];
    expect(pointsOf(await purchase(p, m, 2000, { occurred_at: '2025-12-01T10:00:00Z' }))).toBe(7);
    const buy = (member: string, amount: number, at: string, order = uniq('o')) => ({
      type: 'purchase', id: uniq('e'), member: { id: member }, order_id: order, amount, currency: 'GBP', occurred_at: at,
    });
    const big = uniq('o');
    const res = await p.api('POST', '/v1/events/batch', {
      events: [
        buy(m, 2000, '2026-03-01T10:00:00Z', big), // 90 days after the order already stored: win-back
        buy(n, 500, '2026-03-01T11:00:00Z'), // n's first order
        { type: 'refund', id: uniq('r'), order_id: big, amount: 2000 }, // the batch's own order, refunded in full
        buy(m, 1000, '2026-03-05T10:00:00Z'), // m's 3rd order; 1000 net in 30 days
        buy(m, 3000, '2026-03-06T10:00:00Z'), // 4000 net in 30 days: the refunded 2000 no longer counts
        buy(n, 500, '2026-03-06T11:00:00Z'), // n's second
        buy(m, 1000, '2026-03-07T10:00:00Z'), // 5000 net in 30 days
      ],
    });
    expect(res.body.rejected).toBe(0);
    expect(res.body.results.map((r: { result: { points: { points?: number } } }) => r.result.points.points ?? 0)).toEqual([600, 7, -600, 3, 0, 0, 50]);
  });

  it('reads the weekday and hour in the member’s time zone', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, {
      name: 'Sunday breakfast',
      trigger: 'purchase',
      conditions: { all: [{ field: 'date.weekday', op: 'eq', value: 7 }, { field: 'date.hour', op: 'lt', value: 11 }] },
      effects: [{ type: 'fixed', points: 40 }],
    });
    const tokyo = await enrol(p, { time_zone: 'Asia/Tokyo' });
    const london = await enrol(p, { time_zone: 'Europe/London' });
    // Saturday 23:30 UTC is Sunday 08:30 in Tokyo.
    expect(pointsOf(await purchase(p, tokyo, 1000, { occurred_at: '2026-03-07T23:30:00Z' }))).toBe(40);
    expect(pointsOf(await purchase(p, london, 1000, { occurred_at: '2026-03-07T23:30:00Z' }))).toBe(0);
  });
});

describe('limits and stacking', () => {
  it('cuts an award to the per-member daily cap instead of dropping it', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, {
      name: 'Check-in',
      trigger: 'store_checkin',
      effects: [{ type: 'fixed', points: 300 }],
      limits: { per_member: [{ period: 'day', points: 500 }] },
    });
    const m = await enrol(p);
    expect(pointsOf(await custom(p, m, 'store_checkin'))).toBe(300);
    expect(pointsOf(await custom(p, m, 'store_checkin'))).toBe(200);
    expect(pointsOf(await custom(p, m, 'store_checkin'))).toBe(0);
    clock.set('2026-03-11T12:00:00Z');
    expect(pointsOf(await custom(p, m, 'store_checkin'))).toBe(300);
    clock.set('2026-03-10T12:00:00Z');
    expect((await balance(p, m)).available).toBe(800);
    await expectVerified(h, p.programId);
  });

  it('stops a rule after its times limit', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, { name: 'One review a week', trigger: 'review_submitted', effects: [{ type: 'fixed', points: 25 }], limits: { per_member: [{ period: 'week', times: 1 }] } });
    const m = await enrol(p);
    expect(pointsOf(await custom(p, m, 'review_submitted'))).toBe(25);
    expect(pointsOf(await custom(p, m, 'review_submitted'))).toBe(0);
  });

  it('spends a rule’s total budget across members, the last award cut to what is left', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, { name: 'First 250 points', trigger: 'app_installed', effects: [{ type: 'fixed', points: 100 }], limits: { budget: { points: 250 } } });
    const got = [];
    for (let i = 0; i < 4; i++) got.push(pointsOf(await custom(p, await enrol(p), 'app_installed')));
    expect(got).toEqual([100, 100, 50, 0]);
    await expectVerified(h, p.programId);
  });

  it('holds budgets, caps and times limits across the events of one batch and the next', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, { name: 'Budget', trigger: 'app_installed', effects: [{ type: 'fixed', points: 100 }], limits: { budget: { points: 450 } } });
    await rule(p, { name: 'Daily', trigger: 'store_checkin', effects: [{ type: 'fixed', points: 40 }], limits: { per_member: [{ period: 'day', points: 100 }] } });
    await rule(p, { name: 'Twice', trigger: 'review_submitted', effects: [{ type: 'fixed', points: 5 }], limits: { per_member: [{ period: 'lifetime', times: 2 }] } });
    const [a, b] = [await enrol(p), await enrol(p)];
    const ev = (type: string, m: string) => ({ type, id: uniq('e'), member: { id: m }, occurred_at: '2026-03-02T10:00:00Z' });
    const send = async (events: Record<string, unknown>[]) => {
      const res = await p.api('POST', '/v1/events/batch', { events });
      expect(res.body.rejected).toBe(0);
      return res.body.results.map((r: { result: { points: { points?: number } } }) => r.result.points.points ?? 0);
    };
    const first = await send([ev('app_installed', a), ev('store_checkin', a), ev('app_installed', b), ev('store_checkin', a), ev('review_submitted', b), ev('store_checkin', a), ev('review_submitted', b), ev('app_installed', a), ev('review_submitted', b)]);
    expect(first).toEqual([100, 40, 100, 40, 5, 20, 5, 100, 0]);
    const second = await send([ev('app_installed', b), ev('store_checkin', a), ev('store_checkin', b), ev('app_installed', a), ev('review_submitted', b)]);
    expect(second).toEqual([100, 0, 40, 50, 0]);
    expect((await balance(p, a)).available).toBe(100 + 40 + 40 + 20 + 100 + 50);
    expect((await balance(p, b)).available).toBe(100 + 5 + 5 + 100 + 40);
    await expectVerified(h, p.programId);
  });

  it('pays only the highest-priority firing rule of an exclusive group; stacking rules add up', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, { name: 'Gold promo', trigger: 'purchase', priority: 10, stacking: 'exclusive', group: 'promo', effects: [{ type: 'fixed', points: 50 }] });
    await rule(p, { name: 'Generic promo', trigger: 'purchase', priority: 5, stacking: 'exclusive', group: 'promo', effects: [{ type: 'fixed', points: 200 }] });
    await rule(p, {
      name: 'App extra',
      trigger: 'purchase',
      conditions: { field: 'event.channel', op: 'eq', value: 'app' },
      effects: [{ type: 'fixed', points: 7 }],
    });
    await rule(p, { name: 'Stacks', trigger: 'purchase', effects: [{ type: 'fixed', points: 3 }] });
    const m = await enrol(p);
    expect(pointsOf(await purchase(p, m, 1000, { channel: 'app' }))).toBe(60);
    expect(pointsOf(await purchase(p, m, 1000))).toBe(53);
  });

  it('credits pending points for an effect’s lock period, in another point currency too', async () => {
    const p = await h.program({ point_currencies: ['points', 'status_credits'] });
    await rule(p, {
      name: 'Status credits',
      trigger: 'purchase',
      effects: [
        { type: 'per_amount', points: 1, per_amount: 1000, currency: 'status_credits' },
        { type: 'fixed', points: 100, pending_days: 14 },
      ],
    });
    const m = await enrol(p);
    const res = await purchase(p, m, 5000);
    expect(res.body.points).toEqual({ points: 150, status_credits: 5 });
    expect(res.body.transactions.find((t: any) => t.pending)).toMatchObject({ points: 100, available_at: '2026-03-24T12:00:00.000Z' });
    expect((await balance(p, m)).pending).toBe(100);
    expect((await balance(p, m, 'status_credits')).available).toBe(5);
    await expectVerified(h, p.programId);
  });
});

describe('versions, refunds, preview', () => {
  it('editing an active rule makes a new version; the ledger records which version paid', async () => {
    const p = await h.program({ settings: NO_BASE });
    const r = await rule(p, { name: 'Signup', trigger: 'signup', effects: [{ type: 'fixed', points: 100 }] });
    const m = await enrol(p);
    const first = await custom(p, m, 'signup');
    expect(first.body.transactions[0]).toMatchObject({ rule_id: r.id, rule_version: 1, points: 100 });

    const edit = await p.api('PATCH', `/v1/rules/${r.id}`, { effects: [{ type: 'fixed', points: 150 }] });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    expect(edit.body.version).toBe(2);
    const second = await custom(p, m, 'signup');
    expect(second.body.transactions[0]).toMatchObject({ rule_id: r.id, rule_version: 2, points: 150 });
    const txn = await p.api('GET', `/v1/transactions/${second.body.transactions[0].id}`);
    expect(txn.body.metadata).toMatchObject({ rule_id: r.id, rule_version: 2 });

    const got = await p.api('GET', `/v1/rules/${r.id}`);
    expect(got.body.versions.map((v: any) => [v.version, v.effects[0].points])).toEqual([
      [1, 100],
      [2, 150],
    ]);

    // A draft is edited in place.
    const draft = await p.api('POST', '/v1/rules', { name: 'Draft', trigger: 'signup', effects: [{ type: 'fixed', points: 1 }] });
    expect(draft.body).toMatchObject({ status: 'draft', version: 1 });
    const d2 = await p.api('PATCH', `/v1/rules/${draft.body.id}`, { name: 'Draft 2' });
    expect(d2.body).toMatchObject({ version: 1, name: 'Draft 2' });
    expect(pointsOf(await custom(p, m, 'signup'))).toBe(150);

    const archived = await p.api('POST', `/v1/rules/${r.id}/archive`);
    expect(archived.body.status).toBe('archived');
    expect(pointsOf(await custom(p, m, 'signup'))).toBe(0);
    expect((await p.api('PATCH', `/v1/rules/${r.id}`, { name: 'x' })).body.code).toBe('rules.archived');
    const list = await p.api('GET', '/v1/rules?status=draft');
    expect(list.body.data.map((x: any) => x.id)).toEqual([draft.body.id]);
    await expectVerified(h, p.programId);
  });

  it('a refund reverses the points rules paid for the order, in every currency', async () => {
    const p = await h.program({ point_currencies: ['points', 'stamps'] });
    await rule(p, { name: 'Bonus', trigger: 'purchase', effects: [{ type: 'fixed', points: 500 }, { type: 'fixed', points: 1, currency: 'stamps' }] });
    const m = await enrol(p);
    const buy = await purchase(p, m, 10000);
    expect(buy.body.points).toEqual({ points: 600, stamps: 1 });
    const refund = await p.api('POST', '/v1/events', { type: 'refund', id: uniq('r'), order_id: buy.body.order_id, amount: 10000 });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body.points).toEqual({ points: -600, stamps: -1 });
    expect((await balance(p, m)).available).toBe(0);
    expect((await balance(p, m, 'stamps')).available).toBe(0);
    await expectVerified(h, p.programId);
  });

  it('rules paying a member in debt pay the debt back first, then make lots', async () => {
    const p = await h.program({ settings: { negative_balance: 'allow' } });
    const m = await enrol(p);
    const first = await purchase(p, m, 10000);
    expect(pointsOf(first)).toBe(100);
    expect((await p.api('POST', `/v1/members/${m}/redemptions`, { points: 100 })).status).toBe(201);
    const refund = await p.api('POST', '/v1/events', { type: 'refund', id: uniq('r'), order_id: first.body.order_id, amount: 10000 });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect((await balance(p, m)).balance).toBe(-100);
    await rule(p, { name: 'Sixty', trigger: 'purchase', priority: 2, effects: [{ type: 'fixed', points: 60 }] });
    await rule(p, { name: 'Seventy', trigger: 'purchase', priority: 1, effects: [{ type: 'fixed', points: 70 }] });
    const next = await purchase(p, m, 1000);
    expect(pointsOf(next)).toBe(140);
    expect(next.body.transactions).toHaveLength(3);
    expect(await balance(p, m)).toMatchObject({ balance: 40, available: 40 });
    await expectVerified(h, p.programId);
  });

  it('preview says what each rule would pay and why, and writes nothing', async () => {
    const p = await h.program();
    const capped = await rule(p, { name: 'Capped', trigger: 'purchase', effects: [{ type: 'fixed', points: 100 }], limits: { per_member: [{ period: 'day', points: 100 }] } });
    const app = await rule(p, { name: 'App only', trigger: 'purchase', conditions: { any: [{ field: 'event.channel', op: 'eq', value: 'app' }] }, effects: [{ type: 'fixed', points: 5 }] });
    const m = await enrol(p);
    const body = { member: { id: m }, event: { type: 'purchase', amount: 2000, currency: 'GBP', channel: 'web' } };
    const pv = await p.api('POST', '/v1/rules/preview', body);
    expect(pv.status, JSON.stringify(pv.body)).toBe(200);
    expect(pv.body.points).toEqual({ points: 120 });
    const byId = Object.fromEntries(pv.body.rules.map((r: any) => [r.rule_id, r]));
    expect(byId[capped.id]).toMatchObject({ fired: true, paid: true, awards: [{ points: 100 }] });
    expect(byId[app.id]).toMatchObject({ fired: false, paid: false, failed: { path: 'conditions' } });
    expect(byId[app.id].reason).toContain('event.channel');
    expect(byId.base_earning.awards).toEqual([{ currency: 'points', points: 20, pending: false }]);
    await p.api('POST', '/v1/rules/preview', body);
    // Nothing written: no points, and the cap was not used up by the previews.
    expect((await balance(p, m)).available).toBe(0);
    expect(pointsOf(await purchase(p, m, 2000))).toBe(120);

    const drafts = await p.api('POST', '/v1/rules/preview', {
      ...body,
      rules: [{ name: 'Try me', trigger: 'purchase', conditions: { field: 'event.amount', op: 'gt', value: 5000 }, effects: [{ type: 'fixed', points: 9 }] }],
    });
    expect(drafts.body.rules.map((r: any) => [r.rule_id, r.fired])).toEqual([
      ['base_earning', true],
      ['draft_0', false],
    ]);
    expect(drafts.body.rules[1].failed).toMatchObject({ field: 'event.amount', op: 'gt', value: 5000, actual: 2000 });
  });

  it('previews a custom event (a review) as it would be applied', async () => {
    const p = await h.program();
    const review = await rule(p, { name: 'Reviews', trigger: 'review_submitted', effects: [{ type: 'fixed', points: 25 }] });
    const m = await enrol(p);
    const pv = await p.api('POST', '/v1/rules/preview', { member: { id: m }, event: { type: 'review_submitted', properties: { stars: 5 } } });
    expect(pv.status, JSON.stringify(pv.body)).toBe(200);
    expect(pv.body.points).toEqual({ points: 25 });
    expect(pv.body.rules.find((r: any) => r.rule_id === review.id)).toMatchObject({ fired: true, paid: true });
    expect((await balance(p, m)).available).toBe(0);
  });

  it('refuses an invalid rule with a code naming the field, and stores nothing', async () => {
    const p = await h.program();
    const base = { name: 'Bad', trigger: 'purchase', effects: [{ type: 'fixed', points: 10 }] };
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ ...base, conditions: { all: [{ field: 'event.colour', op: 'eq', value: 'red' }] } }, 400, 'rules.invalid_condition', 'conditions.all.0.field'],
      [{ ...base, conditions: { field: 'event.amount', op: 'gt', value: 'lots' } }, 400, 'rules.invalid_condition', 'conditions.value'],
      [{ ...base, conditions: { field: 'history.spend', op: 'gt', value: 10 } }, 400, 'rules.invalid_condition', 'conditions.days'],
      [{ ...base, conditions: { any: [] } }, 400, 'rules.invalid_condition', 'conditions.any'],
      [{ ...base, effects: [{ type: 'fixed', points: 10, currency: 'miles' }] }, 400, 'rules.invalid_effect', 'effects.0.currency'],
      [{ ...base, effects: [{ type: 'fixed', points: 1.5 }] }, 400, 'rules.invalid_effect', 'effects.0.points'],
      [{ ...base, effects: [{ type: 'multiplier', multiplier: '0.5' }] }, 400, 'rules.invalid_effect', 'effects.0.multiplier'],
      [{ ...base, trigger: 'signup', effects: [{ type: 'per_amount', points: 1, per_amount: 100 }] }, 400, 'rules.invalid_effect', 'effects.0.type'],
      [{ ...base, limits: { per_member: [{ period: 'day' }] } }, 400, 'rules.invalid_limit', 'limits.per_member.0'],
      [{ ...base, stacking: 'exclusive' }, 400, 'rules.invalid_stacking', 'group'],
      [{ ...base, effective_from: '2026-04-01T00:00:00Z', effective_to: '2026-03-01T00:00:00Z' }, 400, 'rules.invalid_dates', 'effective_to'],
      [{ ...base, colour: 'red' }, 400, 'validation.unrecognized_keys', 'colour'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await p.api('POST', '/v1/rules', body);
      expect([res.status, res.body.code, res.body.field], JSON.stringify(body)).toEqual([status, code, field]);
    }
    // A reward effect names one of the program's rewards (rewards.references.test.ts has the rest).
    const reward = await p.api('POST', '/v1/rules', { ...base, effects: [{ type: 'reward', reward_id: 'rwd_x' }] });
    expect([reward.status, reward.body.code, reward.body.field]).toEqual([400, 'rules.unknown_reward', 'effects.0.reward_id']);
    const list = await p.api('GET', '/v1/rules?status=active');
    expect(list.body.data).toEqual([]);
    expect((await p.api('PATCH', `/v1/rules/rul_nope`, { name: 'x' })).status).toBe(404);
  });
});

describe.runIf(onPostgres)('limits under parallel events on PostgreSQL', () => {
  it('never pays past a budget or a member’s daily cap', async () => {
    const p = await h.program({ settings: NO_BASE });
    await rule(p, { name: 'Budget', trigger: 'app_installed', effects: [{ type: 'fixed', points: 30 }], limits: { budget: { points: 250 } } });
    await rule(p, { name: 'Daily', trigger: 'store_checkin', effects: [{ type: 'fixed', points: 40 }], limits: { per_member: [{ period: 'day', points: 100 }] } });
    const members = await Promise.all(Array.from({ length: 20 }, () => enrol(p)));
    const installs = await Promise.all(members.map((m) => custom(p, m, 'app_installed')));
    expect(installs.reduce((s, r) => s + pointsOf(r), 0)).toBe(250);
    const checkins = await Promise.all(Array.from({ length: 10 }, () => custom(p, members[0]!, 'store_checkin')));
    expect(checkins.reduce((s, r) => s + pointsOf(r), 0)).toBe(100);
    await expectVerified(h, p.programId);
  });
});

describe('API document', () => {
  it('documents the rules endpoints', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(JSON.parse(res.body).paths)).toEqual(expect.arrayContaining(['/v1/rules', '/v1/rules/{rule_id}', '/v1/rules/preview']));
  });
});
