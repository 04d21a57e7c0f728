import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, uniq } from '../../../test/fixtures.js';
import { signedInStaff } from '../../../test/staff.js';

// GET /v1/events: the event log the console's Events screen reads.

let h: Harness;
let p: TestProgram;
let ann: string;
let annEmail: string;
let bob: string;
let ruleId: string;
const ids: Record<string, string> = {};

const send = async (name: string, body: Record<string, unknown>) => {
  const id = uniq(name);
  ids[name] = id;
  const res = await p.api('POST', '/v1/events', { id, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};

beforeAll(async () => {
  h = await harness();
  p = await h.program();
  annEmail = `${uniq('ann')}@example.com`;
  ann = await enrol(p, { email: annEmail });
  bob = await enrol(p, { card_number: uniq('CARD').toUpperCase() });
  const rule = await p.api('POST', '/v1/rules', {
    name: 'Big basket bonus',
    trigger: 'purchase',
    status: 'active',
    conditions: { field: 'event.amount', op: 'gte', value: 5000 },
    effects: [{ type: 'fixed', points: 100 }],
  });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);
  ruleId = rule.body.id;
  const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T12:00:00Z`;
  await send('small', { type: 'purchase', member: { email: annEmail }, order_id: uniq('o'), amount: 1200, currency: 'GBP', occurred_at: at(1) });
  const big = uniq('o');
  ids.bigOrder = big;
  await send('big', { type: 'purchase', member: { id: ann }, order_id: big, amount: 6000, currency: 'GBP', occurred_at: at(2) });
  await send('refund', { type: 'refund', order_id: big, amount: 6000, occurred_at: at(3) });
  await send('signup', { type: 'signup', member: { id: bob }, occurred_at: at(4) });
  await send('guest', { type: 'purchase', guest: true, order_id: uniq('o'), amount: 999, currency: 'GBP', occurred_at: at(5) });
  await send('tiny', { type: 'purchase', member: { id: bob }, order_id: uniq('o'), amount: 50, currency: 'GBP', occurred_at: at(6) });
});
afterAll(() => h.close());

const list = async (query = '', api = p.api) => {
  const res = await api('GET', `/v1/events${query ? `?${query}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: { id: string; type: string; member_id: string | null; result: any; rule_names?: Record<string, string> }[]; next_cursor: string | null };
};
const idsOf = (page: { data: { id: string }[] }) => page.data.map((e) => e.id);

describe('GET /v1/events', () => {
  it('lists the program’s events newest first by when they happened, with the rules that paid', async () => {
    const page = await list();
    expect(idsOf(page)).toEqual([ids.tiny, ids.guest, ids.signup, ids.refund, ids.big, ids.small]);
    const big = page.data.find((e) => e.id === ids.big)!;
    expect(big.member_id).toBe(ann);
    expect(big.rule_names).toEqual({ [ruleId]: 'Big basket bonus' });
    expect(big.result.transactions.map((t: { rule_id: string; points: number }) => [t.rule_id, t.points])).toEqual(
      expect.arrayContaining([
        ['base_earning', 60],
        [ruleId, 100],
      ]),
    );
    // The base rate is named by the console, not the API.
    expect(page.data.find((e) => e.id === ids.small)!.rule_names).toBeUndefined();
  });

  it('names a rule as it was at the version that paid', async () => {
    const q = await h.program();
    const m = await enrol(q);
    const made = await q.api('POST', '/v1/rules', { name: 'Welcome v1', trigger: 'signup', status: 'active', effects: [{ type: 'fixed', points: 5 }] });
    await q.api('POST', '/v1/events', { id: uniq('s1'), type: 'signup', member: { id: m } });
    expect((await q.api('PATCH', `/v1/rules/${made.body.id}`, { name: 'Welcome v2' })).status).toBe(200);
    await q.api('POST', '/v1/events', { id: uniq('s2'), type: 'signup', member: { id: m }, occurred_at: new Date(Date.now() + 1000).toISOString() });
    const page = await list('', q.api);
    expect(page.data.map((e) => e.rule_names?.[made.body.id])).toEqual(['Welcome v2', 'Welcome v1']);
  });

  it('filters by type, member (id or any identity), order and outcome', async () => {
    expect(idsOf(await list('type=signup'))).toEqual([ids.signup]);
    expect(idsOf(await list(`member=${ann}`))).toEqual([ids.refund, ids.big, ids.small]);
    expect(idsOf(await list(`member=${encodeURIComponent(`email:${annEmail.toUpperCase()}`)}`))).toEqual([ids.refund, ids.big, ids.small]);
    expect(idsOf(await list(`order_id=${ids.bigOrder}`))).toEqual([ids.refund, ids.big]);
    expect(idsOf(await list('outcome=earned'))).toEqual([ids.big, ids.small]);
    expect(idsOf(await list('outcome=reversed'))).toEqual([ids.refund]);
    expect(idsOf(await list('outcome=guest'))).toEqual([ids.guest]);
    // Bob's signup (no rule for it) and his 50p purchase (under a point) moved nothing.
    expect(idsOf(await list('outcome=no_points'))).toEqual([ids.tiny, ids.signup]);
    expect(idsOf(await list(`outcome=earned&member=${bob}`))).toEqual([]);
    // A member nobody is: an empty page, not an error.
    expect(await list(`member=${encodeURIComponent('email:nobody@example.com')}`)).toEqual({ data: [], next_cursor: null });
  });

  it('filters by a range of when events happened: from inclusive, to exclusive, dates or times', async () => {
    expect(idsOf(await list('from=2026-03-02&to=2026-03-04'))).toEqual([ids.refund, ids.big]);
    expect(idsOf(await list(`from=${encodeURIComponent('2026-03-05T12:00:00Z')}`))).toEqual([ids.tiny, ids.guest]);
    expect(idsOf(await list(`to=${encodeURIComponent('2026-03-01T12:00:01+00:00')}`))).toEqual([ids.small]);
  });

  it('pages by cursor without gaps or repeats, also under a filter', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...idsOf(page));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual([ids.tiny, ids.guest, ids.signup, ids.refund, ids.big, ids.small]);
    const first = await list('type=purchase&limit=2');
    expect(idsOf(first)).toEqual([ids.tiny, ids.guest]);
    expect(idsOf(await list(`type=purchase&limit=2&cursor=${first.next_cursor}`))).toEqual([ids.big, ids.small]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['outcome=refused', 'outcome'],
    ['type=Not%20a%20type', 'type'],
    ['from=yesterday', 'from'],
    ['to=2026-02-30', 'to'],
    ['from=2026-03-04&to=2026-03-02', 'to'],
    ['cursor=abc', 'cursor'],
    ['member=ann', 'member'],
    ['member=email%3Anot-an-email', 'member'],
    ['colour=red', 'colour'],
  ])('refuses %s with a 400 naming %s', async (query, field) => {
    const res = await p.api('GET', `/v1/events?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.field).toBe(field);
  });

  it('is open to every staff role that reads, support and analyst included', async () => {
    for (const role of ['support', 'analyst', 'marketer'] as const) {
      const s = await signedInStaff(h, p, { role });
      expect(idsOf(await list('type=signup', s.api)), role).toEqual([ids.signup]);
    }
  });

  it('keeps programs apart: another program’s key or staff sees none of these events', async () => {
    const other = await h.program();
    expect(await list('', other.api)).toEqual({ data: [], next_cursor: null });
    // Naming this program with the other workspace's key is refused.
    const cross = await other.raw('GET', '/v1/events', undefined, { authorization: `Bearer ${other.key}`, 'patron-program': p.programId });
    expect(cross.status).toBeGreaterThanOrEqual(400);
    expect(cross.status).toBeLessThan(500);
    const stranger = await signedInStaff(h, other, { role: 'owner' });
    expect(await list('', stranger.api)).toEqual({ data: [], next_cursor: null });
    const strangerCross = await stranger.bare('GET', '/v1/events', undefined, { 'patron-program': p.programId });
    expect(strangerCross.status).toBeGreaterThanOrEqual(400);
    expect(strangerCross.status).toBeLessThan(500);
  });
});
