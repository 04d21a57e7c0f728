/**
 * `npm run bench`: ingestion throughput and latency of a real Patron server, one JSON line per figure.
 *
 * The server runs as a child process (`patron serve`) on the configured database: PGlite in a temporary
 * directory, or — with DATABASE_URL — a fresh database `patron_bench` on that PostgreSQL server. The load
 * comes from autocannon in this process. With PostgreSQL and `pgbench` on the PATH, pgbench's TPC-B runs on
 * the same server in the same run (database `patron_pgbench`) as the yardstick, and the ratios are printed.
 *
 * Settings: BENCH_SECONDS (per phase, default 10), BENCH_MEMBERS (default 2000), BENCH_BATCH (events per
 * batch request, default 500), BENCH_RULES (active earning rules in the program, default 0; 50 is the figure
 * the rules issue asks for).
 *
 * The `analytics` phase (PostgreSQL only, not in the default list: it takes minutes) builds a synthetic
 * program in a fresh database `patron_bench_analytics` (bench/analytics.gen.ts: BENCH_ANALYTICS_MEMBERS
 * members, default 1,000,000, with about ten purchases each; BENCH_ANALYTICS_SEED, default 1), then times,
 * through the service layer, the program KPIs, RFM, first-purchase cohorts and the lifetime-value job (BG/NBD
 * and Gamma-Gamma fit and scoring of every member), each next to a warm sequential scan of the orders
 * (`select count(*), sum(amount)`) in the same run. BENCH_KEEP=1 keeps the database, and a later run with the
 * same seed and size uses it again instead of generating.
 *
 * The `console` phase (bench/console.ts) drives Chromium through the admin console on the demo data on PGlite:
 * the initial JavaScript of sign-in + dashboard (gzipped) and the time until the dashboard's KPI cards show.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, sleep } from './util.js';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createServices } from '../src/main.js';
import { openPostgres } from '../src/platform/db.js';
import { migrate } from '../src/platform/migrate.js';
import { benchProgramName, generateAnalyticsProgram } from './analytics.gen.js';
import { consolePhase } from './console.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 2000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const RULES = Number(process.env.BENCH_RULES ?? 0);
/** Which phases run (comma-separated); default all. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'import,single,rate,reads,batch,nats,pgbench,console').split(',').map((p) => p.trim()));
const baseUrl = process.env.DATABASE_URL?.trim() || undefined;
const dbKind = baseUrl ? 'postgres' : 'pglite';
const runId = Date.now().toString(36);

function emit(figure: Record<string, unknown>) {
  process.stdout.write(JSON.stringify({ db: dbKind, rules: RULES, ...figure }) + '\n');
}

function note(msg: string) {
  process.stderr.write(`bench: ${msg}\n`);
}

/** The same server and credentials as `url`, another database. */
function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function recreateDatabase(url: string, name: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists ${name} with (force)`);
    await sql.unsafe(`create database ${name}`);
  } finally {
    await sql.end();
  }
}

async function dropDatabase(url: string, name: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await sql.end();
  }
}


interface Server {
  url: string;
  adminKey: string;
  child: ChildProcess;
}

async function startServer(dataDir: string, databaseUrl: string | undefined, extraEnv: NodeJS.ProcessEnv = {}): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extraEnv,
    PORT: String(port),
    HOST: '127.0.0.1',
    PATRON_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    PATRON_JOBS_INTERVAL: '0',
    PATRON_DB_POOL: process.env.PATRON_DB_POOL ?? '16',
    // The bench measures capacity with one key at full load: the per-key limit is kept (its cost is measured)
    // but set out of reach, and load shedding is off so an overloaded moment is measured, not refused.
    PATRON_RATE_LIMIT: process.env.PATRON_RATE_LIMIT ?? '1000000000',
    PATRON_MAX_EVENT_LOOP_DELAY: process.env.PATRON_MAX_EVENT_LOOP_DELAY ?? '0',
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=prof") profiles the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, resolve('bin/patron.js'), 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const keyFile = join(dataDir, 'admin-key');
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`patron serve exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok && existsSync(keyFile)) return { url, adminKey: readFileSync(keyFile, 'utf8').trim(), child };
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('patron serve did not come up within 60 s');
}

