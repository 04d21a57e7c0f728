/**
 * Analysis jobs and the periodic rounds across processes. Each "server" here is a set of services and an
 * HTTP app of its own; on PostgreSQL each has its own connection pool to one scratch database, as two
 * `patron serve` would, and on PGlite they share the one database a single process can open.
 *
 * Where a test needs a job to be seen mid-run, the server running it fits through a gate: the real fit (in
 * its worker thread) starts only once the test opens the gate, and the test knows when the job reached it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, createServices, type Services } from '../../main.js';
import { openDb, type Db } from '../../platform/db.js';
import { migrate } from '../../platform/migrate.js';
import { manualClock } from '../../platform/clock.js';
import type { App } from '../../platform/http.js';
import { createMaintenance } from '../../maintenance.js';
import { onPostgres, testDb, TEST_PROTECT } from '../../../test/harness.js';
import { cleanupCli, scratchDatabase } from '../../../test/cli.js';
import { cdnowEvents, syntheticPurchases, uniq } from '../../../test/fixtures.js';
import { createAnalyticsJobs } from './analytics.jobs.js';
import { fitInWorker, scoreMembers } from './analytics.clv.js';
import type { FitInput, FitOutput } from './analytics.fit.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const clock = manualClock('2026-07-10T08:00:00Z');

interface Server {
  db: Db;
  services: Services;
  app: App;
  call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** A fit that waits for the test: `reached` resolves when a job calls it, the real fit runs once `open()` is called. */
function gatedFit() {
  let open!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const arrived = new Promise<void>((r) => (reached = r));
  return {
    open,
    reached: arrived,
    fit: async (input: FitInput): Promise<FitOutput> => {
      reached();
      await gate;
      return fitInWorker(input);
    },
  };
}

const dbs: Db[] = [];
let url: string | undefined;
let first: Db;
/** A database handle as another process would have it: its own pool on PostgreSQL, the same PGlite otherwise. */
async function connection(): Promise<Db> {
  if (!onPostgres) return first;
  const db = await openDb({ databaseUrl: url, poolSize: 10 });
  dbs.push(db);
  return db;
}

let programId: string;
let secret: string;

