import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, syntheticPurchases, uniq } from '../../../test/fixtures.js';
import { manualClock } from '../../platform/clock.js';
import { rfmSegment, RFM_SEGMENTS } from './index.js';
import { quintile } from './analytics.rfm.js';

const clock = manualClock('2026-07-01T00:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

/**
 * A small program whose figures are worked out by hand in the tests below:
 * A (web, GB, born 1990) buys in Jan, Feb, Mar and June; B (pos, DE) in Jan and Feb; C (app) once in March;
 * D enrols in May and never buys; guests buy in Feb and June.
 */
async function shop() {
  const p = await h.program();
  const A = await enrol(p, { enrolled_at: '2026-01-05T09:00:00Z', enrolment_channel: 'web', country: 'GB', birthdate: '1990-05-01' });
  const B = await enrol(p, { enrolled_at: '2026-01-20T09:00:00Z', enrolment_channel: 'pos', country: 'DE' });
  const C = await enrol(p, { enrolled_at: '2026-03-01T09:00:00Z', enrolment_channel: 'app', country: 'GB' });
  const D = await enrol(p, { enrolled_at: '2026-05-01T09:00:00Z', enrolment_channel: 'web' });
  let issued = 0;
  const buy = async (member: string | null, day: string, amount: number, channel: string, category = 'shoes') => {
    const res = await p.api('POST', '/v1/events', {
      type: 'purchase',
      id: uniq('evt'),
      ...(member ? { member: { id: member } } : { guest: true }),
      order_id: uniq('ord'),
      amount,
      currency: 'GBP',
      channel,
      lines: [{ sku: 'sku-1', category, quantity: 1, unit_price: amount }],
      occurred_at: `${day}T12:00:00Z`,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    issued += (res.body.points?.points as number | undefined) ?? 0;
  };
  await buy(A, '2026-01-10', 1000, 'web');
  await buy(B, '2026-01-25', 500, 'pos', 'socks');
  await buy(B, '2026-02-02', 1500, 'pos', 'socks');
  await buy(A, '2026-02-10', 2000, 'web');
  await buy(null, '2026-02-15', 800, 'pos');
  await buy(C, '2026-03-05', 10000, 'app', 'coats');
  await buy(A, '2026-03-10', 3000, 'app');
  await buy(null, '2026-06-01', 1200, 'web');
  await buy(A, '2026-06-20', 4000, 'web');
  return { p, A, B, C, D, issued };
}

let S: Awaited<ReturnType<typeof shop>>;
beforeAll(async () => {
  S = await shop();
});

describe('KPIs', () => {
  it('counts members, participation, transaction values, repeat buyers and retention per month and for the range', async () => {
    const res = await S.p.api('GET', '/v1/analytics/kpis?from=2026-01-01&to=2026-07-01');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const k = res.body;
    expect(k.members).toEqual({ total: 4, new: 4, active: 3, buyers: 3 });
    expect(k.purchases).toMatchObject({
      orders: 9,
      member_orders: 7,
      guest_orders: 2,
      member_revenue: 22000,
      guest_revenue: 2000,
      participation_rate: 0.7778,
      revenue_participation_rate: 0.9167,
      average_transaction_value: { members: 3143, guests: 1000 },
      purchase_frequency: 2.33,
      repeat_purchase_rate: 0.6667,
    });
    // Retained / previous buyers: Feb 2/2, Mar 1/2 (B stopped), Apr 0/2.
    expect(k.retention).toEqual({ retention_rate: 0.5, churn_rate: 0.5 });
    const by = Object.fromEntries(k.series.map((r: { period: string }) => [r.period, r]));
    expect(Object.keys(by)).toEqual(['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01', '2026-05-01', '2026-06-01']);
    expect(by['2026-01-01']).toMatchObject({ new_members: 2, buyers: 2, member_orders: 2, previous_buyers: 0, retention_rate: null });
    expect(by['2026-02-01']).toMatchObject({ buyers: 2, guest_orders: 1, retained: 2, retention_rate: 1, churn_rate: 0, repeat_purchase_rate: 1, participation_rate: 0.6667 });
    expect(by['2026-03-01']).toMatchObject({ new_members: 1, buyers: 2, retained: 1, previous_buyers: 2, retention_rate: 0.5, repeat_purchase_rate: 0.5 });
    expect(by['2026-04-01']).toMatchObject({ buyers: 0, previous_buyers: 2, retained: 0, churn_rate: 1 });
    expect(by['2026-06-01']).toMatchObject({ buyers: 1, member_revenue: 4000, guest_revenue: 1200, repeat_purchase_rate: 1 });
    // Points: what the purchases earned is issued and, with nothing spent, all of it is outstanding.
    expect(k.points).toEqual([
      { currency: 'points', issued: S.issued, reversed: 0, redeemed: 0, expired: 0, outstanding: S.issued, redemption_rate: 0, breakage_rate: 0 },
    ]);
    expect(S.issued).toBeGreaterThan(0);
  });

  it('a narrower range counts only its own purchases, and history before it makes repeat buyers', async () => {
    const k = (await S.p.api('GET', '/v1/analytics/kpis?from=2026-03-01&to=2026-04-01')).body;
    expect(k.purchases).toMatchObject({ orders: 2, member_orders: 2, guest_orders: 0, repeat_purchase_rate: 0.5 });
    expect(k.members).toMatchObject({ total: 3, new: 1, buyers: 2 });
    expect(k.series).toHaveLength(1);
    expect(k.series[0]).toMatchObject({ previous_buyers: 2, retained: 1 });
  });

  it('weekly periods start on Mondays; the CSV has one line per period', async () => {
    const k = (await S.p.api('GET', '/v1/analytics/kpis?from=2026-02-01&to=2026-02-16&period=week')).body;
    expect(k.series.map((r: { period: string }) => r.period)).toEqual(['2026-01-26', '2026-02-02', '2026-02-09']);
    const csv = await S.p.api('GET', '/v1/analytics/kpis?from=2026-01-01&to=2026-07-01&format=csv');
    expect(csv.status).toBe(200);
    expect(String(csv.headers['content-type'])).toMatch(/^text\/csv/);
    const lines = String(csv.body).trim().split('\n');
    expect(lines[0]).toMatch(/^period,new_members,buyers,member_orders,/);
    expect(lines).toHaveLength(7);
    expect(lines[2]).toMatch(/^2026-02-01,0,2,2,1,3500,800,/);
  });

  it('rejects a bad range with a problem naming the field, and other programs see nothing of this one', async () => {
    const bad = await S.p.api('GET', '/v1/analytics/kpis?from=2026-07-01&to=2026-01-01');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'analytics.invalid_range', field: 'from' });
    const notDate = await S.p.api('GET', '/v1/analytics/kpis?from=yesterday');
    expect(notDate.status).toBe(400);
    expect(notDate.body.field).toMatch(/from/);
    const other = await h.program();
    const k = (await other.api('GET', '/v1/analytics/kpis?from=2026-01-01&to=2026-07-01')).body;
    expect(k.members).toEqual({ total: 0, new: 0, active: 0, buyers: 0 });
    expect(k.purchases.orders).toBe(0);
    expect(k.purchases.participation_rate).toBeNull();
  });
});

describe('member structure, points and behaviour', () => {
  it('members by enrolment channel, country, age band and tier; growth; activity', async () => {
    const s = (await S.p.api('GET', '/v1/analytics/structure?from=2026-01-01&to=2026-07-01')).body;
    expect(s.by_enrolment_channel).toEqual([
      { value: 'web', members: 2 },
      { value: 'app', members: 1 },
      { value: 'pos', members: 1 },
    ]);
    expect(s.by_country).toEqual([
      { value: 'GB', members: 2 },
      { value: 'DE', members: 1 },
      { value: 'unknown', members: 1 },
    ]);
    expect(s.by_age_band).toEqual([
      { value: 'unknown', members: 3 },
      { value: '35-44', members: 1 },
    ]);
    expect(s.by_tier).toEqual([{ value: 'none', members: 4 }]);
    expect(s.growth.map((g: { members: number }) => g.members)).toEqual([2, 2, 3, 3, 4, 4]);
    expect(s.activity).toEqual([
      { level: 'active (30 days)', members: 1 },
      { level: 'lapsing (over 90 days)', members: 2 },
      { level: 'never purchased', members: 1 },
    ]);
  });

  it('points by rule and by event type and channel', async () => {
    const res = await S.p.api('GET', '/v1/analytics/points?from=2026-01-01&to=2026-07-01');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const p = res.body;
    expect(p.by_rule).toEqual([{ rule_id: 'base_earning', name: 'Base earning rate', currency: 'points', points: S.issued, transactions: 7 }]);
    const bySource = Object.fromEntries(p.by_source.map((r: { channel: string; points: number }) => [r.channel, r.points]));
    expect(Object.keys(bySource).sort()).toEqual(['app', 'pos', 'web']);
    expect(p.by_source.every((r: { event_type: string }) => r.event_type === 'purchase')).toBe(true);
    expect(Object.values(bySource).reduce((a: number, b) => a + (b as number), 0)).toBe(S.issued);
  });

  it('purchase cycle, frequency, preferred channel and category', async () => {
    const b = (await S.p.api('GET', '/v1/analytics/behaviour?from=2026-01-01&to=2026-07-01')).body;
    // A: 31, 28, 102 days apart; B: 8.
    expect(b.purchase_cycle.intervals).toBe(4);
    expect(b.purchase_cycle.median_days).toBe(29.5);
    expect(b.purchase_cycle.distribution.map((d: { days: string; intervals: number }) => [d.days, d.intervals])).toEqual([
      ['8-14', 1],
      ['15-30', 1],
      ['31-60', 1],
      ['91-180', 1],
    ]);
    expect(b.frequency).toEqual([
      { orders: '1', buyers: 1 },
      { orders: '2', buyers: 1 },
      { orders: '4', buyers: 1 },
    ]);
    expect(b.preferred_channel).toEqual([
      { channel: 'app', members: 1 },
      { channel: 'pos', members: 1 },
      { channel: 'web', members: 1 },
    ]);
    expect(b.preferred_category).toEqual([
      { category: 'coats', members: 1 },
      { category: 'shoes', members: 1 },
      { category: 'socks', members: 1 },
    ]);
  });

  it('one member in figures', async () => {
    const res = await S.p.api('GET', `/v1/analytics/members/${S.A}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      member_id: S.A,
      orders: 4,
      spent: 10000,
      average_order_value: 2500,
      first_purchase_at: '2026-01-10T12:00:00.000Z',
      last_purchase_at: '2026-06-20T12:00:00.000Z',
      purchase_days: 4,
      average_days_between_purchases: 53.7,
      preferred_channel: 'web',
      preferred_category: 'shoes',
    });
    expect((await S.p.api('GET', '/v1/analytics/members/mbr_nobody')).status).toBe(404);
  });
});

describe('RFM', () => {
  it('the segment table: first match wins, no match is Others', () => {
    expect(rfmSegment(5, 5, 5)).toBe('Champions');
    expect(rfmSegment(4, 4, 2)).toBe('Potential Loyalist');
    expect(rfmSegment(2, 2, 2)).toBe('Loyal Customers');
    expect(rfmSegment(3, 1, 5)).toBe('Promising');
    expect(rfmSegment(5, 1, 1)).toBe('New Customers');
    expect(rfmSegment(1, 3, 5)).toBe("Can't Lose Them");
    expect(rfmSegment(2, 5, 5)).toBe('At Risk');
    expect(rfmSegment(3, 5, 3)).toBe('Potential Loyalist');
    expect(rfmSegment(1, 5, 3)).toBe('Need Attention');
    expect(rfmSegment(2, 1, 1)).toBe('About To Sleep');
    expect(rfmSegment(1, 1, 1)).toBe('Lost');
    expect(rfmSegment(4, 4, 1)).toBe('Others');
    expect(RFM_SEGMENTS).toHaveLength(10);
    // Quintiles by rank: 10 values score 1,1,2,2,…; ties share the lowest rank's score.
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((r) => quintile(r, 10))).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('scores by quintile with ties equal, recency reversed, and names the segments', async () => {
    const res = await S.p.api('GET', '/v1/analytics/rfm?as_of=2026-07-01');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = res.body;
    expect(r.members_scored).toBe(3);
    // A: last 20 Jun (R4), 4 orders (F4), £100 (M2, tied with C); B: R1 F2 M1; C: R2 F1 M2.
    expect(r.cells).toEqual([
      { r: 4, f: 4, m: 2, score: '442', segment: 'Potential Loyalist', members: 1 },
      { r: 2, f: 1, m: 2, score: '212', segment: 'About To Sleep', members: 1 },
      { r: 1, f: 2, m: 1, score: '121', segment: 'Lost', members: 1 },
    ]);
    const seg = Object.fromEntries(r.segments.map((s: { segment: string }) => [s.segment, s]));
    expect(seg['Potential Loyalist']).toMatchObject({ members: 1, average_recency_days: 11, average_frequency: 4, average_monetary: 10000, revenue: 10000 });
    expect(seg['Lost']).toMatchObject({ members: 1, average_recency_days: 149 });
    expect(seg['Champions']).toMatchObject({ members: 0, share: 0 });
    expect(r.segments.map((s: { segment: string }) => s.segment)).toContain('Others');
    const csv = await S.p.api('GET', '/v1/analytics/rfm?as_of=2026-07-01&format=csv');
    expect(String(csv.body).split('\n')[0]).toBe('segment,members,share,average_recency_days,average_frequency,average_monetary,revenue');
  });

  it('movement between two dates', async () => {
    const res = await S.p.api('GET', '/v1/analytics/rfm/movement?from=2026-02-01&to=2026-07-01');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const moves = res.body.movements.map((m: { from_segment: string; to_segment: string; members: number }) => `${m.from_segment} → ${m.to_segment}: ${m.members}`);
    // On 1 Feb: A (Jan 10, £10) R1 F1 M3 Lost; B (Jan 25, £5) R3 F1 M1 About To Sleep.
    expect(moves.sort()).toEqual(['About To Sleep → Lost: 1', 'Lost → Potential Loyalist: 1', 'none → About To Sleep: 1']);
  });
});

describe('cohorts', () => {
  it('first-purchase cohorts by month: size, active members and revenue per month since', async () => {
    const res = await S.p.api('GET', '/v1/analytics/cohorts?from=2026-01-01&to=2026-07-01');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.cohorts).toEqual([
      {
        cohort: '2026-01-01',
        size: 2,
        periods: [
          { k: 0, active: 2, retention: 1, orders: 2, revenue: 1500 },
          { k: 1, active: 2, retention: 1, orders: 2, revenue: 3500 },
          { k: 2, active: 1, retention: 0.5, orders: 1, revenue: 3000 },
          { k: 3, active: 0, retention: 0, orders: 0, revenue: 0 },
          { k: 4, active: 0, retention: 0, orders: 0, revenue: 0 },
          { k: 5, active: 1, retention: 0.5, orders: 1, revenue: 4000 },
        ],
      },
      {
        cohort: '2026-03-01',
        size: 1,
        periods: [
          { k: 0, active: 1, retention: 1, orders: 1, revenue: 10000 },
          { k: 1, active: 0, retention: 0, orders: 0, revenue: 0 },
          { k: 2, active: 0, retention: 0, orders: 0, revenue: 0 },
          { k: 3, active: 0, retention: 0, orders: 0, revenue: 0 },
        ],
      },
    ]);
  });

  it('enrolment cohorts count members who never bought', async () => {
    const c = (await S.p.api('GET', '/v1/analytics/cohorts?from=2026-01-01&to=2026-07-01&by=enrolment')).body;
    expect(c.cohorts.map((x: { cohort: string; size: number }) => [x.cohort, x.size])).toEqual([
      ['2026-01-01', 2],
      ['2026-03-01', 1],
      ['2026-05-01', 1],
    ]);
    // D enrolled in May and never bought: the cohort is there, with nobody active.
    expect(c.cohorts[2].periods.map((x: { active: number }) => x.active)).toEqual([0, 0]);
    const csv = await S.p.api('GET', '/v1/analytics/cohorts?from=2026-01-01&to=2026-07-01&format=csv');
    expect(String(csv.body).trim().split('\n')).toEqual([
      'cohort,size,k,active,retention,orders,revenue',
      '2026-01-01,2,0,2,1,2,1500',
      '2026-01-01,2,1,2,1,2,3500',
      '2026-01-01,2,2,1,0.5,1,3000',
      '2026-01-01,2,3,0,0,0,0',
      '2026-01-01,2,4,0,0,0,0',
      '2026-01-01,2,5,1,0.5,1,4000',
      '2026-03-01,1,0,1,1,1,10000',
      '2026-03-01,1,1,0,0,0,0',
      '2026-03-01,1,2,0,0,0,0',
      '2026-03-01,1,3,0,0,0,0',
    ]);
  });
});

describe('churn and lifetime value jobs', () => {
  /** A seeded little population: 240 members buying at their own rate for a while, then stopping. */
  async function population() {
    const p = await h.program();
    const events = syntheticPurchases();
    for (let i = 0; i < events.length; i += 1000) {
      const res = await p.api('POST', '/v1/events/batch', { events: events.slice(i, i + 1000) });
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    }
    return p;
  }

  async function finished(p: TestProgram, id: string) {
    await h.services.analyticsJobs.idle();
    const res = await p.api('GET', `/v1/analytics/jobs/${id}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  it('fits, scores every buyer, caches the result for the same inputs, and refits on request', async () => {
    const p = await population();
    const started = await p.api('POST', '/v1/analytics/clv', { as_of: '2026-07-01', horizon_months: 6 });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ kind: 'clv', status: 'queued', cached: false, params: { as_of: '2026-07-01T00:00:00.000Z', model: 'bgnbd', horizon_months: 6 } });
    const job = await finished(p, started.body.id);
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.progress).toEqual({ step: 'done' });
    expect(job.result).toMatchObject({ model: 'bgnbd', members_scored: 240, time_unit: 'week' });
    expect(Object.keys(job.result.purchase_model.params).sort()).toEqual(['a', 'alpha', 'b', 'r']);
    expect(job.result.churn_risk.reduce((s: number, b: { members: number }) => s + b.members, 0)).toBe(240);

    const list = await p.api('GET', '/v1/analytics/clv?limit=5');
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.job_id).toBe(job.id);
    expect(list.body.members).toHaveLength(5);
    const clvs = list.body.members.map((m: { clv: number }) => m.clv);
    expect(clvs).toEqual([...clvs].sort((a, b) => b - a));
    for (const m of list.body.members) {
      expect(m.p_alive).toBeGreaterThanOrEqual(0);
      expect(m.p_alive).toBeLessThanOrEqual(1);
      expect(Number.isInteger(m.clv)).toBe(true);
      expect(['low', 'medium', 'high', 'lost']).toContain(m.churn_risk);
    }
    const lost = await p.api('GET', '/v1/analytics/clv?risk=lost&order=p_alive&limit=1000&format=csv');
    expect(String(lost.body).split('\n')[0]).toBe('member_id,first_name,last_name,rfm_segment,repeat_purchases,p_alive,expected_purchases,expected_spend,clv,churn_risk');

    // A member's own figures carry the scores.
    const one = await p.api('GET', `/v1/analytics/members/${list.body.members[0].member_id}`);
    expect(one.body.scores).toMatchObject({ clv: list.body.members[0].clv, churn_risk: list.body.members[0].churn_risk, as_of: '2026-07-01T00:00:00.000Z' });
    expect(one.body.scores.rfm_segment).toEqual(expect.any(String));

    const again = await p.api('POST', '/v1/analytics/clv', { as_of: '2026-07-01', horizon_months: 6 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: job.id, cached: true, status: 'succeeded' });
    const refit = await p.api('POST', '/v1/analytics/clv', { as_of: '2026-07-01', horizon_months: 6, refresh: true });
    expect(refit.status).toBe(202);
    expect(refit.body.id).not.toBe(job.id);
    expect((await finished(p, refit.body.id)).result.purchase_model.params).toEqual(job.result.purchase_model.params);
    const jobs = (await p.api('GET', '/v1/analytics/jobs?kind=clv')).body.jobs;
    expect(jobs.map((j: { id: string }) => j.id)).toEqual([refit.body.id, job.id]);

    // The server's daily refresh scores on the data before today, once a day.
    const daily = await h.services.analyticsJobs.refreshDaily({ programId: p.programId });
    expect(daily).toEqual([{ program_id: p.programId, job_id: expect.any(String), status: 'succeeded' }]);
    expect((await p.api('GET', `/v1/analytics/jobs/${daily[0]!.job_id}`)).body.params.as_of).toBe('2026-07-01T00:00:00.000Z');
    expect(await h.services.analyticsJobs.refreshDaily({ programId: p.programId })).toEqual([]);
  });

  it('a program too small to fit fails the job with a clear code; bad inputs are 400s that start nothing', async () => {
    const started = await S.p.api('POST', '/v1/analytics/clv', { as_of: '2026-07-01' });
    expect(started.status).toBe(202);
    const job = await finished(S.p, started.body.id);
    expect(job.status).toBe('failed');
    expect(job.error.code).toMatch(/^analytics\.(not_enough_data|fit_failed)$/);
    expect(job.error.message).toEqual(expect.any(String));
    const bad = await S.p.api('POST', '/v1/analytics/clv', { horizon_months: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('horizon_months');
    expect((await S.p.api('POST', '/v1/analytics/clv', { model: 'magic' })).status).toBe(400);
    expect((await S.p.api('GET', '/v1/analytics/clv')).body.code).toBe('analytics.no_result');
    expect((await S.p.api('GET', '/v1/analytics/jobs/job_nope')).status).toBe(404);
    const jobs = (await S.p.api('GET', '/v1/analytics/jobs')).body.jobs;
    expect(jobs).toHaveLength(1);
  });
});
