import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli, installation, json, ON_POSTGRES, patron, scratchDatabase, SECRET, serve, type Env, type Server } from '../../../test/cli.js';

// One installation, several processes on one PostgreSQL: a change made through server A (settings, rules,
// tiers, stamp cards, referral settings, a revoked key) must be in force on server B, in a worker applying
// events from NATS, and in a CLI command, within a second. Each check polls for the new behaviour for a few
// seconds rather than timing it. The worker part needs NATS with JetStream at NATS_URL (a stream of its own).
const NATS_URL = process.env.NATS_URL;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const children = new Set<ChildProcess>();
let stream: string | undefined;

if (!ON_POSTGRES) console.warn('programs.config.test.ts: the tests across processes run in the postgres project only (PGlite serves one process)');
else if (!NATS_URL) console.warn('programs.config.test.ts: the worker is left out: NATS_URL is not set');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uniq = (p: string) => `${p}-${randomBytes(5).toString('hex')}`;

/** Tries `fn` until it answers something other than undefined; gives up (and fails) after `ms`. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not seen within ${ms} ms`);
    await sleep(100);
  }
}

type Call = (method: string, path: string, body?: unknown, key?: string) => Promise<{ status: number; body: any }>;

let env: Env;
let a: Server;
let b: Server;
let key: string;
let programId: string;
let onA: Call;
let onB: Call;
/** Server C queues events on NATS; the worker applies them. */
let onC: Call | undefined;

