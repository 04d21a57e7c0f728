import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, uniq } from '../../../test/fixtures.js';

/**
 * Configuration that names a reward (a rule's reward effect, a tier level's benefits) must name one of the
 * program's own rewards: a made-up id or another program's is refused when written, naming the field, and
 * nothing is stored; it never gets as far as an event that would fail to issue it.
 */
let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

async function reward(p: TestProgram, name = 'Free coffee'): Promise<string> {
  const res = await p.api('POST', '/v1/rewards', { name, kind: 'gift', points_cost: 100 });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const ruleBody = (rewardId: string) => ({
  name: 'Welcome gift',
  trigger: 'signup',
  status: 'active',
  effects: [
    { type: 'fixed', points: 10 },
    { type: 'reward', reward_id: rewardId },
  ],
});

describe('rules that issue a reward', () => {
  it('refuse another program’s reward and a made-up one at create, and write nothing', async () => {
    const p = await h.program();
    const other = await h.program();
    const foreign = await reward(other);
    for (const id of [foreign, 'rwd_doesnotexist']) {
      const res = await p.api('POST', '/v1/rules', ruleBody(id));
      expect([res.status, res.body.code, res.body.field], id).toEqual([400, 'rules.unknown_reward', 'effects.1.reward_id']);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    expect((await p.api('GET', '/v1/rules')).body.data).toEqual([]);
    // Nothing fires for a signup either: no rule was stored.
    const m = await enrol(p);
    const ev = await p.api('POST', '/v1/events', { type: 'signup', id: uniq('evt'), member: { id: m } });
    expect(ev.status, JSON.stringify(ev.body)).toBe(201);
    expect(ev.body.outcomes ?? []).toEqual([]);
  });

  it('accept the program’s own reward, which the rule then issues', async () => {
    const p = await h.program();
    const own = await reward(p);
    const res = await p.api('POST', '/v1/rules', ruleBody(own));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const m = await enrol(p);
    const ev = await p.api('POST', '/v1/events', { type: 'signup', id: uniq('evt'), member: { id: m } });
    expect(ev.status, JSON.stringify(ev.body)).toBe(201);
    expect(ev.body.outcomes).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'reward_issued', reward_id: own })]));
  });

  it('refuse an unknown reward on update and keep the rule as it was', async () => {
    const p = await h.program();
    const other = await h.program();
    const own = await reward(p);
    const created = await p.api('POST', '/v1/rules', ruleBody(own));
    expect(created.status).toBe(201);
    for (const id of [await reward(other), 'rwd_doesnotexist']) {
      const res = await p.api('PATCH', `/v1/rules/${created.body.id}`, { effects: [{ type: 'reward', reward_id: id }] });
      expect([res.status, res.body.code, res.body.field], id).toEqual([400, 'rules.unknown_reward', 'effects.0.reward_id']);
    }
    const after = await p.api('GET', `/v1/rules/${created.body.id}`);
    expect(after.body.version).toBe(created.body.version);
    expect(after.body.effects).toEqual(created.body.effects);
    expect(after.body.versions).toHaveLength(1);
  });

  it('refuse an unknown reward in a previewed draft, naming the draft', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const res = await p.api('POST', '/v1/rules/preview', {
      member: { id: m },
      event: { type: 'purchase', amount: 1_000, currency: 'GBP' },
      rules: [{ ...ruleBody('rwd_doesnotexist'), trigger: 'purchase' }],
    });
    expect([res.status, res.body.code, res.body.field]).toEqual([400, 'rules.unknown_reward', 'rules.0.effects.1.reward_id']);
  });
});

describe('tier benefits that name a reward', () => {
  async function withScheme() {
    const p = await h.program();
    const s = await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'calendar_year' } });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    return p;
  }

  it('refuse another program’s reward and a made-up one, and store no level', async () => {
    const p = await withScheme();
    const other = await h.program();
    const own = await reward(p);
    const foreign = await reward(other);
    const cases: [Record<string, unknown>, string][] = [
      [{ reward_ids: [own, foreign] }, 'benefits.reward_ids.1'],
      [{ reward_ids: ['rwd_doesnotexist'] }, 'benefits.reward_ids.0'],
      [{ birthday_gift_reward_id: foreign }, 'benefits.birthday_gift_reward_id'],
      [{ birthday_gift_reward_id: 'rwd_doesnotexist', reward_ids: [own] }, 'benefits.birthday_gift_reward_id'],
    ];
    for (const [benefits, field] of cases) {
      const res = await p.api('POST', '/v1/tiers/levels', { name: 'Gold', threshold: 1_000, benefits });
      expect([res.status, res.body.code, res.body.field], JSON.stringify(benefits)).toEqual([400, 'tiers.unknown_reward', field]);
    }
    expect((await p.api('GET', '/v1/tiers/levels')).body.data).toEqual([]);
  });

  it('accept the program’s own rewards, and refuse an unknown one on update keeping the level', async () => {
    const p = await withScheme();
    const gift = await reward(p, 'Birthday cake');
    const perk = await reward(p, 'Lounge pass');
    const res = await p.api('POST', '/v1/tiers/levels', { name: 'Gold', threshold: 1_000, benefits: { birthday_gift_reward_id: gift, reward_ids: [perk] } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.benefits).toEqual({ birthday_gift_reward_id: gift, reward_ids: [perk] });
    const bad = await p.api('PATCH', `/v1/tiers/levels/${res.body.id}`, { benefits: { reward_ids: [perk, 'rwd_doesnotexist'] } });
    expect([bad.status, bad.body.code, bad.body.field]).toEqual([400, 'tiers.unknown_reward', 'benefits.reward_ids.1']);
    expect((await p.api('GET', `/v1/tiers/levels/${res.body.id}`)).body.benefits).toEqual({ birthday_gift_reward_id: gift, reward_ids: [perk] });
  });
});
