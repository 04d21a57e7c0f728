import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import type { Db, Queryable } from '../../platform/db.js';
import { invalid, isAppError } from '../../platform/errors.js';
import { audited, type Outcome, type WriteAudit } from '../../platform/idempotency.js';
import type { Ids } from '../../platform/ids.js';
import type { Principal } from '../programs/index.js';
import type { AuditEntry, AuditList, AuditQuery, AuditRecord } from './audit.contract.js';
import { auditRepo, type AuditFilter, type AuditRow } from './audit.repo.js';

/** What a route says about its write; who did it, when and in which request come from the request. */
export interface AuditDecl {
  action: string;
  target: string;
  /** The target's id when it is known before the write; else the answer's `id`. */
  id?: string | null;
  /** Reads the state before the change, in the write's transaction. */
  before?: (q: Queryable) => Promise<unknown>;
  /** What to keep of the answer (default: the answer itself). */
  after?: (body: unknown) => unknown;
}

export const REDACTED = '[redacted]';
export const PERSONAL = '[personal data]';

/** Keys whose values are secrets: never stored, whatever object they are in. */
const SECRET_KEY = /secret|password|token|setup_url|api_key|authorization|cookie/i;
/** Members' personal fields: the audit log never keeps them, so an erasure leaves nothing of the person here. */
const PERSONAL_KEYS = new Set(['email', 'phone', 'card_number', 'first_name', 'last_name', 'birthdate', 'external_ids', 'identity', 'identities', 'address', 'ip']);
/** Beside those, a member's own free-form attributes (they may hold anything about the person). */
const MEMBER_PERSONAL_KEYS = new Set(['attributes']);

/**
 * A copy of `value` without secrets and without members' personal data: a secret's value becomes
 * "[redacted]", a personal field that has a value "[personal data]" (null stays null, so an entry still shows
 * that a field was set or cleared).
 */
export function redact(value: unknown, member = false, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (depth > 20) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redact(v, member, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(k)) out[k] = v === null || v === undefined ? null : REDACTED;
    else if (PERSONAL_KEYS.has(k) || (member && MEMBER_PERSONAL_KEYS.has(k))) out[k] = v === null || v === undefined ? null : PERSONAL;
    else out[k] = redact(v, member, depth + 1);
  }
  return out;
}

const absent = (err: unknown): null => {
  if (isAppError(err) && err.kind === 'not_found') return null;
  throw err;
};

/** An entry's before and after are objects (or null): any other value is kept as `{ value }`. */
const asObject = (v: unknown): Record<string, unknown> | null =>
  v === null || v === undefined ? null : typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(c: string): string {
  const id = Buffer.from(c, 'base64url').toString('utf8');
  if (!/^aud_[0-9a-z]{26}$/.test(id)) throw invalid('validation.invalid_cursor', 'cursor is not one this list gave', 'cursor');
  return id;
}

function entryView(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: { kind: r.actor_kind, id: r.actor_id, label: r.actor_label },
    action: r.action,
    program_id: r.program_id,
    target: { type: r.target_type, id: r.target_id },
    before: (r.before ?? null) as Record<string, unknown> | null,
    after: (r.after ?? null) as Record<string, unknown> | null,
    request_id: r.request_id,
  };
}

export const CSV_COLUMNS = ['id', 'at', 'actor_kind', 'actor_id', 'actor_label', 'action', 'program_id', 'target_type', 'target_id', 'before', 'after', 'request_id'];
const csvRow = (e: AuditEntry) => [
  e.id,
  e.at,
  e.actor.kind,
  e.actor.id,
  e.actor.label,
  e.action,
  e.program_id ?? '',
  e.target.type,
  e.target.id ?? '',
  e.before === null ? '' : JSON.stringify(e.before),
  e.after === null ? '' : JSON.stringify(e.after),
  e.request_id ?? '',
];

