import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, expectVerified, uniq } from '../../../test/fixtures.js';
import { manualClock } from '../../platform/clock.js';

// Events are sent "now" (mid-July) about things that happened months before: every point they move must be
// dated when it happened, whatever order the events arrive in and whichever path they take.

const clock = manualClock('2026-07-15T00:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

const JAN = '2026-01-10T12:00:00.000Z';
const FEB = '2026-02-05T12:00:00.000Z';
const JUN = '2026-06-12T12:00:00.000Z';

/**
 * The events of the story, in the order they are sent: the June refund arrives before the February purchase.
 * Base rate: 1 point per whole pound, so 100 points in January, 50 in February, 40 of January's reversed in June.
 */
function story(member: string) {
  const jan = uniq('ord');
  return [
    { type: 'purchase', id: uniq('evt'), member: { id: member }, order_id: jan, amount: 10000, currency: 'GBP', occurred_at: JAN },
    { type: 'refund', id: uniq('evt'), order_id: jan, amount: 4000, occurred_at: JUN },
    { type: 'purchase', id: uniq('evt'), member: { id: member }, order_id: uniq('ord'), amount: 5000, currency: 'GBP', occurred_at: FEB },
  ];
}
/** What the story moves, with its dates: the independent figures the checks below are computed from. */
const MOVES = [
  { at: JAN, kind: 'earned', points: 100 },
  { at: FEB, kind: 'earned', points: 50 },
  { at: JUN, kind: 'reversed', points: 40 },
  { at: '2026-07-15T00:00:00.000Z', kind: 'spent', points: 30 }, // the redemption made "now", below
] as const;

const upTo = (d: string, kind: (typeof MOVES)[number]['kind']) =>
  MOVES.filter((m) => m.kind === kind && m.at < new Date(d).toISOString()).reduce((s, m) => s + m.points, 0);

async function kpiPoints(p: TestProgram, from: string, to: string) {
  const res = await p.api('GET', `/v1/analytics/kpis?from=${from}&to=${to}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.points.find((x: { currency: string }) => x.currency === 'points') as {
    issued: number;
    reversed: number;
    redeemed: number;
    expired: number;
    outstanding: number;
  };
}

/** What a user checks after the story: KPIs per month, the outstanding liability on dates, history, balance. */
async function expectDatedAtTheEvents(p: TestProgram, member: string) {
  const redeem = await p.api('POST', `/v1/members/${member}/redemptions`, { points: 30 });
  expect(redeem.status, JSON.stringify(redeem.body)).toBe(201);

  expect(await kpiPoints(p, '2026-01-01', '2026-02-01')).toMatchObject({ issued: 100, reversed: 0, outstanding: 100 });
  expect(await kpiPoints(p, '2026-06-01', '2026-07-01')).toMatchObject({ issued: 0, reversed: 40, redeemed: 0, outstanding: 110 });
  expect(await kpiPoints(p, '2026-07-01', '2026-08-01')).toMatchObject({ issued: 0, reversed: 0, redeemed: 30, outstanding: 80 });

  // Outstanding on a date = earned − reversed − spent − expired up to it: from the story, and from the KPIs of
  // everything before the date.
  for (const d of ['2026-02-01', '2026-03-01', '2026-06-01', '2026-06-13', '2026-07-01', '2026-08-01']) {
    const k = await kpiPoints(p, '2025-12-01', d);
    const expected = upTo(d, 'earned') - upTo(d, 'reversed') - upTo(d, 'spent');
    expect(k.outstanding, `outstanding at ${d}`).toBe(expected);
    expect(k.issued - k.reversed - k.redeemed - k.expired, `movements before ${d}`).toBe(expected);
  }

  // The member's history, newest first by when things happened: the June reversal before February's earn.
  const history = await p.api('GET', `/v1/members/${member}/transactions`);
  expect(history.status).toBe(200);
  const rows = history.body.data.map((t: { type: string; occurred_at: string; points: number }) => [t.type, t.occurred_at, t.points]);
  expect(rows).toEqual([
    ['redeem', '2026-07-15T00:00:00.000Z', -30],
    ['reversal', JUN, -40],
    ['earn', FEB, 50],
    ['earn', JAN, 100],
  ]);
  // Pages of one walk the same order, each row once.
  const paged: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { data: { id: string; occurred_at: string }[]; next_cursor: string | null } } = await p.api(
      'GET',
      `/v1/members/${member}/transactions?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    paged.push(...page.body.data.map((t) => t.occurred_at));
    cursor = page.body.next_cursor;
  } while (cursor);
  expect(paged).toEqual(rows.map((r: unknown[]) => r[1]));

  // Lifetime figures say what they are called: earned gross, reversed beside it.
  const b = await p.api('GET', `/v1/members/${member}/balance`);
  expect(b.body).toMatchObject({ available: 80, lifetime: { earned: 150, reversed: 40, spent: 30, expired: 0 } });
  await expectVerified(h, p.programId);
}

describe('points are dated when they happened', () => {
  it('single events: a refund sent in July for June reverses in June', async () => {
    const p = await h.program();
    const m = await enrol(p, { enrolled_at: '2026-01-01T00:00:00Z' });
    for (const e of story(m)) {
      const res = await p.api('POST', '/v1/events', e);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      if (e.type === 'refund') expect(res.body.transactions).toMatchObject([{ type: 'reversal', points: -40 }]);
    }
    await expectDatedAtTheEvents(p, m);
  });

  // The NATS worker applies what it takes from the stream with the same `ingestBatch` as this endpoint.
  it('a batch: the same story in one POST /v1/events/batch', async () => {
    const p = await h.program();
    const m = await enrol(p, { enrolled_at: '2026-01-01T00:00:00Z' });
    const res = await p.api('POST', '/v1/events/batch', { events: story(m) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ applied: 3, rejected: 0 });
    await expectDatedAtTheEvents(p, m);
  });

  it('a refund dated before its purchase reverses no earlier than the points it takes back were earned', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const order = uniq('ord');
    const buy = await p.api('POST', '/v1/events', { type: 'purchase', id: uniq('evt'), member: { id: m }, order_id: order, amount: 1000, currency: 'GBP', occurred_at: FEB });
    expect(buy.status).toBe(201);
    const back = await p.api('POST', '/v1/events', { type: 'refund', id: uniq('evt'), order_id: order, amount: 1000, occurred_at: JAN });
    expect(back.status).toBe(201);
    const history = await p.api('GET', `/v1/members/${m}/transactions`);
    expect(history.body.data.map((t: { type: string; occurred_at: string }) => [t.type, t.occurred_at])).toEqual([
      ['reversal', FEB],
      ['earn', FEB],
    ]);
    expect((await kpiPoints(p, '2026-01-01', '2026-02-01')).outstanding).toBe(0);
  });

  it('KPIs: reversed redemptions, adjustments and transfers keep outstanding = issued − reversed − redeemed − expired', async () => {
    const p = await h.program();
    const a = await enrol(p);
    const b = await enrol(p);
    const buy = await p.api('POST', '/v1/events', { type: 'purchase', id: uniq('evt'), member: { id: a }, order_id: uniq('ord'), amount: 20000, currency: 'GBP', occurred_at: JAN });
    expect(buy.status).toBe(201); // 200 points in January
    const post = async (url: string, body: unknown = {}) => {
      const res = await p.api('POST', url, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string };
    };
    const spend = await post(`/v1/members/${a}/redemptions`, { points: 50 });
    await post(`/v1/transactions/${spend.id}/reverse`); // the 50 come back: not redeemed, and not "reversed" points
    await post(`/v1/members/${a}/redemptions`, { points: 20 });
    await post(`/v1/members/${a}/adjustments`, { points: 30, reason: 'goodwill' });
    const down = await post(`/v1/members/${a}/adjustments`, { points: -10, reason: 'correction' });
    await post(`/v1/members/${a}/adjustments`, { points: -5, reason: 'correction' });
    await post(`/v1/transactions/${down.id}/reverse`); // the 10 come back
    const move = await post('/v1/transfers', { from_member_id: a, to_member_id: b, points: 40 });
    await post(`/v1/transactions/${move.id}/reverse`);
    await post('/v1/transfers', { from_member_id: a, to_member_id: b, points: 15 });
    // By hand: 200 earned + 30 credited; 5 taken back; 20 redeemed; everything held by a or b.
    const k = await kpiPoints(p, '2026-01-01', '2026-08-01');
    expect(k).toMatchObject({ issued: 230, reversed: 5, redeemed: 20, expired: 0, outstanding: 205 });
    const [ba, bb] = [await p.api('GET', `/v1/members/${a}/balance`), await p.api('GET', `/v1/members/${b}/balance`)];
    expect(ba.body.balance + bb.body.balance).toBe(205);
    expect(ba.body.lifetime).toMatchObject({ earned: 240, reversed: 15, spent: 20 }); // the restored 10 count as earned again
    await expectVerified(h, p.programId);
  });
});

