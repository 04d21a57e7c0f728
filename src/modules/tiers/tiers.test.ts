import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { credit, enrol, expectVerified, purchase, uniq } from '../../../test/fixtures.js';
import { manualClock } from '../../platform/clock.js';

const clock = manualClock('2026-03-01T12:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

type SchemeBody = { metric: string; window: Record<string, unknown>; grace_days?: number; soft_landing?: boolean };

/** A program with a scheme and levels (name → threshold); returns the level ids by name. */
async function tiered(p: TestProgram, scheme: SchemeBody, levels: Record<string, number>) {
  const s = await p.api('PUT', '/v1/tiers/scheme', scheme);
  expect(s.status, JSON.stringify(s.body)).toBe(200);
  const ids: Record<string, string> = {};
  for (const [name, threshold] of Object.entries(levels)) {
    const res = await p.api('POST', '/v1/tiers/levels', { name, threshold, benefits: { multiplier_bp: 10000 + threshold } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids[name] = res.body.id;
  }
  return ids;
}

const tierOf = async (p: TestProgram, m: string) => {
  const res = await p.api('GET', `/v1/members/${m}/tier`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const levelName = async (p: TestProgram, m: string) => ((await tierOf(p, m)).level?.name ?? null) as string | null;
const history = async (p: TestProgram, m: string) => {
  const res = await p.api('GET', `/v1/members/${m}/tier/history`);
  expect(res.status).toBe(200);
  return res.body.data as { reason: string; from: { name: string } | null; to: { name: string } | null; note: string | null }[];
};
const maintain = (p: TestProgram, at: string) => {
  clock.set(at);
  return h.services.tiers.runMaintenance({ programId: p.programId, now: new Date(at) });
};
const spend = async (p: TestProgram, m: string, amount: number) => {
  const res = await purchase(p, m, amount);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};

describe('upgrades', () => {
  it('upgrades as soon as spend reaches a threshold, with the change in the event result and history', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    const lv = await tiered(p, { metric: 'spend', window: { type: 'calendar_year' } }, { Silver: 10_000, Gold: 50_000 });
    const m = await enrol(p);

    const first = await spend(p, m, 6_000);
    expect(first.outcomes ?? []).toEqual([]);
    let tier = await tierOf(p, m);
    expect(tier).toMatchObject({
      level: null,
      metric: 'spend',
      metric_value: 6_000,
      next_level: { id: lv.Silver, name: 'Silver', amount_needed: 4_000 },
      window: { from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' },
      period_end: '2027-01-01T00:00:00.000Z',
    });

    const second = await spend(p, m, 5_000);
    expect(second.outcomes).toEqual([
      expect.objectContaining({ kind: 'tier_changed', from: null, to: lv.Silver, to_name: 'Silver', reason: 'upgrade' }),
    ]);
    const replay = await p.api('GET', `/v1/events/${second.id}`);
    expect(replay.body.result.outcomes[0]).toMatchObject({ kind: 'tier_changed', to: lv.Silver });

    const third = await spend(p, m, 40_000);
    expect(third.outcomes).toEqual([expect.objectContaining({ kind: 'tier_changed', from: lv.Silver, to: lv.Gold })]);
    tier = await tierOf(p, m);
    expect(tier).toMatchObject({ level: { name: 'Gold', rank: 2, benefits: { multiplier_bp: 60_000 } }, metric_value: 51_000, next_level: null });
    expect(tier.period_end).toBe('2027-01-01T00:00:00.000Z');

    const hist = await history(p, m);
    expect(hist.map((c) => [c.reason, c.from?.name ?? null, c.to?.name ?? null])).toEqual([
      ['upgrade', 'Silver', 'Gold'],
      ['upgrade', null, 'Silver'],
    ]);
    expect(await h.services.tiers.currentTier(h.db, await h.services.programs.program(p.programId), m)).toMatchObject({ level_id: lv.Gold, name: 'Gold', rank: 2 });
    await expectVerified(h, p.programId);
  });

  it('counts purchases, with everyone on a zero-threshold base level from the start', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    const lv = await tiered(p, { metric: 'purchases', window: { type: 'rolling', months: 12 } }, { Member: 0, Regular: 3 });
    const m = await enrol(p);
    expect(await levelName(p, m)).toBe('Member');
    expect((await spend(p, m, 100)).outcomes ?? []).toEqual([]);
    await spend(p, m, 100);
    const third = await spend(p, m, 100);
    expect(third.outcomes).toEqual([expect.objectContaining({ kind: 'tier_changed', from: lv.Member, to: lv.Regular })]);
    expect(await tierOf(p, m)).toMatchObject({ level: { name: 'Regular' }, metric_value: 3, period_end: '2027-03-01T12:00:00.000Z' });
  });

  it('lists the members of a tier (GET /v1/members?tier=), the level earned or granted', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    const lv = await tiered(p, { metric: 'purchases', window: { type: 'rolling', months: 12 } }, { Member: 0, Regular: 2 });
    const [a, b, c] = [await enrol(p), await enrol(p), await enrol(p)];
    await spend(p, b, 100);
    await spend(p, b, 100);
    const grant = await p.api('POST', `/v1/members/${c}/tier`, { level_id: lv.Regular, until: '2026-12-31T00:00:00Z', reason: 'Complaint handled' });
    expect(grant.status, JSON.stringify(grant.body)).toBeLessThan(300);
    const inTier = async (level: string) => {
      const res = await p.api('GET', `/v1/members?tier=${level}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body.data as { id: string }[]).map((m) => m.id);
    };
    expect(await inTier(lv.Regular!)).toEqual([b, c]);
    expect(await inTier(lv.Member!)).toEqual([a]);
    expect(await inTier('tl_unknown')).toEqual([]);
    expect((await p.api('GET', '/v1/members?tier=not%20an%20id')).body).toMatchObject({ status: 400, field: 'tier' });
  });

  it('counts status credits earned and adjusted, net of refunds, and upgrades on a manual adjustment', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const noStatus = await h.program();
    const refused = await noStatus.api('PUT', '/v1/tiers/scheme', { metric: 'status_credits', window: { type: 'calendar_year' } });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('tiers.no_status_credits');

    // status_credits as the main currency, so the base rate pays them on purchases.
    const p = await h.program({ point_currencies: ['status_credits', 'points'] });
    await tiered(p, { metric: 'status_credits', window: { type: 'calendar_year' } }, { Silver: 100, Gold: 500 });
    const m = await enrol(p);
    const orderId = uniq('ord');
    const buy = await purchase(p, m, 12_000, { order_id: orderId });
    expect(buy.body.outcomes).toEqual([expect.objectContaining({ kind: 'tier_changed', to_name: 'Silver' })]);
    expect((await tierOf(p, m)).metric_value).toBe(120);

    const refund = await p.api('POST', '/v1/events', { type: 'refund', id: uniq('rfd'), order_id: orderId, amount: 6_000 });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(await tierOf(p, m)).toMatchObject({ metric_value: 60, level: { name: 'Silver' } });

    await credit(p, m, 440, { currency: 'status_credits' });
    expect(await tierOf(p, m)).toMatchObject({ metric_value: 500, level: { name: 'Gold' }, next_level: null });
    await credit(p, m, 1_000, { currency: 'points' }); // other point currencies do not count
    expect((await tierOf(p, m)).metric_value).toBe(500);
    await expectVerified(h, p.programId);
  });
});

describe('levels', () => {
  it('inserts a level between others, keeps ranks in threshold order and refuses a bad order', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    const lv = await tiered(p, { metric: 'spend', window: { type: 'calendar_year' } }, { Silver: 1_000, Gold: 5_000 });

    const gift = await p.api('POST', '/v1/rewards', { name: 'Birthday cake', kind: 'gift', points_cost: 0 });
    expect(gift.status, JSON.stringify(gift.body)).toBe(201);
    const between = await p.api('POST', '/v1/tiers/levels', { name: 'Silver Plus', threshold: 3_000, rank: 2, benefits: { birthday_gift_reward_id: gift.body.id } });
    expect(between.status, JSON.stringify(between.body)).toBe(201);
    expect(between.body).toMatchObject({ id: expect.stringMatching(/^tir_/), rank: 2, benefits: { birthday_gift_reward_id: gift.body.id } });
    const list = await p.api('GET', '/v1/tiers/levels');
    expect(list.body.data.map((l: { name: string; rank: number }) => [l.name, l.rank])).toEqual([
      ['Silver', 1],
      ['Silver Plus', 2],
      ['Gold', 3],
    ]);

    const wrongRank = await p.api('POST', '/v1/tiers/levels', { name: 'Bronze', threshold: 8_000, rank: 1 });
    expect(wrongRank.status).toBe(422);
    expect(wrongRank.body).toMatchObject({ code: 'tiers.threshold_order', field: 'threshold' });
    expect((await p.api('POST', '/v1/tiers/levels', { name: 'Copper', threshold: 3_000 })).body.code).toBe('tiers.threshold_taken');
    expect((await p.api('POST', '/v1/tiers/levels', { name: 'gold', threshold: 9_000 })).status).toBe(409);
    const jump = await p.api('PATCH', `/v1/tiers/levels/${lv.Silver}`, { threshold: 6_000 });
    expect(jump.status).toBe(422);
    expect(jump.body.code).toBe('tiers.threshold_order');
    const moved = await p.api('PATCH', `/v1/tiers/levels/${between.body.id}`, { threshold: 2_000, name: 'Silver+' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ name: 'Silver+', threshold: 2_000, rank: 2 });
    expect((await p.api('PATCH', '/v1/tiers/levels/tir_nope', { name: 'X' })).status).toBe(404);
    expect((await p.api('PATCH', `/v1/tiers/levels/${lv.Gold}`, {})).status).toBe(400);
    expect((await p.api('POST', '/v1/tiers/levels', { name: 'Neg', threshold: -1 })).status).toBe(400);
    expect((await p.api('POST', '/v1/tiers/levels', { name: 'Bad', threshold: 7_000, benefits: { multiplier_bp: 'lots' } })).status).toBe(400);
    expect((await p.api('POST', '/v1/tiers/levels', { name: 'Odd', threshold: 7_000, colour: 'red' })).status).toBe(400);
    expect((await p.api('GET', '/v1/tiers/levels')).body.data).toHaveLength(3);

    // A purchase that reaches the new level lands there.
    const m = await enrol(p);
    await spend(p, m, 2_500);
    expect(await levelName(p, m)).toBe('Silver+');
    const inUse = await p.api('DELETE', `/v1/tiers/levels/${between.body.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ code: 'tiers.level_in_use', members: 1 });
    expect((await p.api('DELETE', `/v1/tiers/levels/${lv.Gold}`)).status).toBe(200);
    expect((await p.api('GET', `/v1/tiers/levels/${lv.Gold}`)).status).toBe(404);
    expect((await p.api('GET', `/v1/tiers/levels/${between.body.id}`)).body).toMatchObject({ rank: 2, members: 1 });
  });

  it('takes a new level into account at once', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    await tiered(p, { metric: 'spend', window: { type: 'calendar_year' } }, { Gold: 50_000 });
    const m = await enrol(p);
    expect((await spend(p, m, 20_000)).outcomes ?? []).toEqual([]);
    expect((await p.api('POST', '/v1/tiers/levels', { name: 'Silver', threshold: 10_000 })).status).toBe(201);
    expect((await spend(p, m, 100)).outcomes).toEqual([expect.objectContaining({ kind: 'tier_changed', to_name: 'Silver' })]);
  });

  it('validates the scheme and needs one before member views', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const none = await p.api('GET', `/v1/members/${m}/tier`);
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('tiers.no_scheme');
    expect((await p.api('GET', '/v1/tiers/scheme')).status).toBe(404);
    expect((await p.api('PUT', '/v1/tiers/scheme', { metric: 'visits', window: { type: 'calendar_year' } })).status).toBe(400);
    expect((await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'rolling', months: 0 } })).status).toBe(400);
    expect((await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'rolling' } })).status).toBe(400);
    expect((await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'calendar_year' }, grace_days: -1 })).status).toBe(400);
    const ok = await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'rolling', months: 6 }, grace_days: 14, soft_landing: true });
    expect(ok.status).toBe(200);
    expect((await p.api('GET', '/v1/tiers/scheme')).body).toMatchObject({ metric: 'spend', window: { type: 'rolling', months: 6 }, grace_days: 14, soft_landing: true });
    expect((await p.api('GET', '/v1/members/mbr_nope/tier')).status).toBe(404);
  });
});