async function server(opts: { fit?: (input: FitInput) => Promise<FitOutput>; leaseMs?: number } = {}): Promise<Server> {
  const db = await connection();
  const base = createServices({ db, clock });
  const services = { ...base, analyticsJobs: createAnalyticsJobs({ db, clock, ids: base.ids, log: base.log, leaseMs: opts.leaseMs, fit: opts.fit }) };
  const app = createApp(services, { protect: TEST_PROTECT });
  await app.ready();
  apps.push(app);
  return {
    db,
    services,
    app,
    async call(method, path, body) {
      const res = await app.inject({ method, url: path, headers: { authorization: `Bearer ${secret}`, 'patron-program': programId }, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
    },
  };
}
const apps: App[] = [];

/** A new program of 240 members buying at their own pace from July 2025 to June 2026 (seeded, the same every run). */
async function population(s: Server) {
  const ws = await s.services.programs.createWorkspace('jobs');
  programId = (await s.services.programs.createProgram(ws, { name: 'Jobs', currency: 'GBP', settings: { auto_enrol: true } })).id;
  secret = (await s.services.programs.createKey({ workspaceId: ws, programId: null, name: 'admin', scopes: ['admin'] })).secret;
  const events = syntheticPurchases();
  for (let i = 0; i < events.length; i += 1000) {
    const res = await s.call('POST', '/v1/events/batch', { events: events.slice(i, i + 1000) });
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
  }
}

const scoreRows = async (db: Db, jobId: string) =>
  Number((await db.query<{ n: number }>(`select count(*)::int as n from member_scores where program_id = $1 and job_id = $2`, [programId, jobId]))[0]!.n);

beforeAll(async () => {
  if (onPostgres) {
    url = await scratchDatabase();
    first = await openDb({ databaseUrl: url, poolSize: 10 });
    dbs.push(first);
    await migrate(first);
  } else first = await testDb();
});
afterAll(async () => {
  for (const app of apps) await app.close();
  if (!onPostgres) await first.close();
  for (const db of dbs) await db.close();
  await cleanupCli();
});

describe('analysis jobs shared by two servers on one database', () => {
  it('a job one server runs is seen running by the other, which neither fails it nor starts a second; other requests go on meanwhile', async () => {
    const gate = gatedFit();
    // A short lease, renewed while the job waits: the other server must see it held, not lapsed.
    const a = await server({ fit: gate.fit, leaseMs: 6000 });
    const b = await server();
    await population(a);

    const started = await a.call('POST', '/v1/analytics/clv', { as_of: '2026-07-01' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = started.body.id as string;
    await gate.reached;
    const leaseOf = async () => (await a.db.query<{ lease_until: Date }>(`select lease_until from analytics_jobs where id = $1`, [id]))[0]!.lease_until.getTime();
    const leased = await leaseOf();
    while ((await leaseOf()) <= leased) await new Promise((r) => setTimeout(r, 50));

    const seen = await b.call('GET', `/v1/analytics/jobs/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id, status: 'running', error: null, progress: { step: 'fitting the models' } });
    expect((await b.call('GET', '/v1/analytics/jobs?kind=clv')).body.jobs.map((j: { id: string; status: string }) => [j.id, j.status])).toEqual([[id, 'running']]);
    // The same ask through the other server is the same job; another ask waits its turn.
    const same = await b.call('POST', '/v1/analytics/clv', { as_of: '2026-07-01' });
    expect(same.status).toBe(202);
    expect(same.body).toMatchObject({ id, status: 'running', cached: false });
    const other = await b.call('POST', '/v1/analytics/clv', { as_of: '2026-06-01' });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: 'analytics.job_running', job_id: id });

    // The job holds no transaction while it fits (on PGlite that would hold the only connection).
    const bought = await b.call('POST', '/v1/events', { type: 'purchase', id: uniq('e'), member: { external_id: 'shop:late' }, order_id: uniq('o'), amount: 900, currency: 'GBP', occurred_at: '2026-07-02T10:00:00Z' });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect((await a.call('GET', '/health')).status).toBe(200);

    gate.open();
    await a.services.analyticsJobs.idle();
    const done = await b.call('GET', `/v1/analytics/jobs/${id}`);
    expect(done.body).toMatchObject({ status: 'succeeded', current: true, scores: 'kept', result: { members_scored: 240 } });
    const scores = await b.call('GET', '/v1/analytics/clv?limit=1');
    expect(scores.body).toMatchObject({ job_id: id, current: true });
    expect(await scoreRows(b.db, id)).toBe(240);
  });

  it('two servers asked for the same fit at once start one job between them', async () => {
    const a = await server();
    const b = await server();
    await population(a);
    const [x, y] = await Promise.all([a.call('POST', '/v1/analytics/clv', { as_of: '2026-07-01' }), b.call('POST', '/v1/analytics/clv', { as_of: '2026-07-01' })]);
    expect([x.status, y.status]).toEqual([expect.any(Number), expect.any(Number)]);
    expect(y.body.id).toBe(x.body.id);
    await Promise.all([a.services.analyticsJobs.idle(), b.services.analyticsJobs.idle()]);
    const jobs = (await a.call('GET', '/v1/analytics/jobs')).body.jobs;
    expect(jobs.map((j: { id: string; status: string }) => [j.id, j.status])).toEqual([[x.body.id, 'succeeded']]);
  });

  it('a job whose server died holding the lease is failed as interrupted and taken over by another server', async () => {
    const gate = gatedFit();
    // A lease of an hour, never renewed in this test: the server "dies" when the test makes its lease run out.
    const dead = await server({ fit: gate.fit, leaseMs: 3_600_000 });
    const b = await server();
    await population(dead);
    const started = await dead.call('POST', '/v1/analytics/clv', { as_of: '2026-07-01' });
    const lost = started.body.id as string;
    await gate.reached;
    expect((await b.call('GET', `/v1/analytics/jobs/${lost}`)).body.status).toBe('running');
    await b.db.query(`update analytics_jobs set lease_until = now() - interval '1 second' where id = $1`, [lost]);

    const failed = await b.call('GET', `/v1/analytics/jobs/${lost}`);
    expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'analytics.job_interrupted' } });
    const again = await b.call('POST', '/v1/analytics/clv', { as_of: '2026-07-01' });
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(lost);
    await b.services.analyticsJobs.idle();
    const taken = (await b.call('GET', `/v1/analytics/jobs/${again.body.id}`)).body;
    expect(taken, JSON.stringify(taken.error)).toMatchObject({ status: 'succeeded', current: true });

    // The dead server's work, should it wake up, is dropped: its job stays failed and its rows are deleted.
    gate.open();
    await dead.services.analyticsJobs.idle();
    expect((await b.call('GET', `/v1/analytics/jobs/${lost}`)).body).toMatchObject({ status: 'failed', error: { code: 'analytics.job_interrupted' }, scores: 'discarded' });
    expect((await b.call('GET', '/v1/analytics/clv?limit=1')).body.job_id).toBe(again.body.id);
    expect(await scoreRows(b.db, lost)).toBe(0);
    expect(await scoreRows(b.db, again.body.id)).toBe(240);
  });
});

describe('scores record their job and model; a past fit is its own result', () => {
  it('a fit for a past as_of is kept beside the daily refit, never replaced by it, and a cached answer says whether its scores are current', async () => {
    const s = await server();
    await population(s);
    const past = await s.call('POST', '/v1/analytics/clv', { as_of: '2026-05-01', horizon_months: 6 });
    expect(past.status).toBe(202);
    await s.services.analyticsJobs.idle();
    const pastDone = (await s.call('GET', `/v1/analytics/jobs/${past.body.id}`)).body;
    expect(pastDone, JSON.stringify(pastDone.error)).toMatchObject({ status: 'succeeded', current: true, scores: 'kept' });
    expect((await s.call('GET', '/v1/analytics/clv?limit=1')).body).toMatchObject({ job_id: past.body.id, current: true });

    // The daily refit scores the data before today: later data, so its scores become the current ones.
    const [daily] = await s.services.analyticsJobs.refreshDaily({ programId });
    expect(daily).toMatchObject({ program_id: programId, status: 'succeeded' });
    const current = await s.call('GET', '/v1/analytics/clv?limit=1');
    expect(current.body).toMatchObject({ job_id: daily!.job_id, current: true, params: { as_of: '2026-07-10T00:00:00.000Z', model: 'bgnbd' } });
    const rows = await s.db.query<{ job_id: string; model: string; as_of: Date; n: number }>(
      `select job_id, model, as_of, count(*)::int as n from member_scores where program_id = $1 group by 1, 2, 3 order by as_of`,
      [programId],
    );
    expect(rows.map((r) => [r.job_id, r.model, r.as_of.toISOString()])).toEqual([
      [past.body.id, 'bgnbd', '2026-05-01T00:00:00.000Z'],
      [daily!.job_id, 'bgnbd', '2026-07-10T00:00:00.000Z'],
    ]);

    // Asking again for the past fit answers it from the cache, and says its scores are not the current ones.
    const cached = await s.call('POST', '/v1/analytics/clv', { as_of: '2026-05-01', horizon_months: 6 });
    expect(cached.status).toBe(200);
    expect(cached.body).toMatchObject({ id: past.body.id, cached: true, current: false, scores: 'kept' });
    const own = await s.call('GET', `/v1/analytics/clv?job=${past.body.id}&limit=1000`);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ job_id: past.body.id, current: false });
    expect(own.body.members.length).toBeGreaterThan(0);

    // The next day's refit replaces the day before's, not the past fit.
    clock.advance(86_400_000);
    const [next] = await s.services.analyticsJobs.refreshDaily({ programId });
    expect(next!.job_id).not.toBe(daily!.job_id);
    expect((await s.call('GET', '/v1/analytics/clv?limit=1')).body.job_id).toBe(next!.job_id);
    expect((await s.call('GET', `/v1/analytics/jobs/${daily!.job_id}`)).body.scores).toBe('discarded');
    expect(await scoreRows(s.db, daily!.job_id)).toBe(0);
    expect((await s.call('POST', '/v1/analytics/clv', { as_of: '2026-05-01', horizon_months: 6 })).body).toMatchObject({ id: past.body.id, cached: true, current: false });
    // The day's default asked for through the API is the refit's answer, and it is current.
    expect((await s.call('POST', '/v1/analytics/clv', {})).body).toMatchObject({ id: next!.job_id, cached: true, current: true });
    clock.set('2026-07-10T08:00:00Z');
  });
});

describe('maintenance and the daily refit run in one process at a time', () => {
  it('two servers running the daily refit at once: one fits, the other skips; two maintenance rounds at once: one runs', async () => {
    const gate = gatedFit();
    const a = await server({ fit: gate.fit });
    const b = await server();
    await population(a);
    const hour = { everyMs: 3_600_000 };
    const ma = createMaintenance(a.services, a.services.log, hour);
    const mb = createMaintenance(b.services, b.services.log, hour);

    const running = ma.dailyRefit();
    await gate.reached;
    const skipped = await mb.dailyRefit();
    expect(skipped).toMatchObject({ ran: false, reason: onPostgres ? 'busy' : 'recent', owner: ma.owner });
    gate.open();
    const ran = await running;
    expect(ran.ran).toBe(true);
    // Every program with purchases has one daily fit of today's, made by the one server.
    const daily = await a.db.query<{ program_id: string; n: number }>(
      `select program_id, count(*)::int as n from analytics_jobs where origin = 'daily' and params ->> 'as_of' = '2026-07-10T00:00:00.000Z' group by 1 order by 1`,
    );
    expect(daily.map((d) => d.program_id)).toContain(programId);
    expect(daily.map((d) => d.n)).toEqual(daily.map(() => 1));
    if (ran.ran) for (const done of ran.value) expect(daily.map((d) => d.program_id)).toContain(done.program_id);
    expect(await mb.dailyRefit()).toMatchObject({ ran: false, reason: 'recent' });

    const rounds = await Promise.all([ma.maintenance(), mb.maintenance()]);
    expect(rounds.filter((r) => r.ran)).toHaveLength(1);
    const runs = await a.db.query<{ name: string; runs: number }>(`select name, runs::int as runs from maintenance_rounds order by name`);
    expect(runs).toEqual([
      { name: 'analytics.daily', runs: 1 },
      { name: 'maintenance', runs: 1 },
    ]);
  });
});

describe('the fit runs beside the event loop', () => {
  it('while a CDNOW fit runs, the server answers /health and the job is still fitting when the answer comes', async () => {
    const s = await server();
    const ws = await s.services.programs.createWorkspace('cdnow');
    programId = (await s.services.programs.createProgram(ws, { name: 'CDNOW', currency: 'USD', settings: { auto_enrol: true } })).id;
    secret = (await s.services.programs.createKey({ workspaceId: ws, programId: null, name: 'admin', scopes: ['admin'] })).secret;
    // CDNOW_sample.txt (datasets/README.md): master_id sample_id yyyymmdd cds dollars, one purchase a line.
    const events = cdnowEvents(readFileSync(join(ROOT, 'datasets', 'cdnow', 'CDNOW_sample.txt'), 'utf8'));
    for (let i = 0; i < events.length; i += 1000) expect((await s.call('POST', '/v1/events/batch', { events: events.slice(i, i + 1000) })).status).toBe(200);

    const started = await s.call('POST', '/v1/analytics/clv', { as_of: '1997-10-01', model: 'paretonbd' });
    expect(started.status).toBe(202);
    const job = () => s.call('GET', `/v1/analytics/jobs/${started.body.id}`).then((r) => r.body);
    let seen = await job();
    while (seen.status !== 'succeeded' && seen.progress.step !== 'fitting the models') {
      await new Promise((r) => setTimeout(r, 10));
      seen = await job();
    }
    expect(seen.status).toBe('running');
    const health = await s.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    // The answer came while the fit was still going: the job had not moved on to writing the scores.
    expect(await job()).toMatchObject({ status: 'running', progress: { step: 'fitting the models' } });

    await s.services.analyticsJobs.idle();
    expect(await job()).toMatchObject({ status: 'succeeded', result: { members_scored: 2357, model: 'paretonbd' } });
    const made = await s.db.query<{ model: string; n: number }>(`select model, count(*)::int as n from member_scores where program_id = $1 and job_id = $2 group by 1`, [programId, started.body.id]);
    expect(made).toEqual([{ model: 'paretonbd', n: 2357 }]);

    // The scores go in batches, each written (and visible to everyone) before the next: no transaction holds
    // them all. Reading the rows from the progress report after each batch sees exactly what was reported.
    const probe = 'job_batches_probe';
    const batches: [number, number][] = [];
    await scoreMembers(s.db, {
      programId,
      jobId: probe,
      asOf: new Date('1997-10-01T00:00:00Z'),
      since: null,
      model: 'bgnbd',
      horizonMonths: 12,
      annualDiscountRate: 0.1,
      now: clock.now(),
      postgres: onPostgres,
      checkpoint: () => {},
      fit: fitInWorker,
      progress: async (step, done) => {
        if (step === 'scoring members' && done) batches.push([done, await scoreRows(s.db, probe)]);
      },
    });
    // PGlite writes 1,000 rows a statement, PostgreSQL 5,000.
    expect(batches).toEqual(onPostgres ? [[2357, 2357]] : [[1000, 1000], [2000, 2000], [2357, 2357]]);
    await s.db.query(`delete from member_scores where job_id = $1`, [probe]);
  }, 180_000);
});
