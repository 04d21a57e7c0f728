import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db, Queryable } from './db.js';
import { invalid, unprocessable } from './errors.js';

export interface Outcome {
  status: number;
  body: unknown;
}

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
 */
export async function runWrite(
  db: Db,
  req: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  fn: (q: Queryable) => Promise<Outcome>,
): Promise<FastifyReply> {
  const header = req.headers['idempotency-key'];
  if (header === undefined) {
    const out = await db.tx(fn);
    return reply.code(out.status).send(out.body);
  }
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw invalid('idempotency.invalid_key', 'Idempotency-Key must be 1–255 visible ASCII characters', 'Idempotency-Key');
  }
  const path = req.url.split('?')[0]!;
  const hash = requestHash(req.method, path, req.body);
  const out = await db.tx(async (q) => {
    const claimed = await q.query(
      `insert into idempotency_keys (scope, key, method, path, request_hash, status, response)
       values ($1, $2, $3, $4, $5, 0, 'null') on conflict do nothing returning 1`,
      [scope, header, req.method, path, hash],
    );
    if (claimed.length === 0) {
      const [prev] = await q.query<{ request_hash: string; status: number; response: unknown; path: string }>(
        `select request_hash, status, response, path from idempotency_keys where scope = $1 and key = $2`,
        [scope, header],
      );
      if (!prev || prev.request_hash !== hash) {
        throw unprocessable('idempotency.key_reused', 'This Idempotency-Key was used for a different request', {
          field: 'Idempotency-Key',
        });
      }
      return { status: prev.status, body: prev.response, replayed: true };
    }
    const fresh = await fn(q);
    await q.query(`update idempotency_keys set status = $3, response = $4 where scope = $1 and key = $2`, [
      scope,
      header,
      fresh.status,
      fresh.body ?? null,
    ]);
    return { ...fresh, replayed: false };
  });
  if (out.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(out.status).send(out.body);
}