/** The actor of a request: the key or the staff user behind it. */
export function actorOf(p: Principal): AuditRecord['actor'] {
  return { kind: p.kind, id: p.keyId, label: p.label };
}

export function createAuditService(deps: { db: Db; clock: Clock; ids: Ids }) {
  const { db, clock, ids } = deps;

  /** Writes one entry in the caller's transaction (`q`), secrets and personal data left out. */
  async function record(q: Queryable, e: AuditRecord): Promise<void> {
    const member = e.target.type === 'member';
    await auditRepo.insert(q, {
      id: ids.next('aud'),
      workspace_id: e.workspaceId,
      program_id: e.programId,
      at: clock.now(),
      actor_kind: e.actor.kind,
      actor_id: e.actor.id,
      actor_label: e.actor.label,
      action: e.action,
      target_type: e.target.type,
      target_id: e.target.id,
      before: asObject(redact(e.before, member)),
      after: asObject(redact(e.after, member)),
      request_id: e.requestId ?? null,
    });
  }

  /**
   * The audit declaration of a request's write, for `runWrite` (or `write` below): the before-state is read
   * first in the write's transaction, the entry written after the change with the answer as the after-state.
   */
  function of(req: FastifyRequest, programId: string | null, decl: AuditDecl): WriteAudit {
    return {
      async begin(q) {
        // A target that is not there has no before-state: the write itself answers its 404.
        const before = decl.before ? await decl.before(q).catch(absent) : null;
        return async (out: Outcome) => {
          const p = req.principal;
          if (!p) return;
          const after = decl.after ? decl.after(out.body) : out.body;
          const answerId = (out.body as { id?: unknown } | null)?.id;
          await record(q, {
            workspaceId: p.workspaceId,
            programId,
            actor: actorOf(p),
            action: decl.action,
            target: { type: decl.target, id: decl.id ?? (typeof answerId === 'string' ? answerId : null) },
            before,
            after,
            requestId: req.id,
          });
        };
      },
    };
  }

  /** A write that is not idempotent (no `runWrite`), with its entry, in one transaction: answers the body. */
  async function write<T>(req: FastifyRequest, programId: string | null, decl: AuditDecl, fn: (q: Queryable) => Promise<T>): Promise<T> {
    const out = await db.tx((q) => audited(q, async (t) => ({ status: 200, body: await fn(t) }), of(req, programId, decl)));
    return out.body as T;
  }

  function filterOf(workspaceId: string, programIds: readonly string[] | undefined, query: AuditQuery): Omit<AuditFilter, 'limit'> {
    const action = query.action;
    return {
      workspaceId,
      programIds,
      actorId: query.actor_id,
      action: action !== undefined && !action.endsWith('.') ? action : undefined,
      actionPrefix: action !== undefined && action.endsWith('.') ? action : undefined,
      targetType: query.target_type,
      targetId: query.target_id,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
      before: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    };
  }

  return {
    record,
    of,
    write,

    /** A page of a workspace's entries (of `programIds` only, when given), newest first. */
    async list(workspaceId: string, programIds: readonly string[] | undefined, query: AuditQuery): Promise<AuditList> {
      const rows = await auditRepo.list(db, { ...filterOf(workspaceId, programIds, query), limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      return { data: page.map(entryView), next_cursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.id) : null };
    },

    /** Every matching entry as CSV, newest first, read a page at a time as the answer is sent. */
    csv(workspaceId: string, programIds: readonly string[] | undefined, query: AuditQuery): Readable {
      const base = filterOf(workspaceId, programIds, query);
      async function* lines() {
        yield stringify([CSV_COLUMNS]);
        let before = base.before;
        for (;;) {
          const rows = await auditRepo.list(db, { ...base, before, limit: 500 });
          if (rows.length) yield stringify(rows.map((r) => csvRow(entryView(r))));
          if (rows.length < 500) return;
          before = rows.at(-1)!.id;
        }
      }
      return Readable.from(lines());
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