/** The server's peak resident memory so far (Linux), in MiB. */
function peakRssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

async function stop(s: Server) {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

async function call(s: Server, programId: string | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/json' };
  if (programId) headers['patron-program'] = programId;
  const res = await fetch(s.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

let seq = 0;
function purchase(member: number) {
  seq++;
  const pence = 500 + ((seq * 7919) % 20000);
  return {
    type: 'purchase',
    id: `b-${runId}-${seq}`,
    member: { external_id: `shop:${member}` },
    order_id: `o-${runId}-${seq}`,
    amount: pence,
    currency: 'GBP',
    channel: 'web',
    lines: [{ sku: `sku-${seq % 300}`, category: `cat-${seq % 30}`, quantity: 1 + (seq % 3), unit_price: Math.floor(pence / (1 + (seq % 3))) }],
  };
}

/**
 * A mix of the rules brands run: channel and store promotions, category and SKU bonuses, thresholds, capped
 * bonuses, multipliers for tagged members, history conditions and exclusive campaigns. Most do not fire on a
 * given purchase, as in a real program; every one is evaluated.
 */
function benchRule(i: number) {
  const base = { name: `Bench rule ${i}`, trigger: 'purchase', status: 'active', priority: i };
  switch (i % 8) {
    case 0:
      return { ...base, conditions: { field: 'event.channel', op: 'eq', value: i % 16 ? 'app' : 'web' }, effects: [{ type: 'fixed', points: 5 }] };
    case 1:
      return { ...base, effects: [{ type: 'per_amount', points: 1, per_amount: 100, lines: { category: [`cat-${i % 30}`] } }] };
    case 2:
      return { ...base, effects: [{ type: 'threshold', min_amount: 15000 + i * 10, points: 50 }] };
    case 3:
      return { ...base, effects: [{ type: 'fixed', points: 10 }], limits: { per_member: [{ period: 'day', points: 20 }] } };
    case 4:
      return { ...base, conditions: { field: 'member.tags', op: 'contains', value: 'vip' }, effects: [{ type: 'multiplier', multiplier_bp: 15000 }] };
    case 5:
      return { ...base, conditions: { field: 'history.first_purchase', op: 'eq', value: true }, effects: [{ type: 'fixed', points: 100 }] };
    case 6:
      return {
        ...base,
        conditions: { any: [{ field: 'event.store_id', op: 'eq', value: `store-${i}` }, { field: 'event.amount', op: 'gte', value: 19000 }] },
        effects: [{ type: 'fixed', points: 25 }],
        stacking: 'exclusive',
        group: 'campaign',
      };
    default:
      return { ...base, effects: [{ type: 'per_amount', points: 1, per_amount: 100, lines: { sku: [`sku-${i % 300}`] } }], limits: { budget: { points: 1_000_000 } } };
  }
}

function load(
  s: Server,
  programId: string,
  path: string,
  connections: number,
  body: () => unknown,
  amount?: number,
  overallRate?: number,
): Promise<autocannon.Result> {
  return new Promise((ok, fail) => {
    autocannon(
      {
        url: s.url,
        connections,
        timeout: 120,
        ...(overallRate ? { overallRate } : {}),
        ...(amount ? { amount } : { duration: SECONDS }),
        requests: [
          {
            method: 'POST',
            path,
            headers: { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/json', 'patron-program': programId },
            setupRequest: (req) => ({ ...req, body: JSON.stringify(body()) }),
          },
        ],
      },
      (err, result) => (err ? fail(err) : ok(result)),
    );
  });
}

/**
 * An open-loop load at a fixed rate: a request is sent every 1/rate s whether or not earlier ones have been
 * answered, as independent checkouts would (autocannon's rate limit releases each second's requests in a burst,
 * which measures the burst rather than the steady rate). Answers the latencies in ms and the count of non-2xx.
 */
async function paced(s: Server, programId: string, rate: number, body: () => unknown) {
  const headers = { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/json', 'patron-program': programId };
  const latencies: number[] = [];
  let failed = 0;
  const failures: Record<string, number> = {};
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.round(rate * SECONDS);
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const t0 = performance.now();
      inflight.push(
        fetch(`${s.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(body()) }).then(
          async (res) => {
            await res.arrayBuffer();
            if (res.status >= 300) {
              failed++;
              failures[res.status] = (failures[res.status] ?? 0) + 1;
            }
            latencies.push(performance.now() - t0);
          },
          (err: unknown) => {
            failed++;
            const why = (err as { cause?: { code?: string } })?.cause?.code ?? 'network';
            failures[why] = (failures[why] ?? 0) + 1;
          },
        ),
      );
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { ok: latencies.length - failed, failed, failures, seconds, p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? 0 };
}

function read(s: Server, programId: string, connections: number, path: () => string): Promise<autocannon.Result> {
  return new Promise((ok, fail) => {
    autocannon(
      {
        url: s.url,
        connections,
        duration: SECONDS,
        requests: [
          {
            method: 'GET',
            headers: { authorization: `Bearer ${s.adminKey}`, 'patron-program': programId },
            setupRequest: (req) => ({ ...req, path: path() }),
          },
        ],
      },
      (err, result) => (err ? fail(err) : ok(result)),
    );
  });
}

function ms(n: number) {
  return Math.round(n * 100) / 100;
}

/** pgbench TPC-B on a scratch database of the same server; undefined when pgbench is not available. */
async function pgbench(url: string): Promise<{ tps: number; selectTps: number; clients: number; scale: number } | undefined> {
  const which = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  if (which.status !== 0) {
    note('pgbench is not on the PATH: skipping the TPC-B yardstick');
    return undefined;
  }
  await recreateDatabase(url, 'patron_pgbench');
  const target = withDatabase(url, 'patron_pgbench');
  const scale = 10;
  const clients = 8;
  const init = spawnSync('pgbench', ['-i', '-q', '-s', String(scale), target], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
  const tps = (extra: string[]) => {
    const run = spawnSync('pgbench', [...extra, '-c', String(clients), '-j', '2', '-T', String(SECONDS), target], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`pgbench failed: ${run.stderr}`);
    const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout) ?? /tps = ([\d.]+)/.exec(run.stdout);
    if (!m) throw new Error(`could not read tps from pgbench: ${run.stdout}`);
    return Number(m[1]);
  };
  return { tps: tps([]), selectTps: tps(['-S']), clients, scale };
}

/**
 * The whole Online Retail data set through `patron demo --no-serve` (the demo program: base earning, four
 * rules, tiers on spend, rewards) on a fresh database: the import's own wall time and events/s as it prints
 * them, and the command's peak memory.
 */
async function importPhase() {
  const dataDir = mkdtempSync(join(tmpdir(), 'patron-bench-import-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATRON_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  if (baseUrl) {
    await recreateDatabase(baseUrl, 'patron_bench_import');
    env.DATABASE_URL = withDatabase(baseUrl, 'patron_bench_import');
  } else delete env.DATABASE_URL;
  try {
    const t0 = performance.now();
    // GNU time reports the command's peak memory, where it is installed.
    const command = [process.execPath, resolve('bin/patron.js'), 'demo', '--no-serve'];
    const timed = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'maxrss_kb=%M', ...command] : command;
    const run = spawnSync(timed[0]!, timed.slice(1), {
      encoding: 'utf8',
      env,
      cwd: dataDir,
      maxBuffer: 64 * 1024 * 1024,
    });
    const wall = (performance.now() - t0) / 1000;
    if (run.status !== 0) throw new Error(`patron demo failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
    const m = /Import wall time: ([\d.]+) s for ([\d,]+) new events \(([\d,]+) events\/s\)/.exec(run.stdout)?.map((v) => v.replace(/,/g, ''));
    const rss = /maxrss_kb=(\d+)/.exec(run.stderr);
    emit({
      bench: 'import.online_retail',
      events: m ? Number(m[2]) : undefined,
      import_seconds: m ? Number(m[1]) : undefined,
      events_per_s: m ? Number(m[3]) : undefined,
      command_seconds: ms(wall),
      peak_rss_mib: rss ? Math.round(Number(rss[1]) / 1024) : undefined,
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (baseUrl) await dropDatabase(baseUrl, 'patron_bench_import').catch(() => {});
  }
}

/**
 * Scaled-out ingestion: `patron serve --ingest=nats` and 1 or 2 `patron worker`s on a database of their own.
 * The events go in through the batch endpoint (each answered once JetStream stored it); the figure is the
 * rate at which they are applied, from the first publish until the last one is in the ledger.
 */
async function natsPhase(workerCount: number) {
  const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  const name = `patron_bench_nats`;
  await recreateDatabase(baseUrl!, name);
  const databaseUrl = withDatabase(baseUrl!, name);
  const dataDir = mkdtempSync(join(tmpdir(), 'patron-bench-nats-'));
  const streamName = `PATRON_BENCH_${runId}_${workerCount}`.toUpperCase();
  const extra = { PATRON_INGEST: 'nats', NATS_URL: natsUrl, PATRON_STREAM: streamName, PATRON_PARTITIONS: '8' };
  const server = await startServer(dataDir, databaseUrl, extra);
  const workers: ChildProcess[] = [];
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const program = await call(server, undefined, 'POST', '/v1/programs', {
      name: 'Bench NATS',
      currency: 'GBP',
      settings: { auto_enrol: true, base_earning: { points: 1, per_amount: 100 } },
    });
    const programId = program.id as string;
    const env = { ...process.env, ...extra, DATABASE_URL: databaseUrl, PATRON_DATA_DIR: dataDir, LOG_LEVEL: process.env.BENCH_WORKER_LOG ?? 'warn', PATRON_DB_POOL: '4' };
    for (let i = 0; i < workerCount; i++) {
      workers.push(spawn(process.execPath, [resolve('bin/patron.js'), 'worker', '--batch', '500'], { env, stdio: ['ignore', process.env.BENCH_WORKER_LOG ? 2 : 'ignore', 'inherit'] }));
    }
    const total = Number(process.env.BENCH_NATS_EVENTS ?? 20_000);
    const t0 = performance.now();
    let published = 0;
    const publishers = Array.from({ length: 4 }, async () => {
      while (published < total) {
        const n = Math.min(500, total - published);
        published += n;
        const events = Array.from({ length: n }, () => purchase(Math.floor(Math.random() * MEMBERS)));
        await call(server, programId, 'POST', '/v1/events/batch', { events });
      }
    });
    await Promise.all(publishers);
    const publishSeconds = (performance.now() - t0) / 1000;
    for (;;) {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from events`;
      if (row!.n >= total) break;
      if (performance.now() - t0 > 600_000) throw new Error(`only ${row!.n} of ${total} events applied after 10 minutes`);
      await sleep(100);
    }
    const seconds = (performance.now() - t0) / 1000;
    emit({
      bench: 'events.nats',
      workers: workerCount,
      events: total,
      events_per_s: Math.round(total / seconds),
      publish_events_per_s: Math.round(total / publishSeconds),
      seconds: ms(seconds),
    });
  } finally {
    await sql.end();
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
    await dropDatabase(baseUrl!, name).catch(() => {});
    await dropStream(natsUrl, streamName);
  }
}

/** Removes a bench stream and its KV buckets from the NATS server. */
async function dropStream(url: string, name: string) {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    for (const s of [name, `KV_${name}_status`, `KV_${name}_leases`]) await jsm.streams.delete(s).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** A field of a JSON-shaped value, or undefined. */
function pick(v: unknown, ...path: string[]): unknown {
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** The program a kept analytics database holds for this seed and size, if it is complete. */
async function keptAnalyticsProgram(name: string, programName: string): Promise<string | undefined> {
  const admin = postgres(baseUrl!, { max: 1, onnotice: () => {} });
  try {
    const [db] = await admin<{ n: number }[]>`select count(*)::int as n from pg_database where datname = ${name}`;
    if (!db!.n) return undefined;
  } finally {
    await admin.end();
  }
  const sql = postgres(withDatabase(baseUrl!, name), { max: 1, onnotice: () => {} });
  try {
    const [p] = await sql<{ id: string }[]>`select id from programs where name = ${programName}`.catch(() => []);
    return p?.id;
  } finally {
    await sql.end();
  }
}

/**
 * The analyses of the analytics issue on a synthetic program of BENCH_ANALYTICS_MEMBERS members, each timed
 * through the service layer next to a warm sequential scan of the orders, the yardstick of the same run.
 */
async function analyticsPhase() {
  if (!baseUrl) {
    note('the analytics phase needs PostgreSQL (DATABASE_URL): skipped');
    return;
  }
  const members = Number(process.env.BENCH_ANALYTICS_MEMBERS ?? 1_000_000);
  const seed = Number(process.env.BENCH_ANALYTICS_SEED ?? 1);
  // Orders per member (10): fewer makes a quicker program for the member search figures alone.
  const ordersPerMember = Number(process.env.BENCH_ANALYTICS_ORDERS ?? 10);
  const keep = process.env.BENCH_KEEP === '1';
  const name = 'patron_bench_analytics';
  const databaseUrl = withDatabase(baseUrl, name);
  const base = { bench: 'analytics', phase: 'analytics', members, orders_per_member: ordersPerMember };
  try {
    let programId = keep ? await keptAnalyticsProgram(name, benchProgramName(seed, members, ordersPerMember)) : undefined;
    if (programId) note(`analytics: using the program kept in ${name} (seed ${seed}, ${members} members)`);
    else {
      await recreateDatabase(baseUrl, name);
      const db = await openPostgres(databaseUrl, 2);
      await migrate(db).finally(() => db.close());
      note(`analytics: generating ${members} members (seed ${seed})`);
      const gen = await generateAnalyticsProgram({ databaseUrl, members, seed, ordersPerMember, log: (m) => note(`analytics: ${m}`) });
      programId = gen.programId;
      emit({
        ...base,
        analysis: 'generate',
        seed,
        orders: gen.orders,
        guest_orders: gen.guestOrders,
        transactions: gen.transactions,
        accounts: gen.accounts,
        seconds: gen.seconds.total,
        seconds_by_step: gen.seconds,
        true_params: gen.params,
      });
    }

    const db = await openPostgres(databaseUrl, 8);
    try {
      const services = createServices({ db });
      const timed = async <T,>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> => {
        const t0 = performance.now();
        const value = await fn();
        return { ms: ms(performance.now() - t0), value };
      };
      const scan = () => db.query<{ n: number; sum: number }>(`select count(*)::int as n, sum(amount)::bigint as sum from orders where program_id = $1`, [programId]);
      await scan();
      const yard = await timed(scan);
      const orders = yard.value[0]!.n;
      const scanMs = yard.ms;
      emit({ ...base, analysis: 'scan', orders, ms: scanMs });

      const [span] = await db.query<{ from: Date; to: Date }>(
        `select date_trunc('month', min(occurred_at)) as from, date_trunc('month', max(occurred_at)) + interval '1 month' as to from orders where program_id = $1`,
        [programId],
      );
      const range = { from: span!.from.toISOString(), to: span!.to.toISOString() };
      const figure = (analysis: string, t: number, extra: Record<string, unknown> = {}) =>
        emit({ ...base, analysis, orders, ms: t, scan_ms: scanMs, ratio: ms(t / scanMs), ...extra });

      note('analytics: member search (as the console asks it: GET /v1/members, 25 a page)');
      await memberSearch(services, programId, base);
      if (process.env.BENCH_ANALYTICS_ONLY === 'member_search') return;
      note('analytics: KPIs');
      figure('kpis', (await timed(() => services.analytics.kpis(programId, { ...range, period: 'month' }))).ms);
      note('analytics: RFM');
      figure('rfm', (await timed(() => services.analytics.rfm(programId, { as_of: range.to }))).ms);
      note('analytics: cohorts');
      figure('cohorts', (await timed(() => services.analytics.cohorts(programId, { by: 'first_purchase', period: 'month', ...range }))).ms);
      note('analytics: lifetime value (BG/NBD + Gamma-Gamma fit, every member scored)');
      const clv = await timed(() => services.analyticsJobs.clv(programId, { as_of: range.to, horizon_months: 12, refresh: true }, { wait: true }));
      const result = clv.value.result;
      figure('clv', clv.ms, {
        status: clv.value.status,
        ...(clv.value.error ? { error: clv.value.error } : {}),
        members_scored: pick(result, 'members_scored'),
        purchase_params: pick(result, 'purchase_model', 'params'),
        spend_params: pick(result, 'spend_model', 'params'),
        step_ms: pick(result, 'timings_ms'),
      });
    } finally {
      await db.close();
    }
  } finally {
    if (!keep) await dropDatabase(baseUrl, name).catch(() => {});
  }
}

/**
 * Member search on the generated program, the way the console's Members screen asks it (25 a page): by email
 * identity, by a part of a name, by a name no member has (the whole program is looked at), by tag. Each kind
 * 20 times with different values; p50 and max in ms (the budget: 300 ms).
 */
async function memberSearch(services: ReturnType<typeof createServices>, programId: string, base: Record<string, unknown>) {
  const sample = await services.db.query<{ value: string; first_name: string; last_name: string }>(
    `select e.value, m.first_name, m.last_name from member_identities e join members m on m.program_id = e.program_id and m.id = e.member_id
     where e.program_id = $1 and e.type = 'email' order by e.member_id desc limit 20`,
    [programId],
  );
  if (sample.length === 0) return note('analytics: the generated members have no identities (an older generator): member search not measured');
  const kinds: Record<string, (i: number) => Record<string, string | number>> = {
    identity: (i) => ({ identity: `email:${sample[i % sample.length]!.value}` }),
    name_part: (i) => ({ q: sample[i % sample.length]!.last_name.slice(0, 4).toLowerCase() }),
    full_name: (i) => ({ q: `${sample[i % sample.length]!.first_name} ${sample[i % sample.length]!.last_name}` }),
    no_match: (i) => ({ q: `zqx${i}nobody` }),
    email_part: (i) => ({ q: sample[i % sample.length]!.value.split('@')[0]!.slice(-10) }),
    tag: (i) => ({ tag: ['vip', 'staff', 'newsletter', 'wholesale'][i % 4]! }),
  };
  for (const [kind, params] of Object.entries(kinds)) {
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const page = await services.members.list(programId, { limit: 25, ...params(i) } as Parameters<typeof services.members.list>[1]);
      times.push(performance.now() - t0);
      found += page.data.length;
    }
    times.sort((a, b) => a - b);
    emit({ ...base, analysis: 'member_search', kind, runs: times.length, found, p50_ms: ms(times[10]!), max_ms: ms(times.at(-1)!), budget_ms: 300 });
  }
}

async function main() {
  if (PHASES.has('import')) await importPhase();
  if (PHASES.has('analytics')) await analyticsPhase();
  if (PHASES.has('console')) await consolePhase(emit, note);
  if ([...PHASES].every((p) => p === 'analytics' || p === 'console')) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'patron-bench-'));
  let databaseUrl: string | undefined;
  if (baseUrl) {
    await recreateDatabase(baseUrl, 'patron_bench');
    databaseUrl = withDatabase(baseUrl, 'patron_bench');
  }
  note(`server on ${dbKind}, ${SECONDS}s per phase, ${MEMBERS} members, batches of ${BATCH}`);
  const server = await startServer(dataDir, databaseUrl);
  try {
    const program = await call(server, undefined, 'POST', '/v1/programs', {
      name: 'Bench',
      currency: 'GBP',
      settings: { auto_enrol: true, base_earning: { points: 1, per_amount: 100 } },
    });
    const programId = program.id as string;
    for (let i = 0; i < RULES; i++) await call(server, programId, 'POST', '/v1/rules', benchRule(i));

    // Members first, through the batch endpoint with auto-enrolment, so the measured phases earn on known members.
    const memberIds: string[] = [];
    for (let start = 0; start < MEMBERS; start += 1000) {
      const events = [];
      for (let i = start; i < Math.min(MEMBERS, start + 1000); i++) events.push(purchase(i));
      const res = (await call(server, programId, 'POST', '/v1/events/batch', { events })) as { results: { result?: { member_id: string } }[] };
      for (const r of res.results) if (r.result) memberIds.push(r.result.member_id);
    }

    const results: Record<string, number> = {};
    for (const connections of PHASES.has('single') ? [1, 8, 32] : []) {
      const r = await load(server, programId, '/v1/events', connections, () => purchase(Math.floor(Math.random() * MEMBERS)));
      const ok = r['2xx'];
      const eps = ok / r.duration;
      results[`single_${connections}`] = eps;
      emit({
        bench: 'events.single',
        connections,
        events_per_s: Math.round(eps),
        p50_ms: ms(r.latency.p50),
        p99_ms: ms(r.latency.p99),
        errors: r.non2xx + r.errors + r.timeouts,
        seconds: r.duration,
      });
    }

    // The latency a checkout sees at a steady 500 requests/s (the target: p99 ≤ 25 ms).
    if (PHASES.has('rate')) {
      const rate = Number(process.env.BENCH_RATE ?? 500);
      const r = await paced(server, programId, rate, () => purchase(Math.floor(Math.random() * MEMBERS)));
      emit({
        bench: 'events.single.rate',
        target_requests_per_s: rate,
        events_per_s: Math.round(r.ok / r.seconds),
        p50_ms: ms(r.p50),
        p99_ms: ms(r.p99),
        max_ms: ms(r.max),
        errors: r.failed,
        ...(r.failed ? { failures: r.failures } : {}),
        seconds: ms(r.seconds),
      });
    }

    // Balance reads, the most frequent call of a checkout or an app.
    if (PHASES.has('reads')) {
      const r = await read(server, programId, 32, () => `/v1/members/${memberIds[Math.floor(Math.random() * memberIds.length)]}/balance`);
      results.reads = r['2xx'] / r.duration;
      emit({
        bench: 'balance.reads',
        connections: 32,
        requests_per_s: Math.round(results.reads),
        p50_ms: ms(r.latency.p50),
        p99_ms: ms(r.latency.p99),
        errors: r.non2xx + r.errors + r.timeouts,
        seconds: r.duration,
      });
    }

    // BENCH_SECONDS of batches, as the other phases (a 4-batch sample measured little more than start-up).
    for (const connections of PHASES.has('batch') ? [1, 4] : []) {
      const r = await load(
        server,
        programId,
        '/v1/events/batch',
        connections,
        () => ({ events: Array.from({ length: BATCH }, () => purchase(Math.floor(Math.random() * MEMBERS))) }),
        undefined,
      );
      const eps = (r['2xx'] * BATCH) / r.duration;
      results[`batch_${connections}`] = eps;
      emit({
        bench: 'events.batch',
        connections,
        batch_size: BATCH,
        events_per_s: Math.round(eps),
        requests_per_s: ms(r['2xx'] / r.duration),
        p50_ms: ms(r.latency.p50),
        p99_ms: ms(r.latency.p99),
        errors: r.non2xx + r.errors + r.timeouts,
        seconds: r.duration,
      });
    }

    emit({ bench: 'server.peak_rss', mib: peakRssMiB(server.child.pid) });
    await stop(server);

    // The ledger must balance after the load; `patron verify` checks every invariant (on PGlite it needs the
    // lock the server held, hence after the server stopped).
    const v = spawnSync(process.execPath, [resolve('bin/patron.js'), 'verify'], {
      encoding: 'utf8',
      env: { ...process.env, PATRON_DATA_DIR: dataDir, DATABASE_URL: databaseUrl ?? '' },
    });
    emit({ bench: 'ledger.verify', ok: v.status === 0 });
    if (v.status !== 0) note(`patron verify failed:\n${v.stdout}${v.stderr}`);

    if (baseUrl && PHASES.has('nats')) {
      for (const n of [1, 2]) await natsPhase(n);
    }

    if (baseUrl && PHASES.has('pgbench')) {
      const yard = await pgbench(baseUrl);
      if (yard) {
        const best = (prefix: string) => Math.max(0, ...Object.entries(results).filter(([k]) => k.startsWith(prefix)).map(([, v]) => v));
        const bestSingle = best('single_');
        const bestBatch = best('batch_');
        emit({ bench: 'pgbench.tpcb', clients: yard.clients, scale: yard.scale, tps: Math.round(yard.tps) });
        emit({ bench: 'pgbench.select_only', clients: yard.clients, scale: yard.scale, tps: Math.round(yard.selectTps) });
        emit({
          bench: 'ratio',
          batch_events_per_s_over_tpcb_tps: ms(bestBatch / yard.tps),
          single_events_per_s_over_tpcb_tps: ms(bestSingle / yard.tps),
          balance_reads_over_select_only_tps: ms((results.reads ?? 0) / yard.selectTps),
        });
        await dropDatabase(baseUrl, 'patron_pgbench');
      }
    }
  } finally {
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
    if (baseUrl) await dropDatabase(baseUrl, 'patron_bench').catch(() => {});
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
