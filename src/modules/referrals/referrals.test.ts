import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { balance, enrol, expectVerified, purchase, uniq } from '../../../test/fixtures.js';
import { manualClock } from '../../platform/clock.js';

const clock = manualClock('2026-03-02T10:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

/** No base earning, so balances show only what referrals gave. */
async function program(settings: Record<string, unknown> = {}, point_currencies?: string[]) {
  const p = await h.program({ settings: { base_earning: { points: 0, per_amount: 100 } }, point_currencies });
  const res = await p.api('PUT', '/v1/referrals/settings', {
    condition: { min_amount: 2000 },
    referrer_reward: { points: 500 },
    referee_reward: { points: 200 },
    ...settings,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return p;
}

async function codeOf(p: TestProgram, memberId: string): Promise<string> {
  const res = await p.api('GET', `/v1/members/${memberId}/referral`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.code as string;
}

/** Enrols a new member with `code`; returns the new member's id. */
async function enrolWith(p: TestProgram, code: string, body: Record<string, unknown> = {}) {
  return enrol(p, { referral_code: code, ...body });
}

async function points(p: TestProgram, memberId: string) {
  return (await balance(p, memberId)).balance;
}

async function memberCount(p: TestProgram, email: string) {
  const res = await p.api('GET', `/v1/members?identity=${encodeURIComponent(`email:${email}`)}`);
  expect(res.status).toBe(200);
  return (res.body.data as unknown[]).length;
}

describe('referral codes and settings', () => {
  it('gives each member one short code from an unambiguous alphabet, and starts with empty stats', async () => {
    const p = await program();
    const a = await enrol(p);
    const first = await p.api('GET', `/v1/members/${a}/referral`);
    expect(first.status).toBe(200);
    expect(first.body.code).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/);
    expect(first.body).toMatchObject({
      member_id: a,
      referred_by: null,
      stats: { referred: 0, pending: 0, qualified: 0, rewarded: 0, capped: 0, lapsed: 0 },
    });
    expect(await codeOf(p, a)).toBe(first.body.code);
    expect(await codeOf(p, await enrol(p))).not.toBe(first.body.code);
    expect((await p.api('GET', '/v1/members/mbr_nobody/referral')).status).toBe(404);
  });

  it('stores settings with defaults filled in, and refuses bad ones', async () => {
    const p = await program({ cap_per_referrer: 3 }, ['points', 'stamps']);
    const got = await p.api('GET', '/v1/referrals/settings');
    expect(got.body).toMatchObject({
      enabled: true,
      condition: { min_amount: 2000, first_purchase: true, within_days: null },
      referrer_reward: { points: 500, currency: 'points', pending_days: 0 },
      cap_per_referrer: 3,
      ambassador_threshold: null,
    });
    const bad = await p.api('PUT', '/v1/referrals/settings', { referee_reward: { points: 10, currency: 'miles' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'referral.unknown_currency', field: 'referee_reward.currency' });
    const negative = await p.api('PUT', '/v1/referrals/settings', { referee_reward: { points: -5 } });
    expect(negative.status).toBe(400);
    const unknown = await p.api('PUT', '/v1/referrals/settings', { bonus: 1 });
    expect(unknown.status).toBe(400);
    expect((await p.api('GET', '/v1/referrals/settings')).body.cap_per_referrer).toBe(3);
  });
});

describe('qualification', () => {
  it('rewards both sides once when the referee’s first purchase meets the minimum', async () => {
    const p = await program();
    const a = await enrol(p);
    const b = await enrolWith(p, (await codeOf(p, a)).toLowerCase());

    const bought = await purchase(p, b, 2500);
    expect(bought.status).toBe(201);
    expect(bought.body.points).toEqual({ points: 200 });
    expect(bought.body.outcomes).toEqual([expect.objectContaining({ kind: 'referral_qualified', referrer_id: a, referee_id: b, status: 'qualified' })]);
    expect(await points(p, a)).toBe(500);
    expect(await points(p, b)).toBe(200);

    // A second purchase gives nothing more.
    expect((await purchase(p, b, 9000)).status).toBe(201);
    expect(await points(p, a)).toBe(500);
    expect(await points(p, b)).toBe(200);

    const list = await p.api('GET', `/v1/referrals?referrer=${a}`);
    expect(list.body.data).toEqual([
      expect.objectContaining({ referrer_id: a, referee_id: b, status: 'qualified', linked_via: 'enrolment', order_id: bought.body.order_id }),
    ]);
    const one = await p.api('GET', `/v1/referrals/${list.body.data[0].id}`);
    expect(one.body.rewards).toMatchObject({ referrer: { points: 500, currency: 'points' }, referee: { points: 200, currency: 'points' } });
    expect((await p.api('GET', `/v1/members/${a}/referral`)).body.stats).toMatchObject({ referred: 1, qualified: 1, rewarded: 1 });
    expect((await p.api('GET', `/v1/members/${b}/referral`)).body.referred_by).toMatchObject({ referrer_id: a, status: 'qualified' });

    // Refunding the qualifying order takes back the referee's reward, not the referrer's.
    const refund = await p.api('POST', '/v1/events', { type: 'refund', id: uniq('rfd'), order_id: bought.body.order_id, amount: 2500 });
    expect(refund.status).toBe(201);
    expect(await points(p, b)).toBe(0);
    expect(await points(p, a)).toBe(500);
    await expectVerified(h, p.programId);
  });

  it('gives nothing for a first purchase below the minimum, nor for a larger one after it', async () => {
    const p = await program();
    const a = await enrol(p);
    const b = await enrolWith(p, await codeOf(p, a));
    const small = await purchase(p, b, 1999);
    expect(small.status).toBe(201);
    expect(small.body.outcomes ?? []).toEqual([]);
    expect((await purchase(p, b, 5000)).status).toBe(201);
    expect(await points(p, a)).toBe(0);
    expect(await points(p, b)).toBe(0);
    expect((await p.api('GET', `/v1/referrals?referee=${b}`)).body.data[0].status).toBe('lapsed');
    await expectVerified(h, p.programId);
  });

  it('lets a later purchase qualify when not limited to the first, within the days after enrolment', async () => {
    const p = await program({ condition: { min_amount: 2000, first_purchase: false, within_days: 30 } });
    const a = await enrol(p);
    const b = await enrolWith(p, await codeOf(p, a));
    const c = await enrolWith(p, await codeOf(p, a));
    await purchase(p, b, 1000);
    expect(await points(p, a)).toBe(0);
    await purchase(p, b, 3000);
    expect(await points(p, a)).toBe(500);
    expect(await points(p, b)).toBe(200);

    clock.advance(31 * 86_400_000);
    await purchase(p, c, 3000);
    expect(await points(p, c)).toBe(0);
    expect(await points(p, a)).toBe(500);
    expect((await p.api('GET', `/v1/referrals?referee=${c}`)).body.data[0].status).toBe('lapsed');
    await expectVerified(h, p.programId);
  });

  it('credits pending rewards in the configured currency', async () => {
    const p = await program({ referrer_reward: { points: 3, currency: 'stamps', pending_days: 14 } }, ['points', 'stamps']);
    const a = await enrol(p);
    const b = await enrolWith(p, await codeOf(p, a));
    await purchase(p, b, 2000);
    expect(await balance(p, a, 'stamps')).toMatchObject({ available: 0, pending: 3 });
    expect(await points(p, b)).toBe(200);
    await expectVerified(h, p.programId);
  });

  it('does nothing while referrals are disabled', async () => {
    const p = await program({ enabled: false });
    const a = await enrol(p);
    const b = await enrolWith(p, await codeOf(p, a));
    await purchase(p, b, 5000);
    expect(await points(p, a)).toBe(0);
    expect((await p.api('GET', `/v1/referrals?referrer=${a}`)).body.data[0].status).toBe('pending');
  });

  it('stops rewarding a referrer past the cap but still rewards the referee', async () => {
    const p = await program({ cap_per_referrer: 2 });
    const a = await enrol(p);
    const code = await codeOf(p, a);
    const referees = [await enrolWith(p, code), await enrolWith(p, code), await enrolWith(p, code)];
    for (const r of referees) expect((await purchase(p, r, 2000)).status).toBe(201);
    expect(await points(p, a)).toBe(1000);
    for (const r of referees) expect(await points(p, r)).toBe(200);
    const statuses = (await p.api('GET', `/v1/referrals?referrer=${a}`)).body.data.map((r: { status: string }) => r.status);
    expect(statuses).toEqual(['qualified', 'qualified', 'capped']);
    expect((await p.api('GET', `/v1/members/${a}/referral`)).body.stats).toEqual({
      referred: 3,
      pending: 0,
      qualified: 3,
      rewarded: 2,
      capped: 1,
      lapsed: 0,
    });
    await expectVerified(h, p.programId);
  });

  it('tags a referrer with N qualified referees as an ambassador', async () => {
    const p = await program({ ambassador_threshold: 2 });
    const a = await enrol(p);
    const code = await codeOf(p, a);
    const b = await enrolWith(p, code);
    const c = await enrolWith(p, code);
    await purchase(p, b, 2000);
    expect((await p.api('GET', `/v1/members/${a}`)).body.tags).toEqual([]);
    const second = await purchase(p, c, 2000);
    expect(second.body.outcomes).toContainEqual({ kind: 'tag_added', member_id: a, tag: 'ambassador' });
    expect((await p.api('GET', `/v1/members/${a}`)).body.tags).toEqual(['ambassador']);
    await expectVerified(h, p.programId);
  });
});

describe('fraud and refusals', () => {
  it('refuses an unknown code at enrolment and enrols nobody', async () => {
    const p = await program();
    const email = `${uniq('e')}@example.com`;
    const res = await p.api('POST', '/v1/members', { email, referral_code: 'NOPE2345' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'referral.unknown_code', field: 'referral_code' });
    expect(await memberCount(p, email)).toBe(0);

    // An erased member's code refers nobody.
    const gone = await enrol(p);
    const code = await codeOf(p, gone);
    expect((await p.api('POST', `/v1/members/${gone}/erase`)).status).toBe(200);
    const late = await p.api('POST', '/v1/members', { email, referral_code: code });
    expect(late.body).toMatchObject({ status: 422, code: 'referral.unknown_code' });
    expect(await memberCount(p, email)).toBe(0);
  });

  it('refuses self-referral by the same member or a shared email or phone', async () => {
    const p = await program();
    const local = uniq('ann');
    const a = await enrol(p, { email: `${local}@example.com`, phone: '+447700900123' });
    const code = await codeOf(p, a);

    const same = await p.api('POST', '/v1/referrals', { referee: { id: a }, code });
    expect(same.status).toBe(422);
    expect(same.body).toMatchObject({ code: 'referral.self_referral', field: 'referee' });

    // The same mailbox with a +tag.
    const tagged = `${local}+promo@example.com`;
    const byEmail = await p.api('POST', '/v1/members', { email: tagged, referral_code: code });
    expect(byEmail.status).toBe(422);
    expect(byEmail.body).toMatchObject({ code: 'referral.self_referral', field: 'referral_code' });
    expect(await memberCount(p, tagged)).toBe(0);

    // The same phone number, written another way: identities are unique, so the enrolment itself is refused.
    const byPhone = await p.api('POST', '/v1/members', { phone: '07700 900123', country: 'GB', referral_code: code });
    expect(byPhone.status).toBe(409);
    expect(byPhone.body).toMatchObject({ code: 'member.identity_taken', field: 'phone' });
    expect((await p.api('GET', `/v1/members?identity=${encodeURIComponent('phone:+447700900123')}`)).body.data).toHaveLength(1);

    // An existing member sharing the mailbox cannot be linked either.
    const other = await enrol(p, { email: `${local}+2@example.com` });
    const link = await p.api('POST', '/v1/referrals', { referee: { id: other }, code });
    expect(link.status).toBe(422);
    expect(link.body.code).toBe('referral.self_referral');
    expect((await p.api('GET', `/v1/referrals?referrer=${a}`)).body.data).toEqual([]);
  });

  it('refuses loops, direct and through others', async () => {
    const p = await program();
    const a = await enrol(p);
    const b = await enrolWith(p, await codeOf(p, a));
    const back = await p.api('POST', '/v1/referrals', { referee: { id: a }, code: await codeOf(p, b) });
    expect(back.status).toBe(422);
    expect(back.body).toMatchObject({ code: 'referral.loop', field: 'referee' });

    const c = await enrolWith(p, await codeOf(p, b));
    const around = await p.api('POST', '/v1/referrals', { referee: { id: a }, code: await codeOf(p, c) });
    expect(around.status).toBe(422);
    expect(around.body.code).toBe('referral.loop');
    expect((await p.api('GET', `/v1/referrals?referee=${a}`)).body.data).toEqual([]);
  });

  it('links an existing member once, and only before their first purchase', async () => {
    const p = await program();
    const a = await enrol(p);
    const z = await enrol(p);
    const email = `${uniq('b')}@example.com`;
    const b = await enrol(p, { email });

    const linked = await p.api('POST', '/v1/referrals', { referee: { email }, code: await codeOf(p, a) });
    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({ referrer_id: a, referee_id: b, status: 'pending', linked_via: 'link' });

    const again = await p.api('POST', '/v1/referrals', { referee: { id: b }, code: await codeOf(p, z) });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'referral.already_referred', field: 'referee' });

    const buyer = await enrol(p);
    await purchase(p, buyer, 100);
    const late = await p.api('POST', '/v1/referrals', { referee: { id: buyer }, code: await codeOf(p, a) });
    expect(late.status).toBe(422);
    expect(late.body.code).toBe('referral.referee_has_purchased');

    const unknown = await p.api('POST', '/v1/referrals', { referee: { id: buyer }, code: 'ZZZZ9999' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'referral.unknown_code', field: 'code' });

    // The linked member's first purchase qualifies as if they had enrolled with the code.
    await purchase(p, b, 2000);
    expect(await points(p, a)).toBe(500);
    expect((await p.api('GET', `/v1/referrals?referrer=${a}`)).body.data).toHaveLength(1);
    await expectVerified(h, p.programId);
  });

  it.runIf(process.env.PATRON_TEST_DB === 'postgres').each([true, false])('rewards once when the referee’s purchases arrive in parallel (first purchase only: %s)', async (first_purchase) => {
    const p = await program({ condition: { min_amount: 2000, first_purchase } });
    const a = await enrol(p);
    const b = await enrolWith(p, await codeOf(p, a));
    const results = await Promise.all(Array.from({ length: 8 }, () => purchase(p, b, 3000)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(await points(p, a)).toBe(500);
    expect(await points(p, b)).toBe(200);
    const qualified = results.filter((r) => (r.body.outcomes ?? []).some((o: { kind: string }) => o.kind === 'referral_qualified'));
    expect(qualified).toHaveLength(1);
    await expectVerified(h, p.programId);
  });

  it.runIf(process.env.PATRON_TEST_DB === 'postgres')('holds the cap when several referees of one referrer qualify in parallel', async () => {
    const p = await program({ cap_per_referrer: 2 });
    const a = await enrol(p);
    const code = await codeOf(p, a);
    const referees = [];
    for (let i = 0; i < 6; i++) referees.push(await enrolWith(p, code));
    const results = await Promise.all(referees.map((r) => purchase(p, r, 2000)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(await points(p, a)).toBe(1000);
    for (const r of referees) expect(await points(p, r)).toBe(200);
    expect((await p.api('GET', `/v1/members/${a}/referral`)).body.stats).toMatchObject({ qualified: 6, rewarded: 2, capped: 4 });
    await expectVerified(h, p.programId);
  });
});
