import { mkdirSync } from 'node:fs';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';

export type Row = Record<string, unknown>;

/** Something SQL can be sent to: the database itself or an open transaction. */
export interface Queryable {
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one database transaction: it commits if `fn` resolves and rolls back whole if it throws.
   * On PostgreSQL a deadlock or serialization failure retries the whole function, so `fn` must only write
   * through the transaction it is given.
   */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: calls `onMessage` with the payload of every NOTIFY on `channel`, on a connection of its own
   * that reconnects by itself; `onListen` runs each time the LISTEN is in place (again after a reconnect, when
   * notifications may have been missed). PGlite serves one process, which has nobody to hear from.
   */
  listen?(channel: string, onMessage: (payload: string) => void, onListen: () => void): Promise<{ unlisten(): Promise<void> }>;
  /**
   * Runs `fn` while this process holds the advisory lock `name`, if no other process holds it (then answers
   * `acquired: false` without running `fn`). `fn` queries through the database as usual. On PostgreSQL the
   * lock is a session lock on a connection set aside for it, released on that same connection (and by the
   * server if the connection drops); on PGlite only one process can open the database, so it is always held.
   */
  tryLock<T>(name: string, fn: () => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }>;
  close(): Promise<void>;
}

/** What runs once a transaction has committed, by the handle its statements go through (see `afterCommit`). */
const commitHooks = new WeakMap<Queryable, (() => void)[]>();

/**
 * Runs `fn` once the transaction `q` belongs to has committed, and never if it rolls back (a retried attempt's
 * hooks go with it). `q` that is no transaction (the database itself) has committed by the time its statement
 * answered, so `fn` runs at once.
 */
export function afterCommit(q: Queryable, fn: () => void): void {
  const hooks = commitHooks.get(q);
  if (hooks) hooks.push(fn);
  else fn();
}

/** The transaction behind `q` committed: its hooks run, once. */
function committed(q: Queryable | undefined): void {
  const hooks = q ? commitHooks.get(q) : undefined;
  if (q) commitHooks.delete(q);
  for (const h of hooks ?? []) h();
}

const RETRYABLE = new Set(['40001', '40P01']);

/** int8 (bigint) columns come back as JS numbers: every amount Patron stores is validated to fit 2^53. */
const INT8 = 20;

export async function openDb(opts: { databaseUrl?: string; dataDir?: string; poolSize?: number }): Promise<Db> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10) : openPglite(opts.dataDir);
}

/** `dataDir` undefined keeps the database in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // pg_trgm: the member search's trigram indexes (migration 0019), as on PostgreSQL.
  const pg = await PGlite.create(dataDir, { parsers: { [INT8]: (v: string) => Number(v) }, extensions: { pg_trgm } });
  const run = async <T,>(q: Pick<PGlite, 'query'>, text: string, params?: readonly unknown[]) =>
    (await q.query<T>(text, params as unknown[] | undefined)).rows;
  return {
    kind: 'pglite',
    query: (text, params) => run(pg, text, params),
    exec: async (script) => {
      await pg.exec(script);
    },
    tryLock: async (_name, fn) => ({ acquired: true, value: await fn() }),
    tx: (fn) =>
      pg.transaction((t) => {
        const q: Queryable = {
          query: (text, params) => run(t, text, params),
          exec: async (script) => {
            await t.exec(script);
          },
        };
        commitHooks.set(q, []);
        return fn(q).then((out) => ({ out, q }));
      }).then(({ out, q }) => {
        committed(q);
        return out;
      }),
    close: () => pg.close(),
  };
}

export async function openPostgres(url: string, max: number): Promise<Db> {
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    types: {
      int8: { to: INT8, from: [INT8], serialize: (v: unknown) => String(v), parse: (v: string) => Number(v) },
    },
  });
  type Sql = postgres.Sql | postgres.TransactionSql;
  const run = async <T,>(s: Sql, text: string, params?: readonly unknown[]) =>
    (await s.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as T[];
  await sql`select 1`;
  return {
    kind: 'postgres',
    query: (text, params) => run(sql, text, params),
    exec: async (script) => {
      await sql.unsafe(script);
    },
    async tx(fn) {
      for (let attempt = 1; ; attempt++) {
        try {
          let q: Queryable | undefined;
          const body = (t: postgres.TransactionSql) => {
            q = {
              query: (text, params) => run(t, text, params),
              exec: async (script) => {
                await t.unsafe(script);
              },
            };
            commitHooks.set(q, []);
            return fn(q);
          };
          const out = (await sql.begin(body)) as Awaited<ReturnType<typeof fn>>;
          committed(q);
          return out;
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (!code || !RETRYABLE.has(code) || attempt >= 8) throw e;
          await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
        }
      }
    },
    async listen(channel, onMessage, onListen) {
      const { unlisten } = await sql.listen(channel, onMessage, onListen);
      return { unlisten };
    },
    async tryLock(name, fn) {
      const conn = await sql.reserve();
      try {
        const key = `patron:${name}`;
        const [got] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as ok`;
        if (!got?.ok) return { acquired: false };
        try {
          return { acquired: true, value: await fn() };
        } finally {
          await conn`select pg_advisory_unlock(hashtextextended(${key}, 0))`.catch(() => {});
        }
      } finally {
        conn.release();
      }
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/**
 * A PostgreSQL array literal for a `$n::text[]` (or `::bigint[]`, `::boolean[]`, `::timestamptz[]`) parameter.
 * Sending the literal as text works the same on PGlite and the postgres driver, whose own array typing varies.
 */
export function pgArray(values: readonly (string | number | boolean | Date | null | undefined)[]): string {
  const items = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'number') return String(v);
    if (typeof v === 'boolean') return v ? 't' : 'f';
    if (v instanceof Date) return `"${v.toISOString()}"`;
    return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}
