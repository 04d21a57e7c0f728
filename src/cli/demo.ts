import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ensureFirstRun } from '../bootstrap.js';
import { createApp, createServices, type Services } from '../main.js';
import { protectOptions } from '../platform/protect.js';
import { createSecrets, loadSecretKey } from '../platform/secrets.js';
import { AppError } from '../platform/errors.js';
import { createLogger } from '../platform/logger.js';
import type { Program } from '../modules/programs/index.js';
import type { EventResult } from '../modules/events/index.js';
import { createImportsService } from '../modules/imports/index.js';
import { cliConfig, describeDatabase, openForCommand } from './context.js';
import { printSummary, progressReporter } from './import.js';
import { lockDataDir } from './lock.js';
import { out, progress } from './output.js';
import { startServer } from './serve.js';
import { apiOf, DEMO_RULES, DEMO_TIERS, isSetUp, populateInsights, setUpProgram, type Api } from './demo.setup.js';

const DEMO_PROGRAM = 'Online Retail demo';
/**
 * The data set the repository carries (datasets/README.md). Resolved from this file, two levels below the
 * root both as src/cli/demo.ts and as the built dist/cli/demo.js, so either finds it.
 */
const DEFAULT_FILE = fileURLToPath(new URL('../../datasets/online-retail/online-retail.csv.gz', import.meta.url));

interface DemoOpts {
  fresh?: boolean;
  serve: boolean;
  file?: string;
  port?: number;
  host?: string;
}

function parsePort(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free one).');
  return n;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('Start Patron on a demo program loaded with the real Online Retail purchases (a few minutes), then serve the API')
    .option('--fresh', 'start over: delete the demo database first (PGlite; on PostgreSQL it makes a new demo program)')
    .option('--no-serve', 'stop after the import instead of serving the API')
    .option('--file <csv>', 'the Online Retail CSV (gzipped or not); default datasets/online-retail/online-retail.csv.gz in the repository')
    .option('--port <port>', 'port to listen on (default: $PORT or 3000)', parsePort)
    .option('--host <host>', 'address to listen on (default: $HOST or 0.0.0.0)')
    .addHelpText(
      'after',
      [
        '',
        'Runs on the embedded PGlite database in ./data/demo (or $PATRON_DATA_DIR), or on PostgreSQL when DATABASE_URL is set.',
        'It creates the program "Online Retail demo" (GBP) with base earning, four rules, Bronze/Silver/Gold tiers on spend',
        'and four rewards, imports every invoice with the online-retail preset, and serves the API. Running it again on',
        'the same data reuses what is there (the import finds every event already imported).',
      ].join('\n'),
    )
    .action((opts: DemoOpts) => demo(opts));
}

/** What the import tells about one member, for picking the members worth opening. */
interface Seen {
  ref: string;
  spend: number;
  purchases: number;
  returns: number;
  points: number;
  tier: string | null;
}

function tallyMembers() {
  const byMember = new Map<string, Seen>();
  const onEvent = (event: Record<string, unknown>, result: EventResult) => {
    // A guest purchase (or its refund) has no member to show.
    if (result.member_id === null) return;
    let m = byMember.get(result.member_id);
    if (!m) {
      const ref = event.member && typeof event.member === 'object' ? Object.values(event.member)[0] : undefined;
      byMember.set(result.member_id, (m = { ref: typeof ref === 'string' ? ref : result.member_id, spend: 0, purchases: 0, returns: 0, points: 0, tier: null }));
    }
    for (const p of Object.values(result.points)) m.points += p;
    if (event.type === 'purchase') {
      m.purchases++;
      const lines = (event.lines ?? []) as { quantity: number; unit_price: number }[];
      m.spend += lines.reduce((s, l) => s + l.quantity * l.unit_price, 0);
    } else if (event.type === 'refund') {
      m.returns++;
      m.spend -= result.refund?.amount ?? 0;
    }
    for (const o of result.outcomes ?? []) if (o.kind === 'tier_changed' && typeof o.to_name === 'string') m.tier = o.to_name;
  };
  return { byMember, onEvent };
}

/** The members worth opening: the top spenders, the one who returned most, a Gold member below them, a Silver one. */
function pickMembers(byMember: Map<string, Seen>): { id: string; why: string; m: Seen }[] {
  const all = [...byMember].map(([id, m]) => ({ id, m }));
  const bySpend = [...all].sort((a, b) => b.m.spend - a.m.spend);
  const picks: { id: string; why: string; m: Seen }[] = bySpend.slice(0, 3).map((x, i) => ({ ...x, why: `top spender #${i + 1}` }));
  const taken = new Set(picks.map((p) => p.id));
  const add = (x: { id: string; m: Seen } | undefined, why: string) => {
    if (!x) return;
    taken.add(x.id);
    picks.push({ ...x, why });
  };
  const free = (xs: { id: string; m: Seen }[]) => xs.filter((x) => !taken.has(x.id));
  add(free([...all].filter((x) => x.m.returns > 0).sort((a, b) => b.m.returns - a.m.returns || b.m.spend - a.m.spend))[0], 'most returns');
  const gold = free(bySpend.filter((x) => x.m.tier === 'Gold'));
  add(gold[Math.floor(gold.length / 2)], 'a Gold member');
  const silver = free(bySpend.filter((x) => x.m.tier === 'Silver'));
  add(silver[Math.floor(silver.length / 2)], 'a Silver member');
  return picks;
}