describe('downgrades', () => {
  it('happen only when the calendar-year period is reviewed', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    await tiered(p, { metric: 'spend', window: { type: 'calendar_year' } }, { Silver: 10_000, Gold: 50_000 });
    const keeper = await enrol(p);
    const lapsed = await enrol(p);
    await spend(p, keeper, 60_000);
    await spend(p, lapsed, 60_000);

    expect(await maintain(p, '2026-12-31T23:59:00Z')).toMatchObject({ reviewed: 0, downgraded: 0 });
    expect(await maintain(p, '2027-01-01T00:00:00Z')).toMatchObject({ reviewed: 2, downgraded: 0 });
    expect(await levelName(p, keeper)).toBe('Gold');
    expect((await tierOf(p, keeper)).period_end).toBe('2028-01-01T00:00:00.000Z');

    clock.set('2027-06-01T00:00:00Z');
    await spend(p, keeper, 12_000); // below Gold: no change until the year is reviewed
    expect(await levelName(p, keeper)).toBe('Gold');
    expect(await maintain(p, '2027-12-31T00:00:00Z')).toMatchObject({ downgraded: 0 });

    expect(await maintain(p, '2028-01-01T00:00:00Z')).toMatchObject({ reviewed: 2, downgraded: 2 });
    expect(await levelName(p, keeper)).toBe('Silver'); // no soft landing: where 12,000 puts them
    expect(await levelName(p, lapsed)).toBeNull();
    const hist = await history(p, lapsed);
    expect(hist[0]).toMatchObject({ reason: 'downgrade', from: { name: 'Gold' }, to: null });
    expect(await h.services.tiers.currentTier(h.db, await h.services.programs.program(p.programId), lapsed)).toBeNull();
    await expectVerified(h, p.programId);
  });

  it('wait for the grace period, and activity within it keeps the level', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    await tiered(p, { metric: 'spend', window: { type: 'calendar_year' }, grace_days: 30 }, { Silver: 10_000, Gold: 50_000 });
    const saved = await enrol(p);
    const lapsed = await enrol(p);
    await spend(p, saved, 50_000);
    await spend(p, lapsed, 50_000);
    expect(await maintain(p, '2027-01-31T00:00:00Z')).toMatchObject({ reviewed: 2, downgraded: 0 });

    expect(await maintain(p, '2028-01-01T00:00:00Z')).toMatchObject({ reviewed: 0 });
    expect(await tierOf(p, lapsed)).toMatchObject({ level: { name: 'Gold' }, period_end: '2028-01-01T00:00:00.000Z', review_at: '2028-01-31T00:00:00.000Z' });
    clock.set('2028-01-15T00:00:00Z');
    await spend(p, saved, 50_000);
    expect(await maintain(p, '2028-01-30T23:00:00Z')).toMatchObject({ reviewed: 0 });
    expect(await maintain(p, '2028-01-31T00:00:00Z')).toMatchObject({ reviewed: 2, downgraded: 1 });
    expect(await levelName(p, saved)).toBe('Gold');
    expect(await levelName(p, lapsed)).toBeNull();
  });

  it('drop one level at a time with a soft landing', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    await tiered(p, { metric: 'spend', window: { type: 'calendar_year' }, soft_landing: true }, { Silver: 10_000, Gold: 50_000, Platinum: 100_000 });
    const m = await enrol(p);
    const late = await enrol(p);
    await spend(p, m, 100_000);
    await spend(p, late, 100_000);
    await maintain(p, '2027-01-01T00:00:00Z');
    expect(await maintain(p, '2028-01-01T00:00:00Z')).toMatchObject({ downgraded: 2 });
    expect(await levelName(p, m)).toBe('Gold');
    await maintain(p, '2029-01-01T00:00:00Z');
    expect(await levelName(p, m)).toBe('Silver');
    await maintain(p, '2030-01-01T00:00:00Z');
    expect(await levelName(p, m)).toBeNull();
    expect((await history(p, m)).map((c) => c.to?.name ?? null)).toEqual([null, 'Silver', 'Gold', 'Platinum']);
  });

  it('come at the anniversary of qualification with a rolling window', async () => {
    clock.set('2026-03-10T09:00:00Z');
    const p = await h.program();
    await tiered(p, { metric: 'purchases', window: { type: 'rolling', months: 12 } }, { Regular: 2 });
    const m = await enrol(p);
    await spend(p, m, 100);
    await spend(p, m, 100);
    expect(await tierOf(p, m)).toMatchObject({ level: { name: 'Regular' }, period_end: '2027-03-10T09:00:00.000Z' });
    clock.set('2026-09-01T00:00:00Z');
    await spend(p, m, 100);
    expect(await maintain(p, '2027-03-10T08:59:00Z')).toMatchObject({ reviewed: 0 });
    expect(await maintain(p, '2027-03-10T09:00:00Z')).toMatchObject({ reviewed: 1, downgraded: 1 });
    expect(await levelName(p, m)).toBeNull();
    // Two purchases in the last 12 months qualify again at once.
    clock.set('2027-04-01T00:00:00Z');
    const again = await spend(p, m, 100);
    expect(again.outcomes).toEqual([expect.objectContaining({ kind: 'tier_changed', to_name: 'Regular' })]);
  });
});

