import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from './harness.js';
import { operations, requestFor, type Known, type Operation } from './fuzz.js';
import { verifyLedger } from '../src/modules/ledger/ledger.verify.js';
import { pgArray } from '../src/platform/db.js';

/**
 * Every operation of /openapi.json gets requests built from its own schemas, often broken on purpose. Whatever
 * comes in, Patron answers below 500, every error is problem+json with a stable code and its status, and the
 * ledger stays consistent. FUZZ_RUNS (requests per operation) and FUZZ_SEED replay a run; `npm run fuzz` runs long
 * with a random seed.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
// The suite replays one fixed seed, so a red run can be rerun as it was; `npm run fuzz` draws a new one each time.
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261206);

let h: Harness;
let p: TestProgram;
let ops: Operation[];
const known: Known = {};

function remember(name: string, id: unknown, res?: { status: number; body: unknown }) {
  if (typeof id === 'string' && id) (known[name] ??= []).push(id);
  else if (res) console.warn(`fuzz seed for ${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
}

beforeAll(async () => {
  h = await harness();
  p = await h.program({ point_currencies: ['points', 'stamps'] });
  const doc = JSON.parse((await h.app.inject({ method: 'GET', url: '/openapi.json' })).body);
  ops = operations(doc);

  // Real rows for the path ids, so that generated requests reach the handlers and the database.
  remember('program_id', p.programId);
  remember('currency', 'stamps');
  const reward = await p.api('POST', '/v1/rewards', { name: 'Coffee', kind: 'free_product', sku: 'COF', points_cost: 100, stock: 50 });
  remember('reward_id', reward.body?.id, reward);
  await p.api('PUT', '/v1/tiers/scheme', { metric: 'points_earned', window: { type: 'rolling', months: 12 } });
  const level = await p.api('POST', '/v1/tiers/levels', { name: 'Gold', threshold: 1000, benefits: { multiplier_bp: 15000 } });
  remember('level_id', level.body?.id, level);
  const rule = await p.api('POST', '/v1/rules', { name: 'Signup', trigger: 'signup', effects: [{ type: 'fixed', points: 10 }] });
  remember('rule_id', rule.body?.id, rule);
  const segment = await p.api('POST', '/v1/analytics/segments', { name: 'Buyers', conditions: { all: [{ field: 'total_spent', op: 'gt', value: 0 }] } });
  remember('segment_id', segment.body?.id, segment);
  const journey = await p.api('POST', '/v1/journeys', { name: 'Fuzz', definition: { trigger: { type: 'event', event_type: 'signup' }, start: 'a', steps: [{ id: 'a', type: 'exit' }] } });
  remember('journey_id', journey.body?.id, journey);
  await p.api('PUT', '/v1/referrals/settings', { referrer_reward: { points: 100 }, referee_reward: { points: 50 } });
  for (let i = 0; i < 3; i++) {
    const email = `fuzz${i}@example.com`;
    const m = await p.api('POST', '/v1/members', { email, first_name: `Fuzz ${i}` });
    remember('member_id', m.body?.id, m);
    const order = `ord-fuzz-${i}`;
    const ev = await p.api('POST', '/v1/events', {
      type: 'purchase',
      id: `evt-fuzz-${i}`,
      order_id: order,
      member: { id: m.body.id },
      amount: 12_000,
      currency: 'GBP',
      lines: [{ sku: 'COF', quantity: 2, unit_price: 6_000 }],
    });
    remember('event_id', `evt-fuzz-${i}`);
    remember('order_id', order);
    remember('txn_id', ev.body?.transactions?.[0]?.id ?? ev.body?.transaction?.id);
    const hold = await p.api('POST', `/v1/members/${m.body.id}/holds`, { points: 10 });
    remember('hold_id', hold.body?.id, hold);
    const red = await p.api('POST', `/v1/members/${m.body.id}/reward-redemptions`, { reward_id: reward.body.id, mode: 'reserve' });
    remember('redemption_id', red.body?.id, red);
    const txns = await p.api('GET', `/v1/members/${m.body.id}/transactions`);
    for (const t of txns.body?.data ?? []) remember('txn_id', t.id);
    const ref = await p.api('GET', `/v1/members/${m.body.id}/referral`);
    remember('code', ref.body?.code);
    if (i > 0) {
      const friend = await p.api('POST', '/v1/members', { email: `friend${i}@example.com` });
      const referral = await p.api('POST', '/v1/referrals', { referee: { id: friend.body?.id }, code: known.code?.[0] });
      remember('referral_id', referral.body?.id, referral);
    }
  }
  // The co-purchase model, so that its item route finds the sku the orders carried.
  await p.api('POST', '/v1/recommendations/refresh', { min_support: 1 });
  remember('sku', 'COF');
  const coupon = await p.api('POST', `/v1/rewards/${reward.body.id}/codes`, { codes: ['FUZZ-1', 'FUZZ-2'] });
  if (coupon.status < 300) remember('code', 'FUZZ-1');
  const job = await p.api('POST', '/v1/analytics/clv', {});
  remember('job_id', job.body?.id ?? job.body?.job?.id);
  const upload = await h.app.inject({ method: 'POST', url: '/v1/imports?name=fuzz.csv&kind=members', headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId, 'content-type': 'text/csv' }, payload: 'email\nimp.fuzz@example.com\n' });
  remember('import_id', (JSON.parse(upload.body) as { id?: string }).id, { status: upload.statusCode, body: upload.body });
  const staff = await p.raw('POST', '/v1/staff', { email: 'fuzz.staff@example.com', role: 'support', program_ids: null }, { authorization: `Bearer ${p.key}` });
  remember('staff_id', staff.body?.staff?.id, staff);
  const mjml = '<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ member.first_name }}</mj-text></mj-column></mj-section></mj-body></mjml>';
  const tpl = await p.api('POST', '/v1/templates', { name: 'Fuzz', channel: 'email', variants: { en: { subject: 'Hi', mjml } } });
  remember('template_id', tpl.body?.id, tpl);
  const sent = await p.api('POST', `/v1/templates/${String(tpl.body?.id)}/test-send`, { to: 'fuzz@example.com' });
  remember('message_id', sent.body?.id, sent);
  // Never hand the fuzzer the key it calls with: deleting it would end the run.
  known.key_id = ['key_' + '0'.repeat(26)];
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe(`the API under fuzzed requests (seed ${SEED}, ${RUNS} per operation)`, () => {
  it('seeds real rows for most path parameters', () => {
    const names = new Set(ops.flatMap((o) => o.parameters.filter((x) => x.in === 'path').map((x) => x.name)));
    const missing = [...names].filter((n) => !known[n]?.length && n !== 'key_id');
    expect(missing).toEqual([]);
  });

  it('answers every operation below 500, errors as problem+json with a code, and the ledger stays consistent', async () => {
    const auth = { authorization: `Bearer ${p.key}`, 'patron-program': p.programId };
    const failures = new Map<string, string>(); // one example per operation, status and code
    let sent = 0;
    for (const op of ops) {
      await fc.assert(
        fc.asyncProperty(requestFor(op, known, auth), async (req) => {
          sent++;
          const res = await h.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload });
          const type = String(res.headers['content-type'] ?? '');
          let body: any;
          try {
            body = res.body ? JSON.parse(res.body) : undefined;
          } catch {
            body = res.body;
          }
          const { authorization: _a, 'patron-program': _p, ...odd } = req.headers;
          const what = `${op.operationId}: ${req.method} ${req.url.slice(0, 120)} ${Object.keys(odd).length ? JSON.stringify(odd) : ''} ${String(req.payload).slice(0, 160)} → ${res.statusCode} ${type} ${res.body.slice(0, 200)}`;
          const kind = `${res.statusCode} ${typeof body?.code === 'string' ? body.code : ''} ${res.statusCode >= 500 ? op.operationId : ''}`;
          if (res.statusCode >= 500) {
            if (!failures.has(kind)) failures.set(kind, what);
          } else if (res.statusCode >= 400) {
            if (!type.startsWith('application/problem+json') || typeof body?.code !== 'string' || body.status !== res.statusCode) {
              if (!failures.has(kind)) failures.set(kind, 'not a problem: ' + what);
            }
          }
          return true;
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    }
    expect([...failures.values()].slice(0, 40), `seed ${SEED}: ${failures.size} kinds of failure`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(ops.length * Math.min(RUNS, 1));
    // The ledgers of the fuzzed workspace's programs (the fuzzer makes programs too), not the whole database: on
    // PostgreSQL the suite's files share one, and ledger.bounds.test.ts leaves an account out of range on purpose.
    const programs = (await p.api('GET', '/v1/programs')).body.data.map((x: { id: string }) => x.id) as string[];
    expect(programs).toContain(p.programId);
    const reports = await Promise.all(programs.map((id) => verifyLedger(h.db, id)));
    const report = { ok: reports.every((r) => r.ok), checks: reports.flatMap((r) => r.checks) };
    // When the ledger is off, the biggest movements usually say which request did it.
    const biggest = report.ok
      ? []
      : await h.db.query(
          `select t.type, t.order_id, t.metadata, p.amount::text as amount from postings p
           join transactions t on t.program_id = p.program_id and t.id = p.txn_id
           where p.program_id = any($1::text[]) order by abs(p.amount) desc limit 10`,
          [pgArray(programs)],
        );
    expect(report.ok, JSON.stringify({ failed: report.checks.filter((c: { ok: boolean }) => !c.ok), biggest })).toBe(true);
  }, 600_000);
});
