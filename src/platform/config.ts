import { resolve } from 'node:path';

/** Everything Patron reads from the environment, read once at start-up. */
export interface Config {
  /** `postgres://…` to run on PostgreSQL; unset to run on the embedded PGlite database. */
  databaseUrl: string | undefined;
  /** Where the embedded database and the first admin key live. */
  dataDir: string;
  host: string;
  port: number;
  logLevel: string;
  /** How often the in-process maintenance job (pending release, expiry, stale holds) runs; 0 turns it off. */
  jobsIntervalSeconds: number;
  /** Connections in the PostgreSQL pool. */
  poolSize: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(`DATABASE_URL must start with postgres:// (got "${databaseUrl.split('@').pop()}")`);
  }
  return {
    databaseUrl,
    dataDir: resolve(env.PATRON_DATA_DIR || 'data'),
    host: env.HOST || '0.0.0.0',
    port: int(env, 'PORT', 3000),
    logLevel: env.LOG_LEVEL || 'info',
    jobsIntervalSeconds: int(env, 'PATRON_JOBS_INTERVAL', 60),
    poolSize: int(env, 'PATRON_DB_POOL', 10),
  };
}