describe('manual grants', () => {
  it('hold a level until their end date, then the member lands where the metric puts them', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    const lv = await tiered(p, { metric: 'spend', window: { type: 'calendar_year' } }, { Silver: 10_000, Gold: 50_000 });
    const m = await enrol(p);
    await spend(p, m, 12_000);

    const grant = await p.api('POST', `/v1/members/${m}/tier`, { level_id: lv.Gold, until: '2026-06-01T00:00:00Z', reason: 'VIP guest' });
    expect(grant.status, JSON.stringify(grant.body)).toBe(201);
    expect(grant.body).toMatchObject({
      level: { name: 'Gold' },
      granted_until: '2026-06-01T00:00:00.000Z',
      change: { reason: 'grant', from: { name: 'Silver' }, to: { name: 'Gold' }, note: 'VIP guest' },
    });
    expect(await maintain(p, '2026-05-31T23:59:59Z')).toMatchObject({ reviewed: 0 });
    expect(await levelName(p, m)).toBe('Gold');
    expect(await maintain(p, '2026-06-01T00:00:00Z')).toMatchObject({ reviewed: 1, grants_expired: 1, downgraded: 1 });
    expect(await tierOf(p, m)).toMatchObject({ level: { name: 'Silver' }, granted_until: null, period_end: '2027-01-01T00:00:00.000Z' });
    expect((await history(p, m)).map((c) => c.reason)).toEqual(['expiry', 'grant', 'upgrade']);
  });

  it('refuses an unknown level, a past end date and unknown members', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    const lv = await tiered(p, { metric: 'spend', window: { type: 'calendar_year' } }, { Silver: 10_000 });
    const m = await enrol(p);
    const unknown = await p.api('POST', `/v1/members/${m}/tier`, { level_id: 'tir_nope', until: '2026-06-01T00:00:00Z', reason: 'x' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'tiers.level_not_found', field: 'level_id' });
    const past = await p.api('POST', `/v1/members/${m}/tier`, { level_id: lv.Silver, until: '2026-01-01T00:00:00Z', reason: 'x' });
    expect(past.status).toBe(400);
    expect(past.body.code).toBe('tiers.until_in_past');
    expect((await p.api('POST', `/v1/members/${m}/tier`, { level_id: lv.Silver, reason: 'x' })).status).toBe(400);
    expect((await p.api('POST', '/v1/members/mbr_nope/tier', { level_id: lv.Silver, until: '2026-06-01T00:00:00Z', reason: 'x' })).status).toBe(404);
    expect(await levelName(p, m)).toBeNull();
    expect(await history(p, m)).toEqual([]);
  });
});