describe('the clockwork is dated when things fell due, however late it runs', () => {
  it('a pending lot released and then expired by a run months later is released and expired on its dates', async () => {
    const p = await h.program({ settings: { pending_days: 10, expiry: { policy: 'rolling', days: 30 } } });
    const m = await enrol(p, { enrolled_at: '2026-01-01T00:00:00Z' });
    // The purchases are sent as they happen, while their points are still pending...
    try {
      clock.set(JAN);
      const buy = await p.api('POST', '/v1/events', { type: 'purchase', id: uniq('evt'), member: { id: m }, order_id: uniq('ord'), amount: 10000, currency: 'GBP', occurred_at: JAN });
      expect(buy.status, JSON.stringify(buy.body)).toBe(201);
      clock.set(FEB);
      const second = await p.api('POST', '/v1/events', { type: 'purchase', id: uniq('evt'), member: { id: m }, order_id: uniq('ord'), amount: 5000, currency: 'GBP', occurred_at: FEB });
      expect(second.status, JSON.stringify(second.body)).toBe(201);
      expect((await p.api('GET', `/v1/members/${m}/balance`)).body).toMatchObject({ pending: 150, available: 0 });
    } finally {
      clock.set('2026-07-15T00:00:00Z');
    }
    // ...and nothing ran since: today (15 July) one run releases both lots and expires both.
    const report = await h.services.ledger.runMaintenance({ programId: p.programId });
    expect(report).toMatchObject({ released_lots: 2, released_points: 150, expired_lots: 2, expired_points: 150 });

    const history = await p.api('GET', `/v1/members/${m}/transactions`);
    const rows = history.body.data.map((t: { type: string; occurred_at: string; points: number }) => [t.type, t.occurred_at, t.points]);
    // Released 10 days after each purchase, expired 30 days after it was earned: each in its own transaction.
    const release = (at: string) => new Date(new Date(at).getTime() + 10 * 86_400_000).toISOString();
    const types = rows.map((r: unknown[]) => r[0]);
    expect(types.filter((t: string) => t === 'expiry')).toHaveLength(2);
    for (const [type, at] of rows as [string, string, number][]) expect(at < '2026-07-01', `${type} dated ${at}`).toBe(true);
    expect(rows).toContainEqual(['release', release(JAN), 100]);
    expect(rows).toContainEqual(['release', release(FEB), 50]);
    const expiries = (rows as [string, string, number][]).filter((r) => r[0] === 'expiry');
    expect(expiries.map((r) => r[2]).sort()).toEqual([-100, -50].sort());

    // The KPIs of the months the points expired in show them; nothing is outstanding after, everything before.
    const january = expiries.find((r) => r[2] === -100)![1];
    const month = january.slice(0, 7);
    const next = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1)).toISOString().slice(0, 10);
    const k = await kpiPoints(p, `${month}-01`, next);
    expect(k.expired).toBeGreaterThanOrEqual(100);
    expect((await kpiPoints(p, '2026-01-01', '2026-07-01')).outstanding).toBe(0);
    expect((await kpiPoints(p, '2026-01-01', '2026-07-01')).expired).toBe(150);
    expect((await kpiPoints(p, '2025-12-01', january.slice(0, 10))).outstanding).toBe(150);
    const b = await p.api('GET', `/v1/members/${m}/balance`);
    expect(b.body).toMatchObject({ available: 0, pending: 0, lifetime: { earned: 150, expired: 150 } });
    await expectVerified(h, p.programId);
  });
});
