import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { credit, enrol, purchase } from '../../../test/fixtures.js';
import { cleanupCli, installation, patron, seedProgram, SLOW } from '../../../test/cli.js';
import { createServices, openDatabase } from '../../main.js';
import { loadConfig } from '../../platform/config.js';
import { manualClock } from '../../platform/clock.js';

const NOW = '2026-06-01T12:00:00.000Z';
const clock = manualClock(NOW);
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(async () => {
  await h.close();
  await cleanupCli();
});

const ok = <T = any>(res: { status: number; body: T }, status = 200): T => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
};

const buy = async (p: TestProgram, m: string, amount: number, at: string) => ok(await purchase(p, m, amount, { occurred_at: at }), 201);

/** Inserts a member's scores as a scoring job would write them, under a job that is the program's current one. */
async function score(p: TestProgram, memberId: string, s: Record<string, unknown>) {
  await h.db.query(
    `insert into member_scores (program_id, member_id, as_of, computed_at, job_id, model, recency_score, frequency_score, monetary_score, rfm_segment,
       repeat_purchases, p_alive, expected_purchases, expected_spend, clv, churn_risk)
     values ($1, $2, '2026-05-31T00:00:00Z', '2026-05-31T02:00:00Z', 'job_seeded', 'bgnbd', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [p.programId, memberId, s.r, s.f, s.m, s.segment, s.x ?? 0, s.p_alive, s.expected ?? 0, s.spend ?? 0, s.clv, s.churn],
  );
  await h.db.query(
    `insert into member_scores_current (program_id, job_id, as_of, origin, set_at) values ($1, 'job_seeded', '2026-05-31T00:00:00Z', 'daily', '2026-05-31T02:00:00Z')
     on conflict (program_id) do nothing`,
    [p.programId],
  );
}

interface Cast {
  p: TestProgram;
  ids: Record<'ann' | 'bob' | 'cat' | 'dan' | 'eve', string>;
  levels: Record<string, string>;
}

/**
 * Five members: Ann (VIP golfer, Gold, bought £600 ten days ago), Bob (golfer, Silver, two orders, enrolled
 * last month), Cat (no tags, no purchases, 5 stamps), Dan (VIP, suspended, one old order), Eve (erased).
 */
async function cast(): Promise<Cast> {
  clock.set(NOW);
  const p = await h.program({ point_currencies: ['points', 'stamps'] });
  ok(await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'rolling', months: 12 } }));
  const levels: Record<string, string> = {};
  for (const [name, threshold] of Object.entries({ Bronze: 0, Silver: 10_000, Gold: 50_000 })) {
    levels[name] = ok(await p.api('POST', '/v1/tiers/levels', { name, threshold }), 201).id;
  }
  const ann = await enrol(p, {
    first_name: 'Ann',
    last_name: 'Archer',
    tags: ['vip', 'golf'],
    attributes: { plan: 'pro', visits: 12, interests: ['wine', 'golf'], address: { city: 'London' } },
    country: 'GB',
    birthdate: '1990-05-01',
    consent: { email: true },
    enrolment_channel: 'web',
    enrolled_at: '2025-01-10T09:00:00Z',
  });
  const bob = await enrol(p, {
    first_name: 'Bob',
    last_name: 'Baker',
    tags: ['golf'],
    attributes: { plan: 'basic', visits: 3 },
    country: 'DE',
    birthdate: '2000-07-15',
    enrolment_channel: 'pos',
    enrolled_at: '2026-05-15T09:00:00Z',
  });
  const cat = await enrol(p, { first_name: 'Cat', enrolment_channel: 'app', enrolled_at: '2024-03-01T09:00:00Z' });
  const dan = await enrol(p, { first_name: 'Dan', tags: ['vip'], country: 'GB', enrolment_channel: 'web', enrolled_at: '2025-02-01T09:00:00Z' });
  const eve = await enrol(p, { first_name: 'Eve', enrolment_channel: 'web', enrolled_at: '2025-02-01T09:00:00Z' });

  await buy(p, ann, 60_000, '2026-05-20T10:00:00Z');
  await buy(p, bob, 12_000, '2026-01-10T10:00:00Z');
  await buy(p, bob, 3_000, '2026-05-25T10:00:00Z');
  await buy(p, dan, 2_000, '2025-03-01T10:00:00Z');
  await credit(p, cat, 5, { currency: 'stamps' });
  ok(await p.api('PATCH', `/v1/members/${dan}`, { status: 'suspended' }));
  ok(await p.api('POST', `/v1/members/${eve}/erase`));

  await score(p, ann, { r: 5, f: 5, m: 5, segment: 'Champions', p_alive: 0.95, expected: 3.2, clv: 120_000, churn: 'low' });
  await score(p, bob, { r: 5, f: 1, m: 2, segment: 'New Customers', p_alive: 0.7, expected: 1.1, clv: 20_000, churn: 'medium' });
  await score(p, dan, { r: 1, f: 1, m: 1, segment: 'Lost', p_alive: 0.1, expected: 0.05, clv: 500, churn: 'high' });
  return { p, ids: { ann, bob, cat, dan, eve }, levels };
}

/** Member first names of a preview (size and sample agree, the sample holds everyone). */
async function who(p: TestProgram, conditions: unknown): Promise<string[]> {
  const body = ok(await p.api('POST', '/v1/analytics/segments/preview', { conditions, sample_size: 100 }));
  expect(body.sample).toHaveLength(body.size);
  return body.sample.map((m: { name: string }) => m.name.split(' ')[0]).sort();
}

describe('which members a segment holds', () => {
  let c: Cast;
  beforeAll(async () => {
    c = await cast();
  });

  it.each([
    ['tags eq (has)', { field: 'tags', op: 'eq', value: 'golf' }, ['Ann', 'Bob']],
    ['tags contains (has all)', { field: 'tags', op: 'contains', value: ['vip', 'golf'] }, ['Ann']],
    ['tags in (has any)', { field: 'tags', op: 'in', value: ['vip', 'none'] }, ['Ann', 'Dan']],
    ['tags not_in (has none)', { field: 'tags', op: 'not_in', value: ['golf'] }, ['Cat', 'Dan']],
    ['no tags at all', { field: 'tags', op: 'exists', value: false }, ['Cat']],
    ['attribute eq', { field: 'attributes.plan', op: 'eq', value: 'pro' }, ['Ann']],
    ['attribute in', { field: 'attributes.plan', op: 'in', value: ['pro', 'basic'] }, ['Ann', 'Bob']],
    ['numeric attribute gte', { field: 'attributes.visits', op: 'gte', value: 3 }, ['Ann', 'Bob']],
    ['numeric attribute between', { field: 'attributes.visits', op: 'between', value: [4, 20] }, ['Ann']],
    ['list attribute contains', { field: 'attributes.interests', op: 'contains', value: 'wine' }, ['Ann']],
    ['text attribute contains, any case', { field: 'attributes.plan', op: 'contains', value: 'AS' }, ['Bob']],
    ['nested attribute', { field: 'attributes.address.city', op: 'eq', value: 'London' }, ['Ann']],
    ['attribute missing', { field: 'attributes.plan', op: 'exists', value: false }, ['Cat', 'Dan']],
    ['tier by name, any case', { field: 'tier', op: 'eq', value: 'gold' }, ['Ann']],
    ['tier at or above', { field: 'tier', op: 'gte', value: 'Silver' }, ['Ann', 'Bob']],
    ['tier below', { field: 'tier', op: 'lt', value: 'Silver' }, ['Cat', 'Dan']],
    ['status', { field: 'status', op: 'eq', value: 'suspended' }, ['Dan']],
    ['status neq (erased members never count)', { field: 'status', op: 'neq', value: 'suspended' }, ['Ann', 'Bob', 'Cat']],
    ['country, any case', { field: 'country', op: 'eq', value: 'gb' }, ['Ann', 'Dan']],
    ['country neq keeps members without one', { field: 'country', op: 'neq', value: 'GB' }, ['Bob', 'Cat']],
    ['enrolment channel in', { field: 'enrolment_channel', op: 'in', value: ['web', 'app'] }, ['Ann', 'Cat', 'Dan']],
    ['consent', { field: 'consent.email', op: 'eq', value: true }, ['Ann']],
    ['age', { field: 'age', op: 'gte', value: 30 }, ['Ann']],
    ['age between', { field: 'age', op: 'between', value: [20, 30] }, ['Bob']],
    ['birthdate before a day', { field: 'birthdate', op: 'lt', value: '1995-01-01' }, ['Ann']],
    ['no birthdate', { field: 'birthdate', op: 'exists', value: false }, ['Cat', 'Dan']],
    ['enrolled in the last 30 days', { field: 'enrolled_at', op: 'gte', value: { days_ago: 30 } }, ['Bob']],
    ['enrolled between two dates', { field: 'enrolled_at', op: 'between', value: ['2025-01-01', '2025-12-31T23:59:59Z'] }, ['Ann', 'Dan']],
    ['RFM segment', { field: 'rfm_segment', op: 'eq', value: 'Champions' }, ['Ann']],
    ['churn risk in', { field: 'churn_risk', op: 'in', value: ['medium', 'high'] }, ['Bob', 'Dan']],
    ['P(alive)', { field: 'p_alive', op: 'gte', value: 0.5 }, ['Ann', 'Bob']],
    ['CLV', { field: 'clv', op: 'gt', value: 10_000 }, ['Ann', 'Bob']],
    ['recency score', { field: 'recency_score', op: 'eq', value: 5 }, ['Ann', 'Bob']],
    ['monetary score in', { field: 'monetary_score', op: 'in', value: [1, 2] }, ['Bob', 'Dan']],
    ['tags neq (has not)', { field: 'tags', op: 'neq', value: 'vip' }, ['Bob', 'Cat']],
    ['expected purchases', { field: 'expected_purchases', op: 'gt', value: 3 }, ['Ann']],
    ['not scored', { field: 'rfm_segment', op: 'exists', value: false }, ['Cat']],
    ['points balance', { field: 'balance.points', op: 'gte', value: 100 }, ['Ann', 'Bob']],
    ['zero points (no account counts as 0)', { field: 'balance.points', op: 'eq', value: 0 }, ['Cat']],
    ['stamps balance', { field: 'balance.stamps', op: 'gte', value: 5 }, ['Cat']],
    ['orders count', { field: 'orders_count', op: 'gte', value: 2 }, ['Bob']],
    ['total spent', { field: 'total_spent', op: 'gte', value: 50_000 }, ['Ann']],
    ['spent in the last 30 days', { field: 'total_spent', op: 'gt', value: 0, days: 30 }, ['Ann', 'Bob']],
    ['no order in the last 30 days', { field: 'orders_count', op: 'eq', value: 0, days: 30 }, ['Cat', 'Dan']],
    ['last purchase over a year ago', { field: 'last_purchase_at', op: 'lt', value: { days_ago: 365 } }, ['Dan']],
    ['never purchased', { field: 'last_purchase_at', op: 'exists', value: false }, ['Cat']],
    [
      'bought before, but not in the last 30 days',
      { all: [{ field: 'orders_count', op: 'gte', value: 1 }, { field: 'orders_count', op: 'eq', value: 0, days: 30 }] },
      ['Dan'],
    ],
    ['spent £100 in 180 days and £500 in all', { all: [{ field: 'total_spent', op: 'gte', value: 10_000, days: 180 }, { field: 'total_spent', op: 'gte', value: 50_000 }] }, ['Ann']],
    ['first purchase before a date', { field: 'first_purchase_at', op: 'lt', value: '2026-02-01' }, ['Bob', 'Dan']],
  ])('%s', async (_name, condition, expected) => {
    expect(await who(c.p, condition)).toEqual(expected);
  });

  it('tier by level id', async () => {
    expect(await who(c.p, { field: 'tier', op: 'eq', value: c.levels.Silver })).toEqual(['Bob']);
    expect(await who(c.p, { field: 'tier', op: 'in', value: [c.levels.Gold, 'bronze'] })).toEqual(['Ann', 'Cat', 'Dan']);
  });

  it('combines nested all / any / not', async () => {
    // Golfers who are in GB or Silver, without email consent: Bob (DE but Silver); Ann has consent.
    const tree = {
      all: [
        { field: 'tags', op: 'eq', value: 'golf' },
        { any: [{ field: 'country', op: 'eq', value: 'GB' }, { field: 'tier', op: 'eq', value: 'Silver' }] },
        { not: { field: 'consent.email', op: 'eq', value: true } },
      ],
    };
    expect(await who(c.p, tree)).toEqual(['Bob']);
    expect(await who(c.p, { not: tree })).toEqual(['Ann', 'Cat', 'Dan']);
    // Lapsing valuable members: high CLV or VIP, and nothing bought in 30 days, or at high churn risk.
    const lapsing = {
      any: [
        { all: [{ any: [{ field: 'clv', op: 'gte', value: 100_000 }, { field: 'tags', op: 'eq', value: 'vip' }] }, { field: 'orders_count', op: 'eq', value: 0, days: 30 }] },
        { field: 'churn_risk', op: 'eq', value: 'high' },
      ],
    };
    expect(await who(c.p, lapsing)).toEqual(['Dan']);
  });

  it('lists members with the values of the fields the segment uses', async () => {
    const seg = ok(
      await c.p.api('POST', '/v1/analytics/segments', {
        name: 'Recent golfers',
        conditions: {
          all: [
            { field: 'tags', op: 'eq', value: 'golf' },
            { field: 'total_spent', op: 'gt', value: 0, days: 30 },
            { field: 'balance.points', op: 'gte', value: 1 },
            { field: 'tier', op: 'exists' },
            { field: 'churn_risk', op: 'neq', value: 'high' },
            { field: 'attributes.plan', op: 'exists' },
            { field: 'birthdate', op: 'exists' },
          ],
        },
      }),
      201,
    );
    expect(seg).toMatchObject({ size: 2, fields: ['tags', 'total_spent_30d', 'balance.points', 'tier', 'churn_risk', 'attributes.plan', 'birthdate'] });
    const page = ok(await c.p.api('GET', `/v1/analytics/segments/${seg.id}/members`));
    expect(page.next_cursor).toBeNull();
    expect(page.data).toEqual([
      {
        id: c.ids.ann,
        name: 'Ann Archer',
        values: { tags: ['vip', 'golf'], total_spent_30d: 60_000, 'balance.points': 600, tier: 'Gold', churn_risk: 'low', 'attributes.plan': 'pro', birthdate: '1990-05-01' },
      },
      {
        id: c.ids.bob,
        name: 'Bob Baker',
        values: { tags: ['golf'], total_spent_30d: 3_000, 'balance.points': 150, tier: 'Silver', churn_risk: 'medium', 'attributes.plan': 'basic', birthdate: '2000-07-15' },
      },
    ].sort((a, b) => a.id.localeCompare(b.id)));

    const { segments } = h.services;
    expect(await segments.contains(h.db, c.p.programId, seg.id, c.ids.ann)).toBe(true);
    expect(await segments.contains(h.db, c.p.programId, seg.id, c.ids.cat)).toBe(false);
    const first = await segments.members(h.db, c.p.programId, seg.id, { limit: 1 });
    const second = await segments.members(h.db, c.p.programId, seg.id, { limit: 1, cursor: first.next_cursor! });
    expect([...first.data, ...second.data].map((m) => m.id)).toEqual(page.data.map((m: { id: string }) => m.id));
    expect(second.next_cursor).toBeNull();
  });

  it('measures relative dates and activity windows from now, so membership moves with time', async () => {
    const seg = ok(
      await c.p.api('POST', '/v1/analytics/segments', {
        name: 'Bought in the last 30 days',
        conditions: { field: 'orders_count', op: 'gte', value: 1, days: 30 },
      }),
      201,
    );
    const names = async () => ok(await c.p.api('GET', `/v1/analytics/segments/${seg.id}/members`)).data.map((m: { name: string }) => m.name);
    try {
      expect(seg.size).toBe(2);
      clock.set('2026-06-22T12:00:00Z'); // Ann's order (20 May) is now 33 days old; Bob's (25 May) 28.
      expect(ok(await c.p.api('GET', `/v1/analytics/segments/${seg.id}`))).toMatchObject({ size: 1, counted_at: '2026-06-22T12:00:00.000Z' });
      expect(await names()).toEqual(['Bob Baker']);
      clock.set('2026-07-01T12:00:00Z');
      expect(ok(await c.p.api('GET', `/v1/analytics/segments/${seg.id}`)).size).toBe(0);
      expect(await h.services.segments.contains(h.db, c.p.programId, seg.id, c.ids.bob)).toBe(false);
      // Orders after "now" do not count yet: at 15 May neither order of May exists.
      clock.set('2026-05-15T00:00:00Z');
      expect(await names()).toEqual([]);
    } finally {
      clock.set(NOW);
    }
  });

  it('tells when the scores a segment relies on were computed', async () => {
    const scored = ok(await c.p.api('POST', '/v1/analytics/segments', { name: 'At risk', conditions: { field: 'churn_risk', op: 'eq', value: 'high' } }), 201);
    const got = ok(await c.p.api('GET', `/v1/analytics/segments/${scored.id}`));
    expect(got).toMatchObject({
      name: 'At risk',
      description: null,
      conditions: { field: 'churn_risk', op: 'eq', value: 'high' },
      size: 1,
      scores: { computed_at: '2026-05-31T02:00:00.000Z', as_of: '2026-05-31T00:00:00.000Z' },
    });
    const plain = ok(await c.p.api('POST', '/v1/analytics/segments', { name: 'Germans', conditions: { field: 'country', op: 'eq', value: 'DE' } }), 201);
    expect(plain.scores).toBeNull();
  });

  it('exports the members as CSV, with formula-like text defused', async () => {
    const odd = await enrol(c.p, { first_name: '=HYPERLINK("http://x")', tags: ['csv'] });
    const seg = ok(
      await c.p.api('POST', '/v1/analytics/segments', {
        name: 'CSV export',
        conditions: { any: [{ field: 'tags', op: 'eq', value: 'csv' }, { field: 'tier', op: 'eq', value: 'Gold' }] },
      }),
      201,
    );
    const res = await c.p.api('GET', `/v1/analytics/segments/${seg.id}/members.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="segment-${seg.id}.csv"`);
    const rows = new Map([
      [c.ids.ann, `${c.ids.ann},Ann Archer,"[""vip"",""golf""]",Gold`],
      [odd, `${odd},"'=HYPERLINK(""http://x"")","[""csv""]",Bronze`],
    ]);
    const lines = String(res.body).trim().split('\n');
    expect(lines[0]).toBe('member_id,name,tags,tier');
    expect(lines.slice(1)).toEqual([...rows.keys()].sort().map((k) => rows.get(k)));
    const missing = await c.p.api('GET', '/v1/analytics/segments/seg_01jzzzzzzzzzzzzzzzzzzzzzzz/members.csv');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('segments.not_found');
  });
});

describe('saving, changing and deleting segments', () => {
  it('creates, lists with sizes, updates and deletes; the name is unique per program', async () => {
    const p = await h.program();
    for (const country of ['GB', 'GB', 'FR']) await enrol(p, { country });
    const gb = ok(await p.api('POST', '/v1/analytics/segments', { name: 'UK', description: 'Members in the UK', conditions: { field: 'country', op: 'eq', value: 'GB' } }), 201);
    expect(gb).toMatchObject({ id: expect.stringMatching(/^seg_/), name: 'UK', description: 'Members in the UK', size: 2, fields: ['country'] });
    const fr = ok(await p.api('POST', '/v1/analytics/segments', { name: 'France', conditions: { field: 'country', op: 'eq', value: 'FR' } }), 201);

    const clash = await p.api('POST', '/v1/analytics/segments', { name: 'UK', conditions: { field: 'country', op: 'eq', value: 'IE' } });
    expect(clash.status).toBe(409);
    expect(clash.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(clash.body).toMatchObject({ code: 'segments.name_taken', field: 'name' });
    const rename = await p.api('PATCH', `/v1/analytics/segments/${fr.id}`, { name: 'UK' });
    expect(rename.status).toBe(409);
    expect(rename.body.code).toBe('segments.name_taken');
    // Another program may use the name.
    const other = await h.program();
    ok(await other.api('POST', '/v1/analytics/segments', { name: 'UK', conditions: { field: 'country', op: 'eq', value: 'GB' } }), 201);

    const list = ok(await p.api('GET', '/v1/analytics/segments'));
    expect(list.data.map((s: { name: string; size: number }) => [s.name, s.size])).toEqual([
      ['UK', 2],
      ['France', 1],
    ]);

    const changed = ok(
      await p.api('PATCH', `/v1/analytics/segments/${fr.id}`, { name: 'Europe', description: null, conditions: { field: 'country', op: 'in', value: ['FR', 'GB'] } }),
    );
    expect(changed).toMatchObject({ id: fr.id, name: 'Europe', description: null, size: 3 });
    const renamedOnly = ok(await p.api('PATCH', `/v1/analytics/segments/${gb.id}`, { name: 'United Kingdom' }));
    expect(renamedOnly).toMatchObject({ name: 'United Kingdom', description: 'Members in the UK', size: 2, conditions: gb.conditions });

    expect(ok(await p.api('DELETE', `/v1/analytics/segments/${gb.id}`))).toEqual({ id: gb.id, deleted: true });
    expect((await p.api('GET', `/v1/analytics/segments/${gb.id}`)).status).toBe(404);
    expect((await p.api('DELETE', `/v1/analytics/segments/${gb.id}`)).status).toBe(404);
    expect(ok(await p.api('GET', '/v1/analytics/segments')).data.map((s: { name: string }) => s.name)).toEqual(['Europe']);
    // Another program's segment is not visible.
    expect((await other.api('GET', `/v1/analytics/segments/${fr.id}`)).status).toBe(404);
  });

  it('replays a create sent again with the same Idempotency-Key', async () => {
    const p = await h.program();
    const body = { name: 'Everyone active', conditions: { field: 'status', op: 'eq', value: 'active' } };
    const first = ok(await p.api('POST', '/v1/analytics/segments', body, { 'idempotency-key': 'seg-1' }), 201);
    const again = await p.api('POST', '/v1/analytics/segments', body, { 'idempotency-key': 'seg-1' });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.id);
    expect(ok(await p.api('GET', '/v1/analytics/segments')).data).toHaveLength(1);
  });

  it('needs an admin key to change segments and a read key to see them', async () => {
    const p = await h.program();
    const key = await h.services.programs.createKey({ workspaceId: p.workspaceId, programId: p.programId, name: 'reader', scopes: ['read'] });
    const auth = { authorization: `Bearer ${key.secret}` };
    const denied = await p.raw('POST', '/v1/analytics/segments', { name: 'x', conditions: { field: 'tags', op: 'exists' } }, auth);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('auth.insufficient_scope');
    expect((await p.raw('GET', '/v1/analytics/segments', undefined, auth)).status).toBe(200);
    expect((await p.raw('POST', '/v1/analytics/segments/preview', { conditions: { field: 'tags', op: 'exists' } }, auth)).status).toBe(200);
    expect((await p.raw('GET', '/v1/analytics/segments')).status).toBe(401);
  });
});

describe('bad definitions', () => {
  let p: TestProgram;
  beforeAll(async () => {
    p = await h.program({ point_currencies: ['points', 'stamps'] });
    ok(await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'calendar_year' } }));
    ok(await p.api('POST', '/v1/tiers/levels', { name: 'Gold', threshold: 50_000 }), 201);
  });

  const country = { field: 'country', op: 'eq', value: 'GB' };
  let deep: unknown = country;
  for (let i = 0; i < 10; i++) deep = { not: deep };

  it.each([
    ['an unknown field', { all: [country, { field: 'shoe_size', op: 'eq', value: 42 }] }, 'conditions.all.1.field'],
    ['an unknown op', { all: [{ field: 'country', op: 'like', value: 'G%' }] }, 'conditions.all.0.op'],
    ['an op the field does not take', { field: 'consent.email', op: 'gt', value: true }, 'conditions.op'],
    ['a wrong value type', { all: [country, country, { field: 'age', op: 'gte', value: '30' }] }, 'conditions.all.2.value'],
    ['a single value where a list is needed', { field: 'country', op: 'in', value: 'GB' }, 'conditions.value'],
    ['a list item of the wrong type', { field: 'tags', op: 'in', value: ['vip', 3] }, 'conditions.value.1'],
    ['a missing value', { any: [{ field: 'country', op: 'eq' }] }, 'conditions.any.0.value'],
    ['between out of order', { field: 'age', op: 'between', value: [40, 20] }, 'conditions.value'],
    ['an unknown RFM segment', { field: 'rfm_segment', op: 'eq', value: 'Champs' }, 'conditions.value'],
    ['a score out of range', { field: 'recency_score', op: 'eq', value: 6 }, 'conditions.value'],
    ['a negative days_ago', { field: 'enrolled_at', op: 'gte', value: { days_ago: -1 } }, 'conditions.value.days_ago'],
    ['a bad date', { field: 'last_purchase_at', op: 'lt', value: '2026-13-45' }, 'conditions.value'],
    ['days on a field without a window', { field: 'age', op: 'gt', value: 18, days: 30 }, 'conditions.days'],
    ['an unknown key in a comparison', { field: 'country', op: 'eq', value: 'GB', case: 'any' }, 'conditions.case'],
    ['two groups in one object', { all: [country], any: [country] }, 'conditions.any'],
    ['an empty group', { all: [] }, 'conditions.all'],
    ['a condition that is not an object', { all: [country, 'country = GB'] }, 'conditions.all.1'],
    ['a point currency the program lacks', { any: [country, { field: 'balance.miles', op: 'gt', value: 0 }] }, 'conditions.any.1.field'],
    ['a tier level that does not exist', { field: 'tier', op: 'in', value: ['gold', 'Platinum'] }, 'conditions.value.1'],
    ['nesting too deep', deep, 'conditions'],
  ])('refuses %s with its path, and writes nothing', async (_name, conditions, field) => {
    const res = await p.api('POST', '/v1/analytics/segments', { name: 'Bad', conditions });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'segments.invalid_condition' });
    expect(res.body.field).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}`));
    if (field !== 'conditions') expect(res.body.field).toBe(field);
    const preview = await p.api('POST', '/v1/analytics/segments/preview', { conditions });
    expect(preview.status).toBe(400);
    expect(preview.body.field).toBe(res.body.field);
    expect(ok(await p.api('GET', '/v1/analytics/segments')).data).toEqual([]);
  });

  it('refuses a bad name or body shape with the usual validation codes', async () => {
    const noName = await p.api('POST', '/v1/analytics/segments', { conditions: country });
    expect(noName.status).toBe(400);
    expect(noName.body).toMatchObject({ code: 'validation.invalid_type', field: 'name' });
    const extra = await p.api('POST', '/v1/analytics/segments', { name: 'x', conditions: country, color: 'red' });
    expect(extra.body).toMatchObject({ code: 'validation.unrecognized_keys', field: 'color' });
    const noConditions = await p.api('POST', '/v1/analytics/segments', { name: 'x' });
    expect(noConditions.body).toMatchObject({ code: 'segments.invalid_condition', field: 'conditions' });
    expect(ok(await p.api('GET', '/v1/analytics/segments')).data).toEqual([]);
  });

  it('leaves a segment unchanged when a PATCH brings a bad tree', async () => {
    const seg = ok(await p.api('POST', '/v1/analytics/segments', { name: 'Good', conditions: country }), 201);
    const res = await p.api('PATCH', `/v1/analytics/segments/${seg.id}`, { name: 'Renamed', conditions: { all: [country, { field: 'age', op: 'gt' }] } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'segments.invalid_condition', field: 'conditions.all.1.value' });
    expect(ok(await p.api('GET', `/v1/analytics/segments/${seg.id}`))).toMatchObject({ name: 'Good', conditions: country });
    ok(await p.api('DELETE', `/v1/analytics/segments/${seg.id}`));
  });
});

