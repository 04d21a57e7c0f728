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

declare global {
  interface String {
    /** ES2024 (node 20): false when the string holds a lone surrogate. */
    isWellFormed(): boolean;
  }
}

/** Why a string cannot be stored as text, or null when it can. */
export function textProblem(s: string): BadText['reason'] | null {
  // Most strings are short and clean: a loop over their code units is quickest; longer ones use the built-ins.
  if (s.length < 24) {
    let surrogate = false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0) return 'nul';
      if (c >= 0xd800 && c <= 0xdfff) surrogate = true;
    }
    if (!surrogate) return null;
  } else if (s.includes('\u0000')) return 'nul';
  return s.isWellFormed() ? null : 'lone_surrogate';
}

const fieldOf = (parts: readonly string[], given: string): string => {
  // `events.3.` and `events.3` name the same place.
  const prefix = given && !given.endsWith('.') ? `${given}.` : given;
  const path = parts.join('.');
  // A bad key is named in the field as well: show its bad characters rather than carry them into the answer.
  // eslint-disable-next-line no-control-regex -- NUL is what is replaced
  const shown = path.replace(/[\u0000\ud800-\udfff]/g, '\ufffd');
  if (!shown) return prefix.endsWith('.') ? prefix.slice(0, -1) || 'body' : prefix || 'body';
  return prefix + shown;
};

interface Found {
  /** From the problem up to the value inspected (reversed). */
  up: string[];
  why: BadText['reason'] | 'deep';
}

/** The walk of `inspectInput` for a bounded depth: it recurses at most `max` levels, so the stack is safe. */
function walk(v: unknown, level: number, max: number): Found | null {
  if (typeof v === 'string') {
    const why = textProblem(v);
    return why ? { up: [], why } : null;
  }
  if (typeof v !== 'object' || v === null) return null;
  if (level >= max) return { up: [], why: 'deep' };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = walk(v[i], level + 1, max);
      if (found) {
        found.up.push(String(i));
        return found;
      }
    }
    return null;
  }
  for (const k of Object.keys(v)) {
    const why = textProblem(k);
    if (why) return { up: [k], why };
    const found = walk((v as Record<string, unknown>)[k], level + 1, max);
    if (found) {
      found.up.push(k);
      return found;
    }
  }
  return null;
}

interface Frame {
  value: unknown;
  key: string | null;
  parent: Frame | null;
}

/** The same walk without recursion, for any depth (`findBadText`). */
function walkAnyDepth(value: unknown): Found | null {
  const stack: Frame[] = [{ value, key: null, parent: null }];
  const upOf = (f: Frame, last?: string) => {
    const up = last === undefined ? [] : [last];
    for (let at: Frame | null = f; at && at.key !== null; at = at.parent) up.push(at.key);
    return up;
  };
  while (stack.length) {
    const f = stack.pop()!;
    const v = f.value;
    if (typeof v === 'string') {
      const why = textProblem(v);
      if (why) return { up: upOf(f), why };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: String(i), parent: f });
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        const why = textProblem(k);
        if (why) return { up: upOf(f, k), why };
        stack.push({ value: (v as Record<string, unknown>)[k], key: k, parent: f });
      }
    }
  }
  return null;
}

/**
 * The first problem in a JSON value, depth-first: a container nested deeper than `maxDepth`, or a string or
 * object key that is not storable text. `prefix` is put before the field path (`events.3.`, `path.`,
 * `query.`). Any depth is safe to inspect: the walk stops at `maxDepth`.
 */
export function inspectInput(value: unknown, prefix = '', maxDepth = MAX_JSON_DEPTH): BadInput | null {
  const found = Number.isFinite(maxDepth) && maxDepth <= 1000 ? walk(value, 0, maxDepth) : walkAnyDepth(value);
  if (!found) return null;
  const field = fieldOf(found.up.reverse(), prefix);
  if (found.why === 'deep') return { field, code: 'request.too_deep', message: `${field} is nested deeper than ${maxDepth} levels` };
  return textError(field, found.why);
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
