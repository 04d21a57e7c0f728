import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { balance, credit, enrol, expectVerified, uniq } from '../../../test/fixtures.js';
import { cleanupCli, installation, json, patron } from '../../../test/cli.js';
import { createServices, openDatabase } from '../../main.js';
import { loadConfig } from '../../platform/config.js';

/**
 * No account, a member's or the program's own (issuance, adjustment, redemption, expiry), may pass ±(2^53 − 1)
 * points: past that JSON cannot carry a balance exactly, and sums overflow. A write that would is a 422
 * `ledger.amount_out_of_range` naming the field, and nothing of it is written.
 */
const MAX = Number.MAX_SAFE_INTEGER;
let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.close();
  await cleanupCli();
});

const outOfRange = (res: { status: number; body: { code?: string; field?: string } }) => [res.status, res.body.code, res.body.field];
const history = async (p: TestProgram, m: string) => (await p.api('GET', `/v1/members/${m}/transactions`)).body.data as unknown[];

describe('adjustments', () => {
  it('refuse a second credit of 2^53 − 1 to one member, writing nothing', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, MAX);
    const res = await p.api('POST', `/v1/members/${m}/adjustments`, { points: 1, reason: 'one more' });
    expect(outOfRange(res)).toEqual([422, 'ledger.amount_out_of_range', 'points']);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect((await balance(p, m)).balance).toBe(MAX);
    expect(await history(p, m)).toHaveLength(1);
    await expectVerified(h, p.programId);
  });

  it('refuse a credit that would take the program’s adjustment account past the range, though each member fits', async () => {
    const p = await h.program();
    const a = await enrol(p);
    const b = await enrol(p);
    await credit(p, a, MAX);
    const res = await p.api('POST', `/v1/members/${b}/adjustments`, { points: MAX, reason: 'again' });
    expect(outOfRange(res)).toEqual([422, 'ledger.amount_out_of_range', 'points']);
    expect((await balance(p, b)).balance).toBe(0);
    expect(await history(p, b)).toHaveLength(0);
    // The adjustment account has no room left at all: a small credit is refused too, and a debit gives room back.
    const small = await p.api('POST', `/v1/members/${b}/adjustments`, { points: 1000, reason: 'no room' });
    expect(outOfRange(small)).toEqual([422, 'ledger.amount_out_of_range', 'points']);
    expect((await p.api('POST', `/v1/members/${a}/adjustments`, { points: -1000, reason: 'room' })).status).toBe(201);
    expect((await p.api('POST', `/v1/members/${b}/adjustments`, { points: 1000, reason: 'fits' })).status).toBe(201);
    expect((await balance(p, b)).balance).toBe(1000);
    await expectVerified(h, p.programId);
  });

  it('refuse a lifetime counter past the range though the balance is 0', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, MAX);
    expect((await p.api('POST', `/v1/members/${m}/adjustments`, { points: -MAX, reason: 'taken back' })).status).toBe(201);
    expect((await balance(p, m)).lifetime).toMatchObject({ earned: MAX, reversed: MAX });
    // Balance 0 and the adjustment account back at 0, but lifetime earned would read 2 × (2^53 − 1).
    const res = await p.api('POST', `/v1/members/${m}/adjustments`, { points: 1, reason: 'again' });
    expect(outOfRange(res)).toEqual([422, 'ledger.amount_out_of_range', 'points']);
    expect(await history(p, m)).toHaveLength(2);
    await expectVerified(h, p.programId);
  });
});

describe('transfers', () => {
  it('refuse a transfer the receiver cannot hold, moving nothing', async () => {
    const p = await h.program({ settings: { base_earning: { points: 1, per_amount: 1 } } });
    const rich = await enrol(p);
    const giver = await enrol(p);
    await credit(p, rich, MAX - 10);
    const earn = await p.api('POST', '/v1/events', { type: 'purchase', id: uniq('e'), member: { id: giver }, order_id: uniq('o'), amount: 50, currency: 'GBP' });
    expect(earn.status, JSON.stringify(earn.body)).toBe(201);
    const res = await p.api('POST', '/v1/transfers', { from_member_id: giver, to_member_id: rich, points: 11 });
    expect(outOfRange(res)).toEqual([422, 'ledger.amount_out_of_range', 'points']);
    expect((await balance(p, giver)).balance).toBe(50);
    expect((await balance(p, rich)).balance).toBe(MAX - 10);
    const fits = await p.api('POST', '/v1/transfers', { from_member_id: giver, to_member_id: rich, points: 10 });
    expect(fits.status, JSON.stringify(fits.body)).toBe(201);
    expect((await balance(p, rich)).balance).toBe(MAX);
    await expectVerified(h, p.programId);
  });
});