describe('pagination', () => {
  it('walks a segment’s members page by page, each once, in id order', async () => {
    const p = await h.program();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await enrol(p, { tags: ['page'] }));
    await enrol(p, { tags: ['other'] });
    const seg = ok(await p.api('POST', '/v1/analytics/segments', { name: 'Paged', conditions: { field: 'tags', op: 'eq', value: 'page' } }), 201);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: any = ok(await p.api('GET', `/v1/analytics/segments/${seg.id}/members?limit=3${cursor ? `&cursor=${cursor}` : ''}`));
      sizes.push(page.data.length);
      seen.push(...page.data.map((m: { id: string }) => m.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual([...ids].sort());

    const bad = await p.api('GET', `/v1/analytics/segments/${seg.id}/members?cursor=garbage`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'segments.invalid_cursor', field: 'cursor' });
    expect((await p.api('GET', `/v1/analytics/segments/${seg.id}/members?limit=0`)).status).toBe(400);

    for (let i = 0; i < 3; i++) ok(await p.api('POST', '/v1/analytics/segments', { name: `S${i}`, conditions: { field: 'tags', op: 'exists' } }), 201);
    const first = ok(await p.api('GET', '/v1/analytics/segments?limit=2'));
    const rest = ok(await p.api('GET', `/v1/analytics/segments?limit=2&cursor=${first.next_cursor}`));
    expect([...first.data, ...rest.data].map((s: { name: string }) => s.name)).toEqual(['Paged', 'S0', 'S1', 'S2']);
    expect(rest.next_cursor).toBeNull();
  });
});

