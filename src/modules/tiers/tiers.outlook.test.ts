import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, purchase } from '../../../test/fixtures.js';
import { signedInStaff } from '../../../test/staff.js';
import { manualClock } from '../../platform/clock.js';

// The console's view of tiers: members per level and who drops at the next review.

const clock = manualClock('2026-03-01T12:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

async function tiered(p: TestProgram, levels: Record<string, number>, scheme: Record<string, unknown> = {}) {
  expect((await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'rolling', months: 12 }, ...scheme })).status).toBe(200);
  const ids: Record<string, string> = {};
  for (const [name, threshold] of Object.entries(levels)) {
    const res = await p.api('POST', '/v1/tiers/levels', { name, threshold });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids[name] = res.body.id;
  }
  return ids;
}

const spend = async (p: TestProgram, m: string, amount: number) => expect((await purchase(p, m, amount)).status).toBe(201);

describe('GET /v1/tiers/summary', () => {
  it('counts members per level; members without a tier row hold the base level', async () => {
    clock.set('2026-03-01T12:00:00Z');
    const p = await h.program();
    const lv = await tiered(p, { Member: 0, Silver: 10_000, Gold: 50_000 });
    const [a, b] = [await enrol(p, { first_name: 'Ann' }), await enrol(p), await enrol(p)];
    await spend(p, a!, 12_000);
    await spend(p, b!, 60_000);
    const res = await p.api('GET', '/v1/tiers/summary');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      members: 3,
      no_tier: 0,
      levels: [
        { id: lv.Member, name: 'Member', rank: 1, threshold: 0, members: 1 },
        { id: lv.Silver, name: 'Silver', rank: 2, threshold: 10_000, members: 1 },
        { id: lv.Gold, name: 'Gold', rank: 3, threshold: 50_000, members: 1 },
      ],
    });
  });

  it('without a base level, members below every threshold are on no tier', async () => {
    const p = await h.program();
    await tiered(p, { Silver: 10_000 });
    await spend(p, await enrol(p), 10_000);
    await enrol(p);
    const res = await p.api('GET', '/v1/tiers/summary');
    expect(res.body).toMatchObject({ members: 2, no_tier: 1, levels: [{ name: 'Silver', members: 1 }] });
  });
});

describe('GET /v1/tiers/downgrades', () => {
  it('lists who will drop at their next review, soonest first, with where they land; pages by cursor', async () => {
    clock.set('2026-01-10T12:00:00Z');
    const p = await h.program();
    const lv = await tiered(p, { Silver: 10_000, Gold: 50_000 }, { window: { type: 'rolling', months: 3 }, grace_days: 5, soft_landing: true });
    const early = await enrol(p, { first_name: 'Early', last_name: 'Bird' });
    await spend(p, early, 60_000); // Gold from 10 Jan: reviewed 10 Apr + 5 days
    clock.set('2026-01-20T12:00:00Z');
    const late = await enrol(p);
    await spend(p, late, 12_000); // Silver from 20 Jan
    clock.set('2026-02-01T12:00:00Z');
    const keeper = await enrol(p);
    await spend(p, keeper, 12_000);
    clock.set('2026-02-10T12:00:00Z');
    await spend(p, keeper, 12_000); // reached Silver, and has spent enough again since: keeps it

    clock.set('2026-03-01T12:00:00Z');
    const res = await p.api('GET', '/v1/tiers/downgrades?within_days=90');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.data).toEqual([
      {
        member_id: early,
        name: 'Early Bird',
        level: { id: lv.Gold, name: 'Gold' },
        to: { id: lv.Silver, name: 'Silver' },
        review_at: '2026-04-15T12:00:00.000Z',
        reason: 'period',
        metric_value: 0,
        amount_needed: 50_000,
      },
      expect.objectContaining({ member_id: late, level: { id: lv.Silver, name: 'Silver' }, to: null, review_at: '2026-04-25T12:00:00.000Z' }),
    ]);

    // A short horizon leaves out the later review; a page of one gives a cursor to the next.
    expect((await p.api('GET', '/v1/tiers/downgrades?within_days=50')).body.data.map((d: { member_id: string }) => d.member_id)).toEqual([early]);
    const first = await p.api('GET', '/v1/tiers/downgrades?limit=1');
    expect(first.body.data.map((d: { member_id: string }) => d.member_id)).toEqual([early]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await p.api('GET', `/v1/tiers/downgrades?limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body.data.map((d: { member_id: string }) => d.member_id)).toEqual([late]);
    const bad = await p.api('GET', '/v1/tiers/downgrades?cursor=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'tiers.invalid_cursor', field: 'cursor' });

    // What the review then does agrees.
    clock.set('2026-04-16T00:00:00Z');
    await h.services.tiers.runMaintenance({ programId: p.programId, now: clock.now() });
    expect((await p.api('GET', `/v1/members/${early}/tier`)).body.level.name).toBe('Silver');
  });

  it('is empty without a scheme, and every staff role may read it', async () => {
    const p = await h.program();
    expect((await p.api('GET', '/v1/tiers/downgrades')).body).toEqual({ data: [], next_cursor: null });
    const analyst = await signedInStaff(h, p, { role: 'analyst' });
    expect((await analyst.api('GET', '/v1/tiers/downgrades')).status).toBe(200);
    expect((await analyst.api('GET', '/v1/tiers/summary')).status).toBe(200);
    expect((await analyst.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'calendar_year' } })).status).toBe(403);
  });
});
