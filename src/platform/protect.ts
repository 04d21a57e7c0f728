import type { FastifyReply, FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import { loadConfig, type Config } from './config.js';
import { AppError } from './errors.js';
import type { App } from './http.js';

/**
 * What stands between the internet and the routes: security headers, CORS, load shedding and rate limits.
 * Every limit is per server process (the counters live in its memory); 0 turns a limit off.
 */
export interface ProtectOptions {
  /** Requests per minute one API key may make (PATRON_RATE_LIMIT). */
  rateLimitPerMinute: number;
  /** Failed authentications per minute from one client address before it is refused (PATRON_AUTH_FAILURE_LIMIT). */
  authFailuresPerMinute: number;
  /** Origins a browser may call the API from (PATRON_CORS_ORIGINS); none: CORS stays off. */
  corsOrigins: readonly string[];
  /** Mean event-loop delay, in ms, over which requests are shed with 503 (PATRON_MAX_EVENT_LOOP_DELAY). */
  maxEventLoopDelayMs: number;
}

/** The options as the environment sets them (see config.ts for the variables and their defaults). */
export function protectOptions(config: Config): ProtectOptions {
  const { rateLimitPerMinute, authFailuresPerMinute, corsOrigins, maxEventLoopDelayMs } = config;
  return { rateLimitPerMinute, authFailuresPerMinute, corsOrigins, maxEventLoopDelayMs };
}

/** The defaults, as with no variable set. */
export const DEFAULT_PROTECT: ProtectOptions = protectOptions(loadConfig({}));

const MINUTE = 60_000;

/** The headers a browser may send on a cross-origin call, and those its script may read from the answer. */
const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'patron-program', 'x-request-id'];
const CORS_EXPOSED_HEADERS = [
  'retry-after',
  'x-request-id',
  'idempotent-replayed',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
];

export const serverBusy = (what: string, retryAfter = 1) =>
  new AppError('unavailable', 'server.busy', `The server is busy (${what}); retry in a moment.`, { retry_after: retryAfter });

/**
 * Registers the guards on the root of the app, before any route (the docs' included), so each applies to all.
 * Rate limits are not hooks of their own: authentication applies them (see `authLimits`), since one counts
 * per API key and the other only failed attempts.
 */
export function registerGuards(app: App, opts: ProtectOptions): void {
  app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      // helmet's defaults already let /docs (swagger-ui: scripts and styles from 'self', data: images) work.
      // Patron itself serves plain HTTP: upgrading every sub-request to https would break /docs unless a
      // TLS proxy is in front, and such a proxy can add the directive itself.
      directives: { upgradeInsecureRequests: null },
    },
  });
  if (opts.corsOrigins.length) {
    app.register(cors, {
      origin: [...opts.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
  if (opts.maxEventLoopDelayMs > 0) {
    app.register(underPressure, {
      maxEventLoopDelay: opts.maxEventLoopDelayMs,
      pressureHandler: async () => {
        throw serverBusy('its event loop is saturated');
      },
    });
  }
  // Only its store and `createRateLimit` are used; no route gets its hook.
  app.register(rateLimit, { global: false });
}

/** The limits authentication applies: per client address on failures, per API key on every call. */
export interface AuthLimits {
  /** Refuses (429) an address that failed to authenticate too often within the minute. */
  checkAddress(req: FastifyRequest): Promise<void>;
  /** Counts a failed authentication of the address. */
  failed(req: FastifyRequest): Promise<void>;
  /** Counts a call of the key; refuses (429) past the key's limit. */
  checkKey(req: FastifyRequest, reply: FastifyReply, keyId: string): Promise<void>;
}

/** Made in a scope registered after `registerGuards` (the rate-limit store is a decorator of the root). */
export function authLimits(app: App, opts: ProtectOptions): AuthLimits | undefined {
  if (opts.authFailuresPerMinute <= 0 && opts.rateLimitPerMinute <= 0) return undefined;
  const byAddress =
    opts.authFailuresPerMinute > 0
      ? app.createRateLimit({ max: opts.authFailuresPerMinute, timeWindow: MINUTE, keyGenerator: (req) => `auth:${req.ip}` })
      : undefined;
  const keyOf = new WeakMap<FastifyRequest, string>();
  const byKey =
    opts.rateLimitPerMinute > 0
      ? app.createRateLimit({ max: opts.rateLimitPerMinute, timeWindow: MINUTE, keyGenerator: (req) => `key:${keyOf.get(req) ?? ''}` })
      : undefined;
  return {
    async checkAddress(req) {
      if (!byAddress) return;
      const seen = await byAddress(req, { increment: false });
      if (seen.isAllowed || seen.remaining > 0) return;
      throw new AppError(
        'rate_limited',
        'auth.rate_limited',
        'Too many failed authentications from this address; wait before trying again.',
        { retry_after: Math.max(1, seen.ttlInSeconds) },
      );
    },
    async failed(req) {
      if (byAddress) await byAddress(req);
    },
    async checkKey(req, reply, keyId) {
      if (!byKey) return;
      keyOf.set(req, keyId);
      const r = await byKey(req);
      if (r.isAllowed) return;
      reply.header('x-ratelimit-limit', r.max);
      reply.header('x-ratelimit-remaining', r.remaining);
      reply.header('x-ratelimit-reset', r.ttlInSeconds);
      if (r.isExceeded) {
        throw new AppError('rate_limited', 'request.rate_limited', `This API key made more than ${r.max} requests this minute.`, {
          retry_after: Math.max(1, r.ttlInSeconds),
        });
      }
    },
  };
}

/** PostgreSQL's SQLSTATE classes and codes of a server that is away: connection exceptions, shutdown, no room. */
const PG_AWAY = /^(08...|57P0[1-3]|53300)$/;
/** Sockets that failed, and postgres.js's own words for a connection it lost or could not open. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * The error a lost database raised, as the 503 a client can retry (`db.unavailable`); anything else undefined.
 * Lookups that failed this way must not turn into "not found" or "not authenticated" on the way here.
 */
export function databaseUnavailable(err: unknown): AppError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  const message = (err as { message?: unknown }).message;
  const away =
    (typeof code === 'string' && (CONNECTION_CODES.has(code) || PG_AWAY.test(code))) ||
    // PGlite closed under the server (the process is stopping, or the database was shut).
    message === 'PGlite is closed';
  if (!away) return undefined;
  return new AppError('unavailable', 'db.unavailable', 'The database is unavailable; retry in a moment.', { retry_after: 5 });
}
