import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, purchase } from '../../../test/fixtures.js';
import { signedInStaff } from '../../../test/staff.js';

// Top referrers and ambassadors, as the console shows them.

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

async function program(settings: Record<string, unknown> = {}) {
  const p = await h.program({ settings: { base_earning: { points: 0, per_amount: 100 } } });
  const res = await p.api('PUT', '/v1/referrals/settings', { referrer_reward: { points: 500 }, referee_reward: { points: 200 }, ...settings });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return p;
}

/** Refers `n` new members with `referrer`'s code; `buy` of them make a qualifying purchase. */
async function refer(p: TestProgram, referrer: string, n: number, buy = n) {
  const code = (await p.api('GET', `/v1/members/${referrer}/referral`)).body.code as string;
  for (let i = 0; i < n; i++) {
    const m = await enrol(p, { referral_code: code });
    if (i < buy) expect((await purchase(p, m, 3000)).status).toBe(201);
  }
}

describe('GET /v1/referrals/top', () => {
  it('ranks referrers by qualified referees with the points they earned, and marks ambassadors', async () => {
    const p = await program({ ambassador_threshold: 3, cap_per_referrer: 3 });
    const ann = await enrol(p, { first_name: 'Ann' });
    const bob = await enrol(p);
    const cat = await enrol(p);
    await refer(p, ann, 4); // 4 qualified, rewarded for 3 (the cap)
    await refer(p, bob, 2, 1);
    await refer(p, cat, 1, 0);

    const res = await p.api('GET', '/v1/referrals/top');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      ambassador_threshold: 3,
      ambassadors: 1,
      data: [
        { member_id: ann, name: 'Ann', code: expect.any(String), qualified: 4, rewarded: 3, points_earned: { points: 1500 }, ambassador: true },
        { member_id: bob, name: null, code: expect.any(String), qualified: 1, rewarded: 1, points_earned: { points: 500 }, ambassador: false },
      ],
    });
    const amb = await p.api('GET', '/v1/referrals/top?only=ambassadors');
    expect(amb.body.data.map((r: { member_id: string }) => r.member_id)).toEqual([ann]);
    expect((await p.api('GET', '/v1/referrals/top?limit=1')).body.data).toHaveLength(1);
    expect((await p.api('GET', '/v1/referrals/top?limit=0')).status).toBe(400);
    // The referral list names both sides.
    const list = await p.api('GET', `/v1/referrals?referrer=${ann}&limit=1`);
    expect(list.body.data[0]).toMatchObject({ referrer_id: ann, referrer_name: 'Ann', referee_name: null });
  });

  it('has no ambassadors without a threshold; every role may read it', async () => {
    const p = await program();
    await refer(p, await enrol(p), 1);
    const analyst = await signedInStaff(h, p, { role: 'analyst' });
    const res = await analyst.api('GET', '/v1/referrals/top?only=ambassadors');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ambassador_threshold: null, ambassadors: 0, data: [] });
    expect((await analyst.api('GET', '/v1/referrals/top')).body.data).toHaveLength(1);
    expect((await analyst.api('PUT', '/v1/referrals/settings', {})).status).toBe(403);
  });
});
