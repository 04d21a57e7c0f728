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
  /** How often journeys read new happenings and move members whose wait is over (PATRON_JOURNEYS_INTERVAL); 0: never. */
  journeysIntervalSeconds: number;
  /** How long an analysis job stays its owner's without a renewal; another process marks it interrupted after. */
  jobLeaseSeconds: number;
  /** Connections in the PostgreSQL pool. */
  poolSize: number;
  /** How `POST /v1/events` applies events: inline (in the request's transaction) or through NATS JetStream. */
  ingest: 'inline' | 'nats';
  /** The NATS server of the scaled-out shape. */
  natsUrl: string;
  /** The JetStream stream (and subject prefix) events go through. */
  stream: string;
  /** Partitions of the stream: the unit of ordering and of work shared between workers. */
  partitions: number;
  /** Security and limits of the HTTP server (see protect.ts); 0 turns a limit off. */
  rateLimitPerMinute: number;
  authFailuresPerMinute: number;
  corsOrigins: string[];
  maxEventLoopDelayMs: number;
  /** Events the in-process ingest queue holds before new ones are refused with 503 `server.busy`. */
  ingestQueueLimit: number;
  /** Which proxies' X-Forwarded-For gives the client address: false (none), true (any), or addresses/CIDRs. */
  trustProxy: boolean | string;
  /** Staff sessions end after this many minutes without a request (PATRON_STAFF_SESSION_IDLE_MINUTES, or _HOURS). */
  staffSessionIdleMinutes: number;
  /** The address people reach this server at, for links (PATRON_PUBLIC_URL); unset: the listen address. */
  publicUrl: string | undefined;
  /** The SMTP server of programs without their own (PATRON_SMTP_URL: smtp://user:pass@host:587, smtps://…); unset: the outbox. */
  smtpUrl: string | undefined;
  /** The From of mail through PATRON_SMTP_URL or the outbox (PATRON_SMTP_FROM). */
  smtpFrom: string | undefined;
  /** How often `patron serve` hands due messages over (PATRON_DISPATCH_INTERVAL, seconds); 0 turns it off. */
  dispatchIntervalSeconds: number;
  /** The email of the owner record made on the first start (PATRON_OWNER_EMAIL). */
  ownerEmail: string;
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
  const ingest = env.PATRON_INGEST || 'inline';
  if (ingest !== 'inline' && ingest !== 'nats') throw new Error(`PATRON_INGEST must be inline or nats, got "${ingest}"`);
  const stream = env.PATRON_STREAM || 'PATRON_EVENTS';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream)) throw new Error(`PATRON_STREAM must be letters, digits, _ or -, got "${stream}"`);
  const partitions = int(env, 'PATRON_PARTITIONS', 8);
  if (partitions < 1 || partitions > 1024) throw new Error(`PATRON_PARTITIONS must be 1 to 1024, got ${partitions}`);
  const corsOrigins = (env.PATRON_CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(o)) throw new Error(`PATRON_CORS_ORIGINS takes origins such as https://shop.example, got "${o}"`);
  }
  const smtpUrl = env.PATRON_SMTP_URL?.trim() || undefined;
  if (smtpUrl && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) throw new Error('PATRON_SMTP_URL must be smtp://user:pass@host:port or smtps://…');
  const proxy = env.PATRON_TRUST_PROXY?.trim() || 'false';
  const trustProxy = proxy === 'true' ? true : proxy === 'false' ? false : proxy;
  return {
    databaseUrl,
    dataDir: resolve(env.PATRON_DATA_DIR || 'data'),
    host: env.HOST || '0.0.0.0',
    port: int(env, 'PORT', 3000),
    logLevel: env.LOG_LEVEL || 'info',
    jobsIntervalSeconds: int(env, 'PATRON_JOBS_INTERVAL', 60),
    journeysIntervalSeconds: int(env, 'PATRON_JOURNEYS_INTERVAL', 5),
    jobLeaseSeconds: Math.max(1, int(env, 'PATRON_JOB_LEASE_SECONDS', 30)),
    poolSize: int(env, 'PATRON_DB_POOL', 10),
    ingest,
    natsUrl: env.NATS_URL || 'nats://127.0.0.1:4222',
    stream,
    partitions,
    rateLimitPerMinute: int(env, 'PATRON_RATE_LIMIT', 6000),
    authFailuresPerMinute: int(env, 'PATRON_AUTH_FAILURE_LIMIT', 30),
    corsOrigins,
    maxEventLoopDelayMs: int(env, 'PATRON_MAX_EVENT_LOOP_DELAY', 1000),
    ingestQueueLimit: int(env, 'PATRON_INGEST_QUEUE_LIMIT', 10_000),
    trustProxy,
    staffSessionIdleMinutes: Math.max(1, env.PATRON_STAFF_SESSION_IDLE_MINUTES ? int(env, 'PATRON_STAFF_SESSION_IDLE_MINUTES', 720) : 60 * int(env, 'PATRON_STAFF_SESSION_IDLE_HOURS', 12)),
    publicUrl: env.PATRON_PUBLIC_URL?.trim().replace(/\/+$/, '') || undefined,
    smtpUrl,
    smtpFrom: env.PATRON_SMTP_FROM?.trim() || undefined,
    dispatchIntervalSeconds: int(env, 'PATRON_DISPATCH_INTERVAL', 5),
    ownerEmail: (env.PATRON_OWNER_EMAIL?.trim() || 'owner@localhost').toLowerCase(),
  };
}
