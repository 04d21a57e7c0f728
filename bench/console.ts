/**
 * The `console` phase of `npm run bench`: the admin console in Chromium on the demo data, on PGlite.
 *
 * It builds nothing: the console must be built (web/dist/admin) and Debian's Chromium installed (CHROMIUM_PATH,
 * default /usr/bin/chromium), else the phase says so and is skipped. The demo data (`patron demo --no-serve`,
 * the whole Online Retail set: minutes) is made once in .bench/console-demo and kept for later runs
 * (BENCH_CONSOLE_FRESH=1 starts it over). Then `patron serve` serves it, and Chromium, in fresh contexts with
 * an empty cache:
 * - signs in and opens the dashboard: the JavaScript it loaded, each file gzip-compressed (level 9) and summed
 *   (the budget: 250 KB);
 * - opens the dashboard signed in, BENCH_CONSOLE_RUNS times (5): the time from navigation until the KPI cards
 *   show values (the budget: 1 s).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { DEMO_OWNER } from '../src/cli/demo.js';
import { freePort, sleep } from './util.js';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';

type Emit = (figure: Record<string, unknown>) => void;
type Note = (msg: string) => void;

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DATA_DIR = resolve('.bench', 'console-demo');
/** A KPI card with its value: the dashboard is ready. */
const KPI_READY = '.kpi .kpi-value';


function demoEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATRON_DATA_DIR: DATA_DIR, LOG_LEVEL: 'warn', PATRON_JOBS_INTERVAL: '0' };
  delete env.DATABASE_URL;
  return env;
}

/** The demo data, made once (the marker file says the import finished). */
function ensureDemoData(note: Note): void {
  const done = join(DATA_DIR, '.bench-demo-complete');
  if (process.env.BENCH_CONSOLE_FRESH === '1') rmSync(DATA_DIR, { recursive: true, force: true });
  if (existsSync(done)) return;
  rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  note('console: importing the demo data on PGlite into .bench/console-demo (once; a few minutes)');
  const run = spawnSync(process.execPath, [resolve('bin/patron.js'), 'demo', '--no-serve'], { env: demoEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`patron demo --no-serve failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  writeFileSync(done, new Date().toISOString());
}

async function serveDemo(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [resolve('bin/patron.js'), 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    env: demoEnv(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`patron serve exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('patron serve did not come up within 60 s');
}

/** The demo's owner signs in with the password `patron demo` publishes (it prints it beside the console address). */
const owner = (): { email: string; password: string } => DEMO_OWNER;

/** Every JavaScript file the page loads, by URL, with its body gzip-compressed. */
function recordScripts(page: Page): Map<string, { raw: number; gzip: number }> {
  const scripts = new Map<string, { raw: number; gzip: number }>();
  page.on('response', (res) => {
    const type = res.request().resourceType();
    const contentType = res.headers()['content-type'] ?? '';
    if (type !== 'script' && !/javascript/.test(contentType)) return;
    void res.body().then(
      (body) => scripts.set(res.url(), { raw: body.length, gzip: gzipSync(body, { level: 9 }).length }),
      () => undefined,
    );
  });
  return scripts;
}

async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.locator('input[type="email"]').fill(who.email);
  await page.locator('input[type="password"]').fill(who.password);
  await page.locator('button[type="submit"]').click();
}

export async function consolePhase(emit: Emit, note: Note): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) return note(`console: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH): skipped`);
  if (!existsSync(resolve('web/dist/admin/index.html'))) return note('console: the console is not built (npm run build:web): skipped');
  ensureDemoData(note);
  const server = await serveDemo();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const who = owner();

    // Sign-in, then the dashboard, from an empty cache: the initial JavaScript.
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const scripts = recordScripts(page);
    await page.goto('/admin/sign-in');
    await page.locator('input[type="email"]').waitFor();
    const t0 = performance.now();
    await signIn(page, who);
    await page.locator(KPI_READY).first().waitFor({ timeout: 60_000 });
    const signInToDashboard = performance.now() - t0;
    await page.waitForLoadState('networkidle');
    const files = [...scripts.values()];
    emit({
      bench: 'console.initial_js',
      db: 'pglite',
      files: files.length,
      gzip_bytes: files.reduce((s, f) => s + f.gzip, 0),
      raw_bytes: files.reduce((s, f) => s + f.raw, 0),
      budget_gzip_bytes: 250 * 1024,
    });
    emit({ bench: 'console.sign_in_to_dashboard', db: 'pglite', ms: Math.round(signInToDashboard), budget_ms: 1000 });
    const state = await context.storageState();
    await context.close();

    // The dashboard opened signed in, cold: until the KPI cards show their values.
    const runs = Number(process.env.BENCH_CONSOLE_RUNS ?? 5);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({ baseURL: server.url, storageState: state, viewport: { width: 1280, height: 800 } });
      const p = await ctx.newPage();
      const start = performance.now();
      try {
        await p.goto('/admin');
        await p.locator(KPI_READY).first().waitFor({ timeout: 60_000 });
        times.push(performance.now() - start);
      } catch (e) {
        note(`console: dashboard run ${i + 1} did not get ready (at ${p.url()}): ${(e as Error).message.split('\n')[0]}`);
      } finally {
        await ctx.close();
      }
    }
    times.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    emit({
      bench: 'console.dashboard_ready',
      db: 'pglite',
      runs,
      ready: times.length,
      p50_ms: round(times[Math.floor(times.length / 2)] ?? 0),
      min_ms: round(times[0] ?? 0),
      max_ms: round(times.at(-1) ?? 0),
      sign_in_to_dashboard_ms: round(signInToDashboard),
      budget_ms: 1000,
    });
  } finally {
    await browser.close();
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await exited;
  }
}
