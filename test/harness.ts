import type { InjectOptions } from 'fastify';
import { openDb, type Db } from '../src/platform/db.js';
import { migrate } from '../src/platform/migrate.js';
import type { Clock } from '../src/platform/clock.js';
import { createApp, createServices, type Services } from '../src/main.js';
import type { App } from '../src/platform/http.js';
import type { ProgramSettings } from '../src/modules/programs/index.js';
import type { ProtectOptions } from '../src/platform/protect.js';

/** Which database this run of the suite uses: vitest's projects set PATRON_TEST_DB (see vitest.config.ts). */
export const TEST_DB: 'pglite' | 'postgres' = process.env.PATRON_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
export const onPostgres = TEST_DB === 'postgres';

export async function testDb(): Promise<Db> {
  const db =
    TEST_DB === 'postgres'
      ? await openDb({ databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', poolSize: 20 })
      : await openDb({});
  await migrate(db);
  return db;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

export type Api = <T = any>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiResponse<T>>;

export interface TestProgram {
  programId: string;
  workspaceId: string;
  /** A workspace-wide admin key (the kind `npm start` prints). */
  key: string;
  /** Calls the API with that key and the program header. */
  api: Api;
  /** Calls the API with any key (or none) and no program header. */
  raw: Api;
}

export interface Harness {
  db: Db;
  services: Services;
  app: App;
  program(opts?: { settings?: Partial<ProgramSettings>; point_currencies?: string[]; currency?: string }): Promise<TestProgram>;
  close(): Promise<void>;
}

function caller(app: App, defaults: Record<string, string>): Api {
  return async (method, url, body, headers = {}) => {
    const opts: InjectOptions = { method, url, headers: { ...defaults, ...headers } };
    if (body !== undefined) {
      if (typeof body === 'string') {
        opts.payload = body;
        opts.headers = { 'content-type': 'application/json', ...opts.headers };
      } else opts.payload = body as object;
    }
    const res = await app.inject(opts);
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.statusCode, body: parsed as never, headers: res.headers };
  };
}

/**
 * The app's guards in tests: as in production, except the two that depend on load. One test file makes its
 * thousands of calls with one key (the property and fuzz tests), and PGlite's queries run on the test's own
 * event loop on a shared machine; src/platform/protect.test.ts tests those guards with limits of its own.
 */
export const TEST_PROTECT: Partial<ProtectOptions> = { rateLimitPerMinute: 0, maxEventLoopDelayMs: 0 };

/** One database and app per test file; each test makes its own program, so tests never share state. */
export async function harness(
  opts: { clock?: Clock; db?: Db; protect?: Partial<ProtectOptions>; ingestQueueLimit?: number } = {},
): Promise<Harness> {
  const db = opts.db ?? (await testDb());
  const services = createServices({ db, clock: opts.clock, ingestQueueLimit: opts.ingestQueueLimit });
  const app = createApp(services, { protect: { ...TEST_PROTECT, ...opts.protect } });
  await app.ready();
  return {
    db,
    services,
    app,
    async program(p = {}) {
      const workspaceId = await services.programs.createWorkspace('test');
      const program = await services.programs.createProgram(workspaceId, {
        name: 'Test program',
        currency: p.currency ?? 'GBP',
        point_currencies: p.point_currencies,
        settings: p.settings,
      });
      const key = await services.programs.createKey({ workspaceId, programId: null, name: 'test admin', scopes: ['admin'] });
      const auth = { authorization: `Bearer ${key.secret}` };
      return {
        programId: program.id,
        workspaceId,
        key: key.secret,
        api: caller(app, { ...auth, 'patron-program': program.id }),
        raw: caller(app, {}),
      };
    },
    async close() {
      await app.close();
      if (!opts.db) await db.close();
    },
  };
}
