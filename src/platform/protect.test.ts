import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, onPostgres, testDb, type Harness } from '../../test/harness.js';
import { enrol, uniq } from '../../test/fixtures.js';
import { cleanupCli, installation, ON_POSTGRES, patron, scratchDatabase, serve, SLOW } from '../../test/cli.js';
import { createApp, createServices } from '../main.js';
import { openDb, type Db } from './db.js';
import { createIds, type Ids } from './ids.js';
import { migrate } from './migrate.js';

// Item 2 and 9 of issue 11: what stands between the internet and the routes (headers, limits, CORS, load
// shedding) and what a client sees while the database is away. Each app here is a real one over a real
// database; the limits are set low where a test needs to reach them.

let db: Db;
let h: Harness;
beforeAll(async () => {
  db = await testDb();
  h = await harness({ db });
});
afterAll(async () => {
  await h.close();
  await db.close();
});

/** A well-formed token for a key id that does not exist. */
const unknownToken = () => `ptn_${'0'.repeat(10)}${Math.random().toString(36).slice(2, 18).padEnd(16, '0')}_${'ab'.repeat(32)}`;

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(res.body)).toMatchObject({ status, code });
}

describe('security headers', () => {
  it('an API response carries helmet’s headers and a CSP', async () => {
    const p = await h.program();
    const res = await h.app.inject({ method: 'GET', url: '/v1/members', headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    // An error answer is protected the same way.
    const refused = await h.app.inject({ method: 'GET', url: '/v1/members' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
  });

  it('/docs and every script and stylesheet it names load under its CSP, which allows them', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain('img-src');
    // Served over plain HTTP, an upgrade of every sub-request to https would leave the page without its assets.
    expect(csp).not.toContain('upgrade-insecure-requests');
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.filter((a) => a.endsWith('.js')).length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      // Same origin, so 'self' covers each (no inline script, no other host).
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, 'http://localhost/docs/').pathname;
      const res = await h.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(page.body).not.toMatch(/<script>(?!\s*<\/script>)/);
    // What the page's script then fetches: the document.
    const spec = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    expect(JSON.parse(spec.body)).toMatchObject({ openapi: '3.1.0' });
  });
});

describe('rate limits', () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await harness({ db, protect: { rateLimitPerMinute: 5, authFailuresPerMinute: 3 } });
  });
  afterAll(() => limited.close());

  it('an API key past its requests per minute gets 429 request.rate_limited with Retry-After; other keys go on', async () => {
    const p = await limited.program();
    const other = await limited.program();
    const call = (key: string, programId: string) =>
      limited.app.inject({ method: 'GET', url: '/v1/members', headers: { authorization: `Bearer ${key}`, 'patron-program': programId } });
    for (let i = 0; i < 5; i++) {
      const ok = await call(p.key, p.programId);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(4 - i));
    }
    const refused = await call(p.key, p.programId);
    expectProblem(refused, 429, 'request.rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await call(other.key, other.programId)).statusCode).toBe(200);
  });

  it('an address that failed to authenticate too often gets 429 auth.rate_limited; other addresses and its working key go on', async () => {
    const p = await limited.program();
    const fresh = await limited.program();
    const from = (remoteAddress: string, token?: string) =>
      limited.app.inject({
        method: 'GET',
        url: '/v1/programs',
        remoteAddress,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    // The shop's integration works from this address before the guessing starts.
    expect((await from('203.0.113.7', p.key)).statusCode).toBe(200);
    expectProblem(await from('203.0.113.7', unknownToken()), 401, 'auth.invalid_key');
    expectProblem(await from('203.0.113.7'), 401, 'auth.missing_key');
    expectProblem(await from('203.0.113.7', 'ptn_not-even-a-token'), 401, 'auth.invalid_key');
    const blocked = await from('203.0.113.7', unknownToken());
    expectProblem(blocked, 429, 'auth.rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Blocked before the token is even looked at, whatever it is…
    expectProblem(await from('203.0.113.7', fresh.key), 429, 'auth.rate_limited');
    // …except a key this server verified moments ago from there.
    expect((await from('203.0.113.7', p.key)).statusCode).toBe(200);
    // Another address is counted apart.
    expectProblem(await from('198.51.100.4', unknownToken()), 401, 'auth.invalid_key');
    expect((await from('198.51.100.4', fresh.key)).statusCode).toBe(200);
  });
});

/** The database, counting the reads of api_keys the app makes through it. */
function countingKeyReads(inner: Db): { db: Db; reads: () => number } {
  let reads = 0;
  const counted: Db = {
    ...inner,
    query: (text, params) => {
      if (/\bfrom api_keys\b/.test(text)) reads++;
      return inner.query(text, params);
    },
  };
  return { db: counted, reads: () => reads };
}

describe('unknown and revoked keys', () => {
  it('a guessed token is refused from memory after the first look: no read of api_keys each', async () => {
    const counting = countingKeyReads(db);
    const app = createApp(createServices({ db: counting.db }), { protect: { rateLimitPerMinute: 0, authFailuresPerMinute: 0, maxEventLoopDelayMs: 0 } });
    try {
      const guess = unknownToken();
      const before = counting.reads();
      for (let i = 0; i < 5; i++) expectProblem(await app.inject({ method: 'GET', url: '/v1/members', headers: { authorization: `Bearer ${guess}` } }), 401, 'auth.invalid_key');
      expect(counting.reads() - before).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('a revoked key is refused from memory after the first look; its id with another secret is just invalid', async () => {
    const counting = countingKeyReads(db);
    const services = createServices({ db: counting.db });
    const app = createApp(services, { protect: { rateLimitPerMinute: 0, authFailuresPerMinute: 0, maxEventLoopDelayMs: 0 } });
    try {
      const workspaceId = await services.programs.createWorkspace('revoked');
      const key = await services.programs.createKey({ workspaceId, programId: null, name: 'old', scopes: ['admin'] });
      await services.programs.revokeKey(key.id);
      const call = (token: string) => app.inject({ method: 'GET', url: '/v1/programs', headers: { authorization: `Bearer ${token}` } });
      const before = counting.reads();
      for (let i = 0; i < 4; i++) expectProblem(await call(key.secret), 401, 'auth.revoked_key');
      expect(counting.reads() - before).toBe(1);
      expectProblem(await call(key.secret.replace(/_[0-9a-f]{64}$/, `_${'cd'.repeat(32)}`)), 401, 'auth.invalid_key');
    } finally {
      await app.close();
    }
  });

  it('a key created with an id refused moments ago works at once', async () => {
    // The ids are the app's own, with one chosen in advance, so the test can ask for a key before it exists.
    const real = createIds();
    const chosen = real.next('key');
    let nextKey: string | undefined;
    const ids: Ids = { next: (prefix) => (prefix === 'key' && nextKey ? ((nextKey = undefined), chosen) : real.next(prefix)) };
    const services = createServices({ db, ids });
    const app = createApp(services, { protect: { rateLimitPerMinute: 0, authFailuresPerMinute: 0, maxEventLoopDelayMs: 0 } });
    try {
      const workspaceId = await services.programs.createWorkspace('chosen');
      const early = `ptn_${chosen.slice(4)}_${'ef'.repeat(32)}`;
      expectProblem(await app.inject({ method: 'GET', url: '/v1/programs', headers: { authorization: `Bearer ${early}` } }), 401, 'auth.invalid_key');
      nextKey = chosen;
      const key = await services.programs.createKey({ workspaceId, programId: null, name: 'new', scopes: ['admin'] });
      expect(key.id).toBe(chosen);
      const res = await app.inject({ method: 'GET', url: '/v1/programs', headers: { authorization: `Bearer ${key.secret}` } });
      expect(res.statusCode, res.body).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('a key made through the API works at once for its first call', async () => {
    const p = await h.program();
    const made = await p.api('POST', '/v1/keys', { name: uniq('checkout'), scopes: ['server'], program_id: p.programId });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const res = await p.raw('GET', '/v1/members', undefined, { authorization: `Bearer ${made.body.secret}` });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });
});

describe('backpressure', () => {
  it('a full ingest queue answers 503 server.busy with Retry-After and writes nothing', async () => {
    const small = await harness({ db, ingestQueueLimit: 2 });
    try {
      const p = await small.program();
      const member = await enrol(p);
      const event = (id: string) => ({ type: 'purchase', id, member: { id: member }, order_id: uniq('o'), amount: 1000, currency: 'GBP' });
      // The key and program are in memory now, so the requests below need the database only for their writes.
      expect((await p.api('GET', `/v1/members/${member}`)).status).toBe(200);
      // Hold the writes: on PGlite a transaction holds its only connection; on PostgreSQL a lock holds the events.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const holding = new Promise<void>((r) => (locked = r));
      const held = db.tx(async (q) => {
        if (onPostgres) await q.query('lock table events in exclusive mode');
        locked();
        await gate;
      });
      await holding;
      let first, second, third;
      const thirdId = uniq('evt');
      try {
        first = p.api('POST', '/v1/events', event(uniq('evt')));
        second = p.api('POST', '/v1/events', event(uniq('evt')));
        for (let i = 0; i < 500 && small.services.ingestQueue.size() < 2; i++) await new Promise((r) => setTimeout(r, 10));
        expect(small.services.ingestQueue.size()).toBe(2);
        third = await small.app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId },
          payload: event(thirdId),
        });
      } finally {
        release();
        await held;
      }
      expectProblem(third, 503, 'server.busy');
      expect(third.headers['retry-after']).toBe('1');
      expect((await first).status).toBe(201);
      expect((await second).status).toBe(201);
      expect((await p.api('GET', `/v1/events/${thirdId}`)).status).toBe(404);
      const bal = await p.api('GET', `/v1/members/${member}/balance`);
      expect(bal.body.available).toBe(20);
      // Once the queue has room again, the same event is taken.
      expect((await p.api('POST', '/v1/events', event(thirdId))).status).toBe(201);
    } finally {
      await small.close();
    }
  });

  it('a saturated event loop sheds requests with 503 server.busy and Retry-After', async () => {
    const busy = await harness({ db, protect: { maxEventLoopDelayMs: 400 } });
    try {
      const p = await busy.program();
      expect((await p.api('GET', '/v1/members')).status).toBe(200);
      const memory = () => (busy.app as unknown as { memoryUsage(): { eventLoopDelay: number } }).memoryUsage();
      // Saturate the loop as a flood of work would, every turn ~600 ms late, until a sample (each second) says so.
      let saw = false;
      for (let turn = 0; turn < 20 && !saw; turn++) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
        await new Promise((r) => setImmediate(r));
        saw = memory().eventLoopDelay > 400;
      }
      expect(saw).toBe(true);
      const id = uniq('evt');
      const member = `mbr_${'0'.repeat(26)}`;
      const res = await busy.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId },
        payload: { type: 'purchase', id, member: { id: member }, order_id: uniq('o'), amount: 1000, currency: 'GBP' },
      });
      expectProblem(res, 503, 'server.busy');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await busy.close();
    }
  });
});

describe('CORS', () => {
  const preflight = (app: Harness['app'], origin: string) =>
    app.inject({
      method: 'OPTIONS',
      url: '/v1/members',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,patron-program' },
    });

  it('is off by default: no browser origin is allowed', async () => {
    const p = await h.program();
    const res = await preflight(h.app, 'https://shop.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const get = await h.app.inject({ method: 'GET', url: '/v1/members', headers: { origin: 'https://shop.example', authorization: `Bearer ${p.key}`, 'patron-program': p.programId } });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows the configured origins, with Patron’s headers, and no others', async () => {
    const cors = await harness({ db, protect: { corsOrigins: ['https://shop.example', 'http://localhost:5173'] } });
    try {
      const p = await cors.program();
      const ok = await preflight(cors.app, 'https://shop.example');
      expect(ok.statusCode).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example');
      expect(String(ok.headers['access-control-allow-headers'])).toContain('patron-program');
      expect(String(ok.headers['access-control-allow-methods'])).toContain('POST');
      const get = await cors.app.inject({ method: 'GET', url: '/v1/members', headers: { origin: 'http://localhost:5173', authorization: `Bearer ${p.key}`, 'patron-program': p.programId } });
      expect(get.statusCode).toBe(200);
      expect(get.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      expect(String(get.headers['access-control-expose-headers'])).toContain('retry-after');
      const other = await preflight(cors.app, 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await cors.close();
    }
  });
});

/** A TCP hop in front of PostgreSQL that the test can cut and restore: the database going away and back. */
async function cuttableProxy(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => sock.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const cut = async () => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen();
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), cut, restore: listen, close: cut };
}

describe('the database unavailable', () => {
  /** What a client sees during the outage: every answer a 503 db.unavailable with Retry-After, never a 404 or 401. */
  async function duringOutage(app: Harness['app'], p: { key: string; programId: string }, unseen: { key: string; programId: string }) {
    const health = await app.inject({ method: 'GET', url: '/health' });
    expectProblem(health, 503, 'db.unavailable');
    expect(Number(health.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // A key and program already in memory: the read of members fails.
    const list = await app.inject({ method: 'GET', url: '/v1/members', headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId } });
    expectProblem(list, 503, 'db.unavailable');
    expect(list.headers['retry-after']).toBe('5');
    // A key this server has not seen yet cannot be checked: that is not "invalid".
    expectProblem(await app.inject({ method: 'GET', url: '/v1/members', headers: { authorization: `Bearer ${unseen.key}`, 'patron-program': unseen.programId } }), 503, 'db.unavailable');
    // A program this server has not loaded yet cannot be read: that is not "not found".
    expectProblem(await app.inject({ method: 'GET', url: '/v1/members', headers: { authorization: `Bearer ${p.key}`, 'patron-program': unseen.programId } }), 503, 'db.unavailable');
    // A write fails the same way, and so does an event.
    const write = await app.inject({
      method: 'POST',
      url: '/v1/members',
      headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId },
      payload: { email: `${uniq('m')}@example.com` },
    });
    expectProblem(write, 503, 'db.unavailable');
  }

  /** A program with a key the app used, and another program and key (same workspace) it has never seen. */
  async function twoPrograms(t: Harness) {
    const p = await t.program();
    expect((await p.api('GET', '/v1/members')).status).toBe(200);
    const program = await t.services.programs.createProgram(p.workspaceId, { name: 'unseen', currency: 'GBP' });
    const key = await t.services.programs.createKey({ workspaceId: p.workspaceId, programId: null, name: 'unseen', scopes: ['admin'] });
    return { p, unseen: { key: key.secret, programId: program.id } };
  }

  it.skipIf(onPostgres)('on PGlite, a closed database answers 503 db.unavailable, never a 404 or 401', async () => {
    const own = await openDb({});
    await migrate(own);
    const t = await harness({ db: own });
    try {
      const { p, unseen } = await twoPrograms(t);
      await own.close();
      await duringOutage(t.app, p, unseen);
    } finally {
      await t.close();
    }
  });

  it.skipIf(!onPostgres)('on PostgreSQL, a server that went away answers 503 db.unavailable, and recovers when it is back', async () => {
    const proxy = await cuttableProxy(new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'));
    const own = await openDb({ databaseUrl: proxy.url, poolSize: 3 });
    const t = await harness({ db: own });
    try {
      const { p, unseen } = await twoPrograms(t);
      await proxy.cut();
      await duringOutage(t.app, p, unseen);
      await proxy.restore();
      const health = await t.app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode, health.body).toBe(200);
      const back = await t.app.inject({ method: 'GET', url: '/v1/members', headers: { authorization: `Bearer ${unseen.key}`, 'patron-program': unseen.programId } });
      expect(back.statusCode, back.body).toBe(200);
    } finally {
      await t.close();
      await own.close();
      await proxy.close();
    }
  });
});

describe('patron serve takes the settings from the environment', () => {
  afterAll(() => cleanupCli());

  it('PATRON_CORS_ORIGINS, PATRON_RATE_LIMIT and PATRON_AUTH_FAILURE_LIMIT are in force; a bad origin stops it with a clear message', SLOW, async () => {
    // An empty database of its own, so the first start makes the admin key this test reads.
    const { env, dataDir } = installation({ databaseUrl: ON_POSTGRES ? await scratchDatabase() : undefined });
    const server = await serve({ ...env, PATRON_CORS_ORIGINS: 'https://shop.example', PATRON_RATE_LIMIT: '3', PATRON_AUTH_FAILURE_LIMIT: '2' });
    try {
      const key = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
      const preflight = await fetch(`${server.url}/v1/programs`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.url}/v1/programs`, { headers: { authorization: `Bearer ${key}` } })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const guesses: number[] = [];
      for (let i = 0; i < 3; i++) guesses.push((await fetch(`${server.url}/v1/programs`, { headers: { authorization: `Bearer ${unknownToken()}` } })).status);
      expect(guesses).toEqual([401, 401, 429]);
      const docs = await fetch(`${server.url}/docs`);
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
    } finally {
      await server.stop();
    }
    const refused = await patron(['serve', '--port', '0'], { ...env, PATRON_CORS_ORIGINS: 'shop.example' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('PATRON_CORS_ORIGINS takes origins such as https://shop.example, got "shop.example"');
  });
});