describe('patron analytics segments', () => {
  it('lists segments, shows one and prints its members as tables', SLOW, async () => {
    const { env } = installation();
    const { programId } = await seedProgram(env);
    const db = await openDatabase(loadConfig(env));
    let segId: string;
    try {
      const services = createServices({ db });
      const program = await services.programs.program(programId);
      for (const [first_name, tags] of [
        ['Ann', ['vip']],
        ['Bob', ['vip', 'golf']],
        ['Cat', []],
      ] as const) {
        await services.members.enrol(programId, { email: `${first_name.toLowerCase()}@example.com`, first_name, tags: [...tags] });
      }
      const seg = await db.tx((q) =>
        services.segments.create(q, program, {
          name: 'VIPs',
          description: 'Everyone tagged vip',
          conditions: { all: [{ field: 'tags', op: 'eq', value: 'vip' }, { not: { field: 'country', op: 'eq', value: 'FR' } }] },
        }),
      );
      segId = seg.id;
    } finally {
      await db.close();
    }

    const list = await patron(['analytics', 'segments', 'list', '--program', programId], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+SIZE\s+FIELDS\s+UPDATED$/m);
    expect(list.stdout).toMatch(new RegExp(`^${segId}\\s+VIPs\\s+2\\s+tags,country\\s`, 'm'));

    const show = await patron(['analytics', 'segments', 'show', segId, '--program', programId], env);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('Segment "VIPs"');
    expect(show.stdout).toContain('Everyone tagged vip');
    expect(show.stdout).toMatch(/size\s+2 members/);
    expect(show.stdout).toContain(['Conditions:', '  all of:', '    tags eq "vip"', '    not:', '      country eq "FR"'].join('\n'));

    const members = await patron(['analytics', 'segments', 'members', segId, '--program', programId, '--limit', '1'], env);
    expect(members.code, members.stderr).toBe(0);
    expect(members.stdout).toMatch(/^MEMBER\s+NAME\s+TAGS\s+COUNTRY$/m);
    expect(members.stdout).toMatch(/^mbr_\w+\s+Ann\s+vip\s+-$/m);
    const next = /--cursor (\S+)/.exec(members.stdout);
    expect(next, members.stdout).not.toBeNull();
    const rest = await patron(['analytics', 'segments', 'members', segId, '--program', programId, '--cursor', next![1]!, '--json'], env);
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ data: [{ name: 'Bob', values: { tags: ['vip', 'golf'], country: null } }], next_cursor: null });

    const missing = await patron(['analytics', 'segments', 'show', 'seg_01jzzzzzzzzzzzzzzzzzzzzzzz', '--program', programId], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('(segments.not_found)');
  });
});
