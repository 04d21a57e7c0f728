import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, uniq } from '../../../test/fixtures.js';
import { manualClock } from '../../platform/clock.js';

// The default range of the reports (the last 12 months) for a program whose data ends before it — an
// imported history such as the demo's: the reports answer the 12 months up to its last activity and say so.

const clock = manualClock('2026-07-01T00:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

async function buy(p: TestProgram, member: string, day: string, amount: number) {
  const res = await p.api('POST', '/v1/events', {
    type: 'purchase',
    id: uniq('evt'),
    member: { id: member },
    order_id: uniq('ord'),
    amount,
    currency: 'GBP',
    lines: [{ sku: 'sku-1', quantity: 1, unit_price: amount }],
    occurred_at: `${day}T12:00:00Z`,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** Two members who bought from March to June 2024, two years before the clock's today. */
async function oldShop() {
  const p = await h.program();
  const A = await enrol(p, { enrolled_at: '2024-03-01T09:00:00Z' });
  const B = await enrol(p, { enrolled_at: '2024-03-02T09:00:00Z' });
  await buy(p, A, '2024-03-10', 1000);
  await buy(p, B, '2024-04-02', 2500);
  await buy(p, A, '2024-05-10', 2000);
  await buy(p, A, '2024-06-20', 4000);
  return p;
}

describe('the default range of a program whose data ends over 12 months ago', () => {
  let p: TestProgram;
  beforeAll(async () => {
    p = await oldShop();
  });

  it('KPIs cover the 12 months up to the last activity, with its figures, and say so', async () => {
    const res = await p.api('GET', '/v1/analytics/kpis');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.to).toBe('2024-06-21T00:00:00.000Z');
    expect(res.body.from).toBe('2023-06-01T00:00:00.000Z');
    expect(res.body.range).toMatchObject({ defaulted: true, from: res.body.from, to: res.body.to });
    expect(res.body.range.note).toContain('last activity on 2024-06-20');
    expect(res.body.purchases.member_orders).toBe(4);
    expect(res.body.purchases.member_revenue).toBe(9500);
    expect(res.body.members.buyers).toBe(2);
    expect(res.body.points[0].issued).toBeGreaterThan(0);
  });

  it('cohorts, points, behaviour and structure take the same window', async () => {
    for (const path of ['/v1/analytics/cohorts', '/v1/analytics/points', '/v1/analytics/behaviour', '/v1/analytics/structure']) {
      const res = await p.api('GET', path);
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.range, path).toMatchObject({ defaulted: true, to: '2024-06-21T00:00:00.000Z' });
    }
    const cohorts = await p.api('GET', '/v1/analytics/cohorts');
    expect(cohorts.body.cohorts.map((c: { cohort: string; size: number }) => [c.cohort, c.size])).toEqual([
      ['2024-03-01', 1],
      ['2024-04-01', 1],
    ]);
    const structure = await p.api('GET', '/v1/analytics/structure');
    const active = structure.body.activity.find((a: { level: string }) => a.level === 'active (30 days)');
    expect(active.members).toBe(1);
  });

  it('RFM and the models score as of the day after the last activity, not today', async () => {
    const rfm = await p.api('GET', '/v1/analytics/rfm');
    expect(rfm.status).toBe(200);
    expect(rfm.body.as_of).toBe('2024-06-21T00:00:00.000Z');
    expect(rfm.body.range).toMatchObject({ defaulted: true, to: '2024-06-21T00:00:00.000Z' });
    expect(rfm.body.members_scored).toBe(2);
    const summary = await p.api('GET', '/v1/analytics/summary');
    expect(summary.body.as_of).toBe('2024-06-21T00:00:00.000Z');
    expect(summary.body.range.defaulted).toBe(true);
  });

  it('a range or as_of that is asked for is taken as asked', async () => {
    const kpis = await p.api('GET', '/v1/analytics/kpis?from=2025-07-01&to=2026-07-01');
    expect(kpis.body.range).toEqual({ from: '2025-07-01T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z', defaulted: false, note: null });
    expect(kpis.body.purchases.member_orders).toBe(0);
    const rfm = await p.api('GET', '/v1/analytics/rfm?as_of=2026-07-01');
    expect(rfm.body.range.defaulted).toBe(false);
  });
});

it('a program with activity in the last 12 months keeps the last 12 months', async () => {
  const p = await h.program();
  const A = await enrol(p, { enrolled_at: '2026-01-05T09:00:00Z' });
  await buy(p, A, '2026-02-10', 1000);
  const res = await p.api('GET', '/v1/analytics/kpis');
  expect(res.body.to).toBe('2026-07-01T00:00:00.000Z');
  expect(res.body.range).toMatchObject({ defaulted: false, note: null });
  expect(res.body.purchases.member_orders).toBe(1);
});