describe('events', () => {
  const buy = (m: string, amount: number) => ({ type: 'purchase', id: uniq('e'), member: { id: m }, order_id: uniq('o'), amount, currency: 'GBP' });

  it('refuse a purchase whose earned points would pass the range, recording neither the event nor its order', async () => {
    const p = await h.program({ settings: { base_earning: { points: 1000, per_amount: 1 } } });
    const m = await enrol(p);
    expect((await p.api('POST', '/v1/events', buy(m, 1))).status).toBe(201);
    // 1,000 points per minor unit of 2^53 − 1 is far past the range (the rules cap an award at 2^53 − 1, which
    // the member's 1,000 points already leave no room for).
    const e = buy(m, MAX);
    const res = await p.api('POST', '/v1/events', e);
    expect(outOfRange(res)).toEqual([422, 'ledger.amount_out_of_range', 'amount']);
    expect((await p.api('GET', `/v1/events/${e.id}`)).status).toBe(404);
    expect((await p.api('GET', `/v1/orders/${e.order_id}`)).status).toBe(404);
    expect((await balance(p, m)).balance).toBe(1000);
    await expectVerified(h, p.programId);
  });

  it('refuse a purchase that would take the issuance account past the range, each member’s balance fitting', async () => {
    const p = await h.program({ settings: { base_earning: { points: 1, per_amount: 1 } } });
    const a = await enrol(p);
    const b = await enrol(p);
    expect((await p.api('POST', '/v1/events', buy(a, MAX))).status).toBe(201);
    const res = await p.api('POST', '/v1/events', buy(b, MAX));
    expect(outOfRange(res)).toEqual([422, 'ledger.amount_out_of_range', 'amount']);
    expect((await balance(p, a)).balance).toBe(MAX);
    expect((await balance(p, b)).balance).toBe(0);
    await expectVerified(h, p.programId);
  });

  it('refuse only the batch slot that does not fit; the others apply', async () => {
    const p = await h.program({ settings: { base_earning: { points: 1, per_amount: 1 } } });
    const a = await enrol(p);
    const b = await enrol(p);
    await credit(p, a, MAX - 100);
    const events = [buy(b, 40), buy(a, 60), buy(a, 50), buy(b, 2)];
    const res = await p.api('POST', '/v1/events/batch', { events });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied', 'rejected', 'applied']);
    expect(res.body.results[2].error).toMatchObject({ status: 422, code: 'ledger.amount_out_of_range', field: 'events.2.amount' });
    expect((await balance(p, a)).balance).toBe(MAX - 40);
    expect((await balance(p, b)).balance).toBe(42);
    expect((await p.api('GET', `/v1/orders/${events[2]!.order_id}`)).status).toBe(404);
    await expectVerified(h, p.programId);
  });

});

describe('patron verify', () => {
  it('reports an account past the range as a finding instead of aborting, and checks every program', async () => {
    const { env } = installation();
    const db = await openDatabase(loadConfig(env));
    let broken: string;
    let fine: string;
    try {
      const services = createServices({ db });
      const ws = await services.programs.createWorkspace('bounds');
      broken = (await services.programs.createProgram(ws, { name: 'Broken', currency: 'EUR' })).id;
      fine = (await services.programs.createProgram(ws, { name: 'Fine', currency: 'EUR' })).id;
      // Ledger rows as an older Patron could write them: 1,025 credits of 2^53 − 1 (each member's balance
      // fits), whose issuance account totals more than int8 holds.
      const [issuance] = await db.query<{ id: number }>(
        `select id from accounts where program_id = $1 and owner = 'system' and kind = 'issuance' and currency = 'points'`,
        [broken],
      );
      await db.query(
        `with m as (
           insert into accounts (program_id, owner, kind, currency, balance, earned)
           select $1, 'mbr_' || lpad(i::text, 26, '0'), 'available', 'points', $2, $2 from generate_series(1, 1025) i
           returning id, owner
         ), t as (
           insert into transactions (program_id, id, type, bucket, member_id, currency, amount, occurred_at, created_at)
           select $1, 'txn_' || owner, 'adjustment', 'earned', owner, 'points', $2, now(), now() from m
         ), p as (
           insert into postings (program_id, txn_id, account_id, amount)
           select $1, 'txn_' || owner, id, $2 from m union all select $1, 'txn_' || owner, $3, -$2::bigint from m
         )
         insert into lots (program_id, account_id, member_id, currency, txn_id, amount, remaining, created_at)
         select $1, id, owner, 'points', 'txn_' || owner, $2, $2, now() from m`,
        [broken, MAX, issuance!.id],
      );
    } finally {
      await db.close();
    }
    const r = await patron(['verify', '--json'], env);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; programs: number; checks: { name: string; ok: boolean; examples: { program_id: string; owner: string; kind: string }[] }[] };
    expect(report.programs).toBeGreaterThanOrEqual(2);
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['amounts_in_range']);
    expect(failed[0]!.examples).toEqual([expect.objectContaining({ program_id: broken, owner: 'system', kind: 'issuance' })]);
    const only = json<{ ok: boolean }>(await patron(['verify', '--json', '--program', fine], env));
    expect(only.ok).toBe(true);
  });
});