function caller(server: Server): Call {
  return async (method, path, body, withKey = key) => {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${withKey}`,
        'patron-program': programId,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

const purchase = (member: string, amount = 1000) => ({
  type: 'purchase',
  id: uniq('ev'),
  member: { external_id: `shop:${member}` },
  order_id: uniq('o'),
  amount,
  currency: 'GBP',
});

/** An event through server B, answered with what it earned. */
async function viaB(event: Record<string, unknown>) {
  const res = await onB('POST', '/v1/events', event);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { points: Record<string, number>; outcomes?: { kind: string }[] };
}

/** An event through NATS and the worker, answered with what it earned once the worker has applied it. */
async function viaWorker(event: Record<string, unknown>) {
  const queued = await onC!('POST', '/v1/events', event);
  expect(queued.status, JSON.stringify(queued.body)).toBe(202);
  const applied = await eventually(
    'the worker to apply the event',
    async () => {
      const r = await onA('GET', `/v1/events/${String(event.id)}`);
      return r.status === 200 && r.body.result ? (r.body.result as { points: Record<string, number> }) : undefined;
    },
    60_000,
  );
  return applied;
}

beforeAll(async () => {
  if (!ON_POSTGRES) return;
  const databaseUrl = await scratchDatabase();
  env = installation({ databaseUrl }).env;
  a = await serve(env);
  key = SECRET.exec(a.output())![0];
  programId = /program (prg_[0-9a-z]+)/.exec(a.output())![1]!;
  b = await serve(env);
  onA = caller(a);
  onB = caller(b);
  if (NATS_URL) {
    stream = `PATRON_TEST_${randomBytes(4).toString('hex')}`;
    const natsEnv: Env = { ...env, NATS_URL, PATRON_STREAM: stream, PATRON_PARTITIONS: '2' };
    onC = caller(await serve({ ...natsEnv, PATRON_INGEST: 'nats' }));
    const worker = spawn(process.execPath, [join(ROOT, 'bin', 'patron.js'), 'worker', '--batch', '20'], { cwd: ROOT, env: natsEnv, stdio: 'ignore' });
    children.add(worker);
  }
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cleanupCli();
  if (!NATS_URL || !stream) return;
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  for (const name of [stream, `KV_${stream}_status`, `KV_${stream}_leases`]) await jsm.streams.delete(name).catch(() => false);
  await nc.close();
});

describe.runIf(ON_POSTGRES)('configuration across processes on one PostgreSQL', () => {
  it('a new earning rate set through one server is paid by another server, by a worker and by an import', async () => {
    // B and the worker have the program's configuration in memory already.
    expect((await viaB(purchase('rate'))).points).toEqual({ points: 10 });
    if (onC) expect((await viaWorker(purchase('rate-w'))).points).toEqual({ points: 10 });

    const patched = await onA('PATCH', `/v1/programs/${programId}`, { settings: { base_earning: { points: 3, per_amount: 100 } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);

    await eventually('server B paying the new rate', async () => ((await viaB(purchase('rate'))).points.points === 30 ? true : undefined));
    const settings = await onB('GET', `/v1/programs/${programId}`);
    expect(settings.body.settings.base_earning).toEqual({ points: 3, per_amount: 100 });
    if (onC) await eventually('the worker paying the new rate', async () => ((await viaWorker(purchase('rate-w'))).points.points === 30 ? true : undefined), 60_000);

    // A command started after the change runs with it too.
    const file = join(env.PATRON_DATA_DIR!, 'events.jsonl');
    const email = `${uniq('import')}@example.com`;
    writeFileSync(file, `${JSON.stringify({ ...purchase('import', 2000), member: { email } })}\n`);
    const summary = json<{ imported: number }>(await patron(['import', 'events', file, '--program', programId, '--rejects', join(env.PATRON_DATA_DIR!, 'rejects.csv'), '--json'], env));
    expect(summary.imported).toBe(1);
    const found = await onB('GET', `/v1/members?identity=${encodeURIComponent(`email:${email}`)}`);
    const member = (found.body.data as { id: string }[])[0]!;
    expect((await onB('GET', `/v1/members/${member.id}/balance`)).body.available).toBe(60);
  });

  it('a rule added and activated through one server pays on another and in the worker', async () => {
    const checkin = () => ({ type: 'store_checkin', id: uniq('ev'), member: { external_id: 'shop:rule' } });
    expect((await viaB(checkin())).points).toEqual({});
    const draft = await onA('POST', '/v1/rules', { name: 'Check-in bonus', trigger: 'store_checkin', effects: [{ type: 'fixed', points: 7 }] });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    expect((await onA('POST', `/v1/rules/${String(draft.body.id)}/activate`)).status).toBe(200);
    await eventually('server B paying the new rule', async () => ((await viaB(checkin())).points.points === 7 ? true : undefined));
    if (onC) await eventually('the worker paying the new rule', async () => ((await viaWorker(checkin())).points.points === 7 ? true : undefined), 60_000);
  });

  it('tiers, stamp cards and referral settings set through one server are used by another', async () => {
    expect((await viaB(purchase('tier'))).outcomes ?? []).toEqual([]);

    // Tiers: spend of 1p or more makes a member Silver.
    expect((await onA('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'calendar_year' }, grace_days: 0, soft_landing: false })).status).toBe(200);
    expect((await onA('POST', '/v1/tiers/levels', { name: 'Silver', threshold: 1 })).status).toBe(201);
    await eventually('server B upgrading on a purchase', async () => {
      const out = await viaB(purchase(uniq('tier')));
      return out.outcomes?.some((o) => o.kind === 'tier_changed') ? true : undefined;
    });

    // Stamp cards: a stamps currency, a rule that gives one per check-in, and a card of one stamp.
    expect((await onA('PATCH', `/v1/programs/${programId}`, { point_currencies: ['points', 'stamps'] })).status).toBe(200);
    const coffee = await onA('POST', '/v1/rewards', { name: 'Free coffee', kind: 'free_product', sku: 'COF', points_cost: 0 });
    expect(coffee.status, JSON.stringify(coffee.body)).toBe(201);
    const stampRule = await onA('POST', '/v1/rules', { name: 'A stamp a visit', trigger: 'store_checkin', status: 'active', effects: [{ type: 'fixed', points: 1, currency: 'stamps' }] });
    expect(stampRule.status, JSON.stringify(stampRule.body)).toBe(201);
    // B picks the rule up first, so the card below is what changes the answer.
    await eventually('server B giving stamps', async () => {
      const out = await viaB({ type: 'store_checkin', id: uniq('ev'), member: { external_id: uniq('shop:stamps') } });
      return out.points.stamps === 1 ? true : undefined;
    });
    expect((await onA('PUT', '/v1/stamp-cards/stamps', { goal: 1, reward_id: coffee.body.id })).status).toBe(200);
    await eventually('server B completing the stamp card', async () => {
      const out = await viaB({ type: 'store_checkin', id: uniq('ev'), member: { external_id: uniq('shop:stamps') } });
      return out.outcomes?.some((o) => o.kind === 'stamp_card_completed') ? true : undefined;
    });

    // Referrals: enabled through A with a reward for the referee's first purchase.
    const referrer = await onB('POST', '/v1/members', { email: `${uniq('r')}@example.com` });
    const code = (await onB('GET', `/v1/members/${String(referrer.body.id)}/referral`)).body.code as string;
    const settings = { condition: { min_amount: 0 }, referrer_reward: { points: 500 }, referee_reward: { points: 200 } };
    expect((await onA('PUT', '/v1/referrals/settings', settings)).status).toBe(200);
    await eventually('server B rewarding a referee', async () => {
      const referee = await onB('POST', '/v1/members', { email: `${uniq('e')}@example.com`, referral_code: code });
      expect(referee.status, JSON.stringify(referee.body)).toBe(201);
      const out = await viaB({ ...purchase('x'), member: { id: referee.body.id } });
      // 30 at the base rate (3 per £1, from the first test) and 200 for being referred.
      return out.points.points === 230 ? true : undefined;
    });
  });

  it('a key revoked through one server stops working on another', async () => {
    const made = await onA('POST', '/v1/keys', { name: 'till 7', scopes: ['server'] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const till = made.body.secret as string;
    // B has verified the key and holds it in memory.
    expect((await onB('GET', '/v1/members?limit=1', undefined, till)).status).toBe(200);
    expect((await onA('DELETE', `/v1/keys/${String(made.body.id)}`)).status).toBe(200);
    // Well past the promised second, and short of the 5 s that a server used to trust a key it had verified.
    const refused = await eventually(
      'server B refusing the revoked key',
      async () => {
        const r = await onB('GET', '/v1/members?limit=1', undefined, till);
        return r.status === 401 ? r : undefined;
      },
      3_000,
    );
    expect(refused.body).toMatchObject({ code: 'auth.revoked_key' });
  });
});