const plural = (n: number, one: string) => `${n.toLocaleString('en-GB')} ${one}${n === 1 ? '' : 's'}`;
const pounds = (pence: number) => `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The demo program (made on the first run, with its mechanics) and an admin key for it. */
/** The demo's console sign-in: for trying Patron on this machine only, and printed for that reason. */
export const DEMO_OWNER = { email: 'demo-owner@patron.local', password: 'patron-demo-owner' };

/**
 * The demo workspace's owner, with the published demo password set on the first run (a workspace whose owner
 * already has a password keeps it). Answers how to sign in.
 */
async function demoOwner(services: Services, workspaceId: string): Promise<string> {
  const token = await services.staff.ensureOwner(workspaceId, DEMO_OWNER.email);
  if (token) await services.staff.setup({ token, password: DEMO_OWNER.password, name: 'Demo owner' });
  const owner = (await services.staff.byEmail(workspaceId, DEMO_OWNER.email)) ?? undefined;
  return owner && owner.role === 'owner' ? `sign in as ${owner.email}, password ${DEMO_OWNER.password}` : 'sign in as the workspace owner';
}

async function demoProgram(services: Services, dataDir: string, fresh: boolean): Promise<{ program: Program; key: string; keyShownOnce: boolean }> {
  const first = await ensureFirstRun(services, dataDir, {
    ...process.env,
    PATRON_WORKSPACE_NAME: 'Demo workspace',
    PATRON_PROGRAM_NAME: DEMO_PROGRAM,
    PATRON_PROGRAM_CURRENCY: 'GBP',
  });
  const programs = await services.programs.listPrograms(first.workspaceId);
  let program = fresh ? undefined : programs.find((p) => p.name === DEMO_PROGRAM && p.currency === 'GBP');
  if (first.adminKey) program = await services.programs.program(first.programId);
  program ??= await services.programs.createProgram(first.workspaceId, { name: DEMO_PROGRAM, currency: 'GBP' });
  if (first.adminKey) return { program, key: first.adminKey, keyShownOnce: true };
  const keyFile = join(dataDir, 'admin-key');
  if (existsSync(keyFile)) return { program, key: readFileSync(keyFile, 'utf8').trim(), keyShownOnce: false };
  const key = await services.programs.createKey({ workspaceId: first.workspaceId, programId: program.id, name: 'demo admin key', scopes: ['admin'] });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(keyFile, `${key.secret}\n`, { mode: 0o600 });
  return { program, key: key.secret, keyShownOnce: true };
}

/** Deletes the embedded demo database, after making sure no other process has it open. */
function wipe(dataDir: string): void {
  const lock = lockDataDir(dataDir, 'demo --fresh');
  try {
    for (const f of ['pglite', 'admin-key', 'online-retail.rejects.csv']) rmSync(join(dataDir, f), { recursive: true, force: true });
  } finally {
    lock.release();
  }
}

async function demo(opts: DemoOpts): Promise<void> {
  const base = cliConfig();
  const dataDir = process.env.PATRON_DATA_DIR ? base.dataDir : resolve('data', 'demo');
  const config = { ...base, dataDir };
  const file = resolve(opts.file ?? DEFAULT_FILE);
  if (!existsSync(file)) {
    throw new AppError('not_found', 'demo.no_data', `The Online Retail data set is not at ${file}: pass its CSV (the UCI "Online Retail" data set, CC BY 4.0) with --file`, {
      field: 'file',
    });
  }
  if (opts.fresh && !config.databaseUrl) wipe(dataDir);
  const log = createLogger(config.logLevel);
  // The set-up and the import call the API in process: their request logs would bury the progress.
  const level = log.level;
  log.level = process.env.LOG_LEVEL ? level : 'warn';
  const opened = await openForCommand(config, 'demo');
  let serving = false;
  try {
    let linkBase = config.publicUrl ?? 'http://localhost:3000';
    const services = createServices({
      db: opened.db,
      log,
      secrets: createSecrets(loadSecretKey({ dataDir })),
      publicUrl: () => linkBase,
      smtpUrl: config.smtpUrl,
      smtpFrom: config.smtpFrom,
    });
    const { program, key, keyShownOnce } = await demoProgram(services, dataDir, opts.fresh === true);
    const signIn = await demoOwner(services, program.workspace_id);
    // The demo's own import keeps the event loop busy on purpose: shedding load would only refuse its own calls.
    const app = createApp(services, { protect: { ...protectOptions(config), maxEventLoopDelayMs: 0 }, trustProxy: config.trustProxy });
    const api = apiOf(app, key, program.id);
    if (!(await isSetUp(api))) {
      progress(`Setting up ${program.name} (${program.id}): base earning, ${DEMO_RULES.length} rules, ${DEMO_TIERS.map((t) => t.name).join('/')} tiers, rewards…`);
      await setUpProgram(api);
    }

    const { byMember, onEvent } = tallyMembers();
    const reporter = progressReporter('events', file);
    progress(`Importing ${file} into ${program.id} on ${describeDatabase(config)}…`);
    const started = Date.now();
    const summary = await createImportsService(services)
      .importEvents({
        file,
        program,
        preset: 'online-retail',
        earn: true,
        rejectsFile: join(dataDir, 'online-retail.rejects.csv'),
        onProgress: reporter.onProgress,
        onEvent,
      })
      .finally(() => reporter.done());
    const wall = (Date.now() - started) / 1000;
    printSummary(summary);
    out(importTime(summary, wall));
    await populateInsights(api, progress);

    const picks = pickMembers(byMember);
    const shown = await describePicks(api, picks);
    if (!opts.serve) {
      printWhere({ program, key, keyShownOnce, dataDir, shown, url: undefined, signIn });
      return;
    }
    // The data ends in December 2011: today's maintenance would end every tier period at once, so it stays off.
    log.level = level;
    const url = await startServer({ app, opened, services, log, port: opts.port ?? config.port, host: opts.host ?? config.host, jobsIntervalSeconds: 0 });
    linkBase = config.publicUrl ?? url;
    serving = true;
    printWhere({ program, key, keyShownOnce, dataDir, shown, url, signIn });
  } finally {
    if (!serving) await opened.close();
  }
}

/**
 * What this run imported and how fast: a re-run that finds every event already there imported none, and
 * says so rather than a rate of events it did not write.
 */
export function importTime(s: { imported: number; duplicates: number }, wallSeconds: number): string {
  const n = (v: number) => v.toLocaleString('en-GB');
  const already = s.duplicates > 0 ? `; ${n(s.duplicates)} already imported` : '';
  if (s.imported === 0) return `Import: 0 new events${already || '; the file has none'} (checked in ${wallSeconds.toFixed(1)} s).`;
  return `Import wall time: ${wallSeconds.toFixed(1)} s for ${n(s.imported)} new events (${n(Math.round(s.imported / wallSeconds))} events/s)${already}.`;
}

interface Shown {
  id: string;
  why: string;
  line: string;
}

/** One line per member worth opening: who, why, spend, balance and tier as the API answers them now. */
async function describePicks(api: Api, picks: { id: string; why: string; m: Seen }[]): Promise<Shown[]> {
  const shown: Shown[] = [];
  for (const p of picks) {
    const balance = (await api('GET', `/v1/members/${p.id}/balance`)).body;
    const tier = (await api('GET', `/v1/members/${p.id}/tier`)).body;
    const level = tier.level && typeof tier.level === 'object' ? String((tier.level as { name?: unknown }).name) : 'no tier';
    shown.push({
      id: p.id,
      why: p.why,
      line: `${p.m.ref}: ${plural(p.m.purchases, 'order')}, ${plural(p.m.returns, 'return')}, ${pounds(p.m.spend)} net spend, ${String(balance.available)} points, ${level}`,
    });
  }
  return shown;
}

function printWhere(o: { program: Program; key: string; keyShownOnce: boolean; dataDir: string; shown: Shown[]; url: string | undefined; signIn: string }): void {
  const url = o.url ?? 'http://localhost:3000';
  out('');
  out(o.url ? `The demo is running at ${o.url} (Ctrl-C stops it).` : `The demo data is ready in ${o.dataDir}; \`patron demo\` (without --no-serve) serves it.`);
  out('');
  out(`  Console      ${url}/admin  (${o.signIn}; program ${o.program.name})`);
  out(`  API docs     ${url}/docs`);
  out(`  Program      ${o.program.id} (${o.program.name}, ${o.program.currency})`);
  out(`  Admin key    ${o.key}${o.keyShownOnce ? '' : ` (from ${join(o.dataDir, 'admin-key')})`}`);
  out('');
  out('Members worth opening:');
  for (const s of o.shown) out(`  ${s.id}  ${s.why.padEnd(17)} ${s.line}`);
  out('');
  out('Try:');
  out(`  export PATRON_KEY=${o.key} PATRON_PROGRAM=${o.program.id}`);
  const h = `-H "Authorization: Bearer $PATRON_KEY" -H "Patron-Program: $PATRON_PROGRAM"`;
  const [top, ...rest] = o.shown;
  if (top) {
    out(`  curl -s ${url}/v1/members/${top.id}/balance ${h}`);
    out(`  curl -s ${url}/v1/members/${top.id}/tier ${h}`);
    out(`  curl -s "${url}/v1/members/${top.id}/transactions?limit=5" ${h}`);
  }
  const returner = rest.find((s) => s.why === 'most returns');
  if (returner) out(`  curl -s "${url}/v1/members/${returner.id}/transactions?limit=10" ${h}   # earn and reversal transactions`);
  out(`  curl -s ${url}/v1/rules ${h}`);
  out(`  curl -s ${url}/v1/rewards ${h}`);
  out('');
  out('The maintenance job is off in the demo: the data ends in December 2011, and a review today would end every tier.');
}
