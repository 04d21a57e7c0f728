import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from './clock.js';
import type { Db, Queryable } from './db.js';
import { AppError, invalid, unprocessable } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Who is calling: an API key id today (staff users and member sessions later). Idempotency records are
     * theirs, so one caller can never read another's stored answer.
     */
    principalId?: string;
  }
  interface FastifyInstance {
    /** The time source of the services (tests move it): idempotency records expire by it. */
    clock: Clock;
  }
}

export interface Outcome {
  status: number;
  body: unknown;
  /**
   * What a replay answers, when it must differ from the first answer: a secret shown once (a new API key's)
   * is never written to the idempotency record, so its replay says so instead of repeating it.
   */
  replay?: unknown;
}

/**
 * What a write records about itself in the audit log, in the write's own transaction: `begin` runs first
 * (it reads the state before the change) and answers what to call with the write's outcome once `fn` has made
 * it. A replay runs neither; a write that fails rolls its entry back with it. (The audit module makes these.)
 */
export interface WriteAudit {
  begin(q: Queryable): Promise<(out: Outcome) => Promise<void>>;
}

/** Runs `fn` with its audit entry, if it has one, in the caller's transaction. */
export async function audited(q: Queryable, fn: (q: Queryable) => Promise<Outcome>, audit?: WriteAudit): Promise<Outcome> {
  const finish = await audit?.begin(q);
  const out = await fn(q);
  await finish?.(out);
  return out;
}

/** How long a stored answer replays; after that the same key is a fresh request. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

const KEY = /^[\x21-\x7e]{1,255}$/;

/** A stable hash of what was asked: same method, path and JSON body give the same hash. */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n`)
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

/**
 * Runs a write in one transaction and answers it. With an `Idempotency-Key` header the key is claimed in the
 * same transaction as the write, so a retry (even a parallel one) waits for the first, then gets its stored
 * answer and writes nothing; the same key with a different body is a 422. A write that fails rolls back
 * with its key, so it can be retried.
 *
 * A record belongs to the principal that made it, within `scope` (the program, or the workspace for
 * workspace-level calls): another principal sending the same key and body is not a retry of that request
 * but a fresh request of its own, and never sees the stored answer. Records replay for 24 hours; an expired
 * record is claimed anew in place, and the maintenance job deletes the rest (`purgeIdempotency`).
 * With `audit`, the write's audit entry is written in the same transaction (a replay writes none).
 */
export async function runWrite(
  db: Db,
  req: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  fn: (q: Queryable) => Promise<Outcome>,
  audit?: WriteAudit,
): Promise<FastifyReply> {
  const header = req.headers['idempotency-key'];
  if (header === undefined) {
    const out = await db.tx((q) => audited(q, fn, audit));
    return reply.code(out.status).send(out.body);
  }
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw invalid('idempotency.invalid_key', 'Idempotency-Key must be 1–255 visible ASCII characters', 'Idempotency-Key');
  }
  const principal = req.principalId;
  if (!principal) throw new AppError('unauthorized', 'auth.missing_key', 'Send an API key: Authorization: Bearer <key>');
  const path = req.url.split('?')[0]!;
  const hash = requestHash(req.method, path, req.body);
  const now = req.server.clock.now();
  const out = await db.tx(async (q) => {
    // An expired record is taken over by the new request (the conditional update); a live one is left alone.
    const claimed = await q.query(
      `insert into idempotency_keys (scope, principal_id, key, method, path, request_hash, status, response, created_at, expires_at)
       values ($1, $2, $3, $4, $5, $6, 0, 'null', $7, $8)
       on conflict (scope, principal_id, key) do update
         set method = excluded.method, path = excluded.path, request_hash = excluded.request_hash, status = 0,
             response = 'null', created_at = excluded.created_at, expires_at = excluded.expires_at
         where idempotency_keys.expires_at <= $7
       returning 1`,
      [scope, principal, header, req.method, path, hash, now, new Date(now.getTime() + IDEMPOTENCY_TTL_MS)],
    );
    if (claimed.length === 0) {
      const [prev] = await q.query<{ request_hash: string; status: number; response: unknown; path: string }>(
        `select request_hash, status, response, path from idempotency_keys where scope = $1 and principal_id = $2 and key = $3`,
        [scope, principal, header],
      );
      if (!prev || prev.request_hash !== hash) {
        throw unprocessable('idempotency.key_reused', 'This Idempotency-Key was used for a different request', {
          field: 'Idempotency-Key',
        });
      }
      return { status: prev.status, body: prev.response, replayed: true };
    }
    const fresh = await audited(q, fn, audit);
    await q.query(`update idempotency_keys set status = $4, response = $5 where scope = $1 and principal_id = $2 and key = $3`, [
      scope,
      principal,
      header,
      fresh.status,
      (fresh.replay === undefined ? fresh.body : fresh.replay) ?? null,
    ]);
    return { status: fresh.status, body: fresh.body, replayed: false };
  });
  if (out.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(out.status).send(out.body);
}

/**
 * Deletes the idempotency records that expired by `now` (of one scope, or all), in short batches so a large
 * backlog never holds one long transaction. Returns how many went.
 */
export async function purgeIdempotency(db: Db, now: Date, scope?: string): Promise<number> {
  let purged = 0;
  for (;;) {
    const rows = await db.query<{ n: number }>(
      `with gone as (
         delete from idempotency_keys where (scope, principal_id, key) in (
           select scope, principal_id, key from idempotency_keys
           where expires_at <= $1 and ($2::text is null or scope = $2) limit 1000)
         returning 1)
       select count(*)::int as n from gone`,
      [now, scope ?? null],
    );
    const n = rows[0]?.n ?? 0;
    purged += n;
    if (n < 1000) return purged;
  }
}
