import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

/**
 * One guard for every piece of text and structure a client sends, before anything hashes, serialises or
 * stores it: PostgreSQL text and jsonb cannot hold NUL (U+0000), a lone UTF-16 surrogate is not text at all,
 * and JSON nested thousands deep would overflow the stack of `JSON.stringify` (idempotency and event hashes).
 * The HTTP layer runs it over every body, path and query (`installInputGuard`); event parsing runs it over
 * each event, so a batch, an import and the NATS worker refuse a bad event alone, with the same answer.
 */

/** Objects and arrays nested deeper than this are refused (`request.too_deep`). */
export const MAX_JSON_DEPTH = 32;

export interface BadText {
  /** Where, as errors name fields: `properties.note`, `events.3.member.email`, `path.member_id`, `query.cursor`. */
  field: string;
  reason: 'nul' | 'lone_surrogate';
}

export interface BadInput {
  field: string;
  code: 'request.invalid_text' | 'request.too_deep';
  message: string;
  reason?: BadText['reason'];
}

// A quick test first: most strings hold neither a NUL nor any surrogate.
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const SUSPECT = /[\u0000\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored as text, or null when it can. */
export function textProblem(s: string): BadText['reason'] | null {
  if (!SUSPECT.test(s)) return null;
  if (s.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(s) ? 'lone_surrogate' : null;
}

interface Frame {
  value: unknown;
  key: string | null;
  parent: Frame | null;
  depth: number;
}

const pathOf = (f: Frame | null, prefix: string, last?: string): string => {
  const parts: string[] = last === undefined ? [] : [last];
  for (let at = f; at && at.key !== null; at = at.parent) parts.push(at.key);
  const path = parts.reverse().join('.');
  // A bad key is named in the field as well: show its bad characters rather than carry them into the answer.
  // eslint-disable-next-line no-control-regex -- NUL is what is replaced
  const shown = path.replace(/[\u0000\ud800-\udfff]/g, '\ufffd');
  if (!shown) return prefix.endsWith('.') ? prefix.slice(0, -1) || 'body' : prefix || 'body';
  return prefix + shown;
};

/**
 * The first problem in a JSON value (depth-first, without recursion, so any depth is safe to inspect):
 * a container nested deeper than `maxDepth`, or a string or object key that is not storable text.
 * `prefix` is put before the field path (`events.3.`, `path.`, `query.`).
 */
export function inspectInput(value: unknown, prefix = '', maxDepth = MAX_JSON_DEPTH): BadInput | null {
  const stack: Frame[] = [{ value, key: null, parent: null, depth: 0 }];
  while (stack.length) {
    const f = stack.pop()!;
    const v = f.value;
    if (typeof v === 'string') {
      const why = textProblem(v);
      if (why) return textError(pathOf(f, prefix), why);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const depth = f.depth + 1;
    if (depth > maxDepth) {
      const field = pathOf(f, prefix);
      return { field, code: 'request.too_deep', message: `${field} is nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: String(i), parent: f, depth });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const why = textProblem(k);
      if (why) return textError(pathOf(f, prefix, k), why);
      stack.push({ value: (v as Record<string, unknown>)[k], key: k, parent: f, depth });
    }
  }
  return null;
}

/** The exported check for text alone (any depth), for callers that hold a value outside HTTP. */
export function findBadText(value: unknown, path = ''): BadText | null {
  const bad = inspectInput(value, path, Number.POSITIVE_INFINITY);
  if (!bad) return null;
  return { field: bad.field, reason: bad.reason ?? 'nul' };
}

function textError(field: string, why: BadText['reason']): BadInput {
  const message = why === 'nul' ? `${field} contains a NUL character` : `${field} contains an unpaired UTF-16 surrogate`;
  return { field, code: 'request.invalid_text', message, reason: why };
}

export const inputError = (bad: BadInput) => new AppError('invalid', bad.code, bad.message, { field: bad.field });

/** Throws the problem of a value, if it has one. */
export function assertCleanInput(value: unknown, prefix = ''): void {
  const bad = inspectInput(value, prefix);
  if (bad) throw inputError(bad);
}

/**
 * A batch slot that the guard refused before the batch was read: it stands in the body in place of the
 * event, so the batch answers it in its slot (event parsing throws `error`), and hashing the body (the
 * Idempotency-Key check) never walks what was refused — it sees the refusal instead.
 */
export class RefusedSlot {
  /** The event's own id when it is clean text, so the slot still names its event. */
  readonly id?: string;
  constructor(
    readonly error: AppError,
    item: unknown,
  ) {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && !textProblem(id)) this.id = id;
  }
  toJSON() {
    return { refused: this.error.code, field: this.error.details.field ?? null };
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The body field that holds independent items (a batch's `events`): a bad item is replaced by a
     * `RefusedSlot` for the route to answer in its slot, instead of refusing the whole request.
     */
    inputSlots?: string;
  }
}

function guardBody(req: FastifyRequest): void {
  const body = req.body;
  const slotsKey = req.routeOptions.config.inputSlots;
  const items = slotsKey && body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[slotsKey] : undefined;
  if (!slotsKey || !Array.isArray(items)) return assertCleanInput(body);
  const { [slotsKey]: _items, ...envelope } = body as Record<string, unknown>;
  assertCleanInput(envelope);
  items.forEach((item, i) => {
    const bad = inspectInput(item, `${slotsKey}.${i}.`);
    if (bad) items[i] = new RefusedSlot(inputError(bad), item);
  });
}

/** Runs the guard over the path, query and body of every request, before validation and the handler. */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    assertCleanInput(req.params, 'path.');
    assertCleanInput(req.query, 'query.');
    guardBody(req);
  });
}
