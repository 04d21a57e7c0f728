import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { installation, serve, type Env, type Server } from './cli.js';

// The console end to end: a real `patron serve` on a scratch data directory, driven by Debian's Chromium
// through playwright-core. The owner is set up once per file through the link the server prints, and the
// signed-in state is reused by every page that needs it.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const SCREENS = join(ROOT, 'test-output', 'screens');
const STATES = join(ROOT, 'test-output', 'states');
/** The owner's password in every test installation. */
export const OWNER_PASSWORD = 'correct horse battery staple';

function whyNoBrowser(): string | undefined {
  if (!existsSync(CHROMIUM_PATH)) {
    return `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`;
  }
  if (!existsSync(join(ROOT, 'web', 'dist', 'admin', 'index.html'))) return 'the console is not built (web/dist/admin/index.html is missing)';
  return undefined;
}

/** Why the browser tests cannot run here, or undefined when they can. */
export const NO_BROWSER = whyNoBrowser();
if (NO_BROWSER) {
  // CI sets PATRON_REQUIRE_BROWSER: there a missing browser is a failure, never a reason to skip.
  if (process.env.PATRON_REQUIRE_BROWSER === '1') throw new Error(`browser tests cannot run: ${NO_BROWSER}`);
  console.warn(`Skipping the browser tests: ${NO_BROWSER}.`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS });
}

export interface Staff {
  id: string;
  email: string;
  role: string;
}

export interface Console {
  url: string;
  /** The one-time link the server printed. */
  setupLink: string;
  dataDir: string;
  server: Server;
  browser: Browser;
  programId: string;
  adminKey: string;
  owner: { email: string; password: string };
  /** Calls the API with the admin key (as a machine would), naming the program. */
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** A page in a fresh context: signed in as the owner by default, or signed out. */
  page(opts?: { signedIn?: boolean }): Promise<Page>;
  /** A context signed in (through the API) as a new staff user of this role. */
  staffContext(role: string, opts?: { password?: string }): Promise<{ context: BrowserContext; staff: Staff; email: string; password: string }>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * Starts `patron serve` on a scratch data directory and Chromium, sets the owner's password through the setup
 * link the server printed, and keeps that signed-in state for `page()`.
 */
export async function startConsole(opts: { env?: Env; onSetupPage?: (page: Page) => Promise<void> } = {}): Promise<Console> {
  const { dataDir, env } = installation();
  const server = await serve({ ...env, ...opts.env });
  const link = await printedSetupLink(server, dataDir);
  const output = server.output();
  const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
  const programId = /\b(prg_[0-9a-z]+)\b/.exec(output)?.[1];
  if (!programId) throw new Error(`no program id in the banner:\n${output}`);
  const browser = await launchChromium();
  mkdirSync(STATES, { recursive: true });
  const statePath = join(STATES, `owner-${process.pid}-${++counter}.json`);

  const api: Console['api'] = async (method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${adminKey}`, 'patron-program': programId };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  // The owner's first password, through the console as a user would set it.
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await page.goto(new URL(link).pathname + new URL(link).search);
  await opts.onSetupPage?.(page);
  await completeSetup(page, OWNER_PASSWORD);
  await page.waitForURL((u) => u.pathname === '/admin', { timeout: 30_000 });
  const session = await context.request.get('/v1/staff/session');
  expect(session.status()).toBe(200);
  const ownerEmail = ((await session.json()) as { staff: Staff }).staff.email;
  await context.storageState({ path: statePath });
  await context.close();

  const contexts: BrowserContext[] = [];
  return {
    url: server.url,
    setupLink: link,
    dataDir,
    server,
    browser,
    programId,
    adminKey,
    owner: { email: ownerEmail, password: OWNER_PASSWORD },
    api,
    async page({ signedIn = true } = {}) {
      const ctx = await browser.newContext({ baseURL: server.url, ...(signedIn ? { storageState: statePath } : {}) });
      contexts.push(ctx);
      return ctx.newPage();
    },
    async staffContext(role, { password = `pw-${role}-${Date.now()}-long` } = {}) {
      const email = `${role}-${++counter}-${process.pid}@example.com`;
      // The owner invites the user (as the staff screen does), and the user completes the link.
      const owner = await browser.newContext({ baseURL: server.url, storageState: statePath });
      contexts.push(owner);
      const res = await owner.request.post('/v1/staff', {
        data: { email, role, program_ids: null },
        headers: { 'x-csrf-token': await csrfToken(owner.request) },
      });
      expect(res.status(), await res.text()).toBe(201);
      const made = (await res.json()) as { staff: Staff; setup_url: string };
      const ctx = await browser.newContext({ baseURL: server.url });
      contexts.push(ctx);
      const token = new URL(made.setup_url).searchParams.get('token');
      const setup = await ctx.request.post('/v1/staff/setup', { data: { token, password } });
      expect(setup.status(), await setup.text()).toBe(200);
      return { context: ctx, staff: made.staff, email, password };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await server.stop();
    },
  };
}

/** The owner's setup link as the banner prints it (the banner may still be being written when serve() answers). */
async function printedSetupLink(server: Server, dataDir: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const printed = /Console:\s+(http\S+\/admin\/setup\?token=\S+)/.exec(server.output())?.[1];
    if (printed) return printed;
    await new Promise((r) => setTimeout(r, 100));
  }
  const file = join(dataDir, 'owner-setup-url');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new Error(`the server printed no console setup link and wrote no owner-setup-url:\n${server.output()}`);
}

/** Fills the setup screen's password field(s) and submits it. */
export async function completeSetup(page: Page, password: string): Promise<void> {
  const fields = page.locator('input[type="password"]');
  await fields.first().waitFor();
  for (const field of await fields.all()) await field.fill(password);
  await page.getByRole('button', { name: /password|continue|save|set|create|sign/i }).first().click();
}

/** Signs in through the sign-in screen. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  if (new URL(page.url()).pathname !== '/admin/sign-in') await page.goto('/admin/sign-in');
  await page.getByLabel(/email/i).fill(email);
  await page.getByLabel(/password/i).fill(password);
  await page.getByRole('button', { name: /sign in/i }).click();
}

/** The CSRF token of the context's session, for writes through `context.request`. */
export async function csrfToken(request: APIRequestContext): Promise<string> {
  const res = await request.get('/v1/staff/session');
  expect(res.status()).toBe(200);
  return ((await res.json()) as { csrf_token: string }).csrf_token;
}

/**
 * Fails on any serious or critical axe-core violation, naming each rule and the elements it found. `exclude`
 * leaves elements out by selector: a `sandbox=""` frame (a rendered email, content staff wrote) runs no script,
 * so axe cannot be injected into it and would wait for it until the test times out.
 */
export async function expectAccessible(page: Page, opts: { exclude?: string } = {}): Promise<void> {
  const builder = new AxeBuilder({ page });
  if (opts.exclude) builder.exclude(opts.exclude);
  const results = await builder.analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}`).join('\n')}`).join('\n');
  expect(report, `axe on ${page.url()}`).toBe('');
}

/** Saves a full-page screenshot to test-output/screens/<name>.png for a reviewer to look at. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}
