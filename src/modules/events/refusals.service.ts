import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import { DAY_MS } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { AppError, invalid, isAppError, notFound, toProblem } from '../../platform/errors.js';
import { parseDayOrInstant } from '../../platform/instant.js';
import type { Program, ProgramsService } from '../programs/index.js';
import { memberRefKey, type MembersService } from '../members/index.js';
import { parseEvent, type EventInput, type EventRefusalListQuery, type RefusalSource } from './events.contract.js';
import { decodeCursor, encodeCursor, memberFilterRef } from './events.filters.js';
import { refusalsRepo as repo, type RefusalRow } from './refusals.repo.js';

/** How long a refusal is kept: the maintenance job deletes older ones. */
export const REFUSAL_RETENTION_DAYS = 90;

/** A refusal as a problem: what the caller was answered with. */
export interface RefusalProblem {
  status: number;
  code: string;
  detail: string;
  field?: string;
}

/** An event that parsed, and what refused it. */
export interface Refused {
  event: EventInput;
  error: AppError | RefusalProblem;
}

/**
 * The statuses that say the event was refused for what it meant: a domain 400 (an event dated too far ahead, a
 * malformed identity), an unknown member or order (404), a reused id or order (409), a business rule (422).
 * Not kept: refusals of the caller (401, 403), of the request's size (413), of the server's load (429, 503).
 */
const KEPT_STATUSES = new Set([400, 404, 409, 422]);

/** Deleted per statement by the maintenance job, so a large backlog never holds one long transaction. */
const PRUNE_BATCH = 1_000;

const problemOf = (error: AppError | RefusalProblem): RefusalProblem => {
  if (!(error instanceof AppError)) return error;
  const p = toProblem(error);
  return { status: p.status, code: p.code, detail: p.detail, ...(p.field ? { field: p.field } : {}) };
};

/**
 * A batch slot's raw event as its refusal is kept: parsed again, since only an event that had the shape of an
 * event is kept (a body that is not one was refused for its form, and writes nothing). Undefined if it does not parse.
 */
export function parsedSlot(raw: unknown): EventInput | undefined {
  try {
    return parseEvent(raw);
  } catch {
    return undefined;
  }
}

/**
 * Refused events: the diagnostic record of events a request or a worker refused for what they meant. The
 * refused event wrote nothing; its refusal is written beside it (after its transaction rolled back, or in its
 * batch's transaction after its savepoint rolled back), and never makes the caller's answer fail.
 */
export function createRefusalsService(deps: {
  db: Db;
  clock: Clock;
  ids: Ids;
  members: MembersService;
  programs: Pick<ProgramsService, 'allProgramIds'>;
  log: Logger;
}) {
  const { db, clock, ids, members, programs, log } = deps;

  async function rowsOf(q: Queryable, program: Program, source: RefusalSource, list: readonly Refused[]): Promise<RefusalRow[]> {
    const kept = list.map((r) => ({ event: r.event, problem: problemOf(r.error) })).filter((r) => KEPT_STATUSES.has(r.problem.status));
    if (kept.length === 0) return [];
    const refs = kept.flatMap(({ event: e }) => ('member' in e && e.member ? [e.member] : []));
    const known = refs.length ? await members.lookup(q, program.id, refs) : new Map<string, { memberId: string }>();
    // A refund that names no member is the member's of its order, if the order exists.
    const orderIds = kept.flatMap(({ event: e }) => (e.type === 'refund' && !('member' in e && e.member) ? [(e as { order_id: string }).order_id] : []));
    const owners = await repo.orderMembers(q, program.id, orderIds);
    const now = clock.now();
    return kept.map(({ event: e, problem }) => {
      const ref = 'member' in e && e.member ? e.member : null;
      const key = ref ? memberRefKey(ref) : null;
      const orderId = 'order_id' in e ? e.order_id : null;
      const memberId = key ? (known.get(key)?.memberId ?? null) : orderId && e.type === 'refund' ? (owners.get(orderId) ?? null) : null;
      // A field names the event's own field, not its slot in a batch.
      const field = problem.field?.replace(/^events\.\d+\./, '');
      return {
        id: ids.next('erf'),
        event_id: e.id,
        type: e.type,
        member_id: memberId,
        member_ref: ref,
        member_key: key,
        order_id: orderId,
        payload: e,
        status: problem.status,
        code: problem.code,
        detail: problem.detail,
        field: field ?? null,
        source,
        occurred_at: e.occurred_at ? new Date(e.occurred_at) : null,
        refused_at: now,
      };
    });
  }

  function view(r: RefusalRow) {
    return {
      id: r.id,
      event_id: r.event_id,
      type: r.type,
      member_id: r.member_id,
      member_ref: r.member_ref,
      order_id: r.order_id,
      payload: r.payload,
      problem: { status: r.status, code: r.code, detail: r.detail, ...(r.field ? { field: r.field } : {}) },
      source: r.source,
      occurred_at: r.occurred_at ? r.occurred_at.toISOString() : null,
      refused_at: r.refused_at.toISOString(),
    };
  }

  return {
    /**
     * Keeps refused events, outside any transaction (the refused event's own was rolled back). Only refusals
     * for what an event meant are kept (see KEPT_STATUSES); a failure to keep them is logged, not thrown.
     */
    async record(program: Program, source: RefusalSource, list: readonly Refused[]): Promise<void> {
      try {
        await repo.insertMany(db, program.id, await rowsOf(db, program, source, list));
      } catch (err) {
        log.warn({ err, programId: program.id, source, events: list.length }, 'could not keep refused events');
      }
    },

    /**
     * Keeps refused events inside the caller's transaction (a batch whose refused slots were rolled back to
     * their savepoints), under a savepoint of its own: a failure is logged and leaves the batch as it was.
     */
    async recordIn(q: Queryable, program: Program, source: RefusalSource, list: readonly Refused[]): Promise<void> {
      const rows = await rowsOf(q, program, source, list);
      if (rows.length === 0) return;
      await q.query('savepoint refusals');
      try {
        await repo.insertMany(q, program.id, rows);
        await q.query('release savepoint refusals');
      } catch (err) {
        await q.query('rollback to savepoint refusals');
        log.warn({ err, programId: program.id, source, events: rows.length }, 'could not keep refused events');
      }
    },

    /**
     * The refusals, newest first, filtered as the event log is; a member filter matches refusals naming that
     * member (by id, or resolved from any identity) and refusals naming that very identity, even one nobody has.
     */
    async list(program: Program, query: EventRefusalListQuery) {
      let memberId: string | undefined;
      let memberKey: string | undefined;
      if (query.member !== undefined) {
        const ref = memberFilterRef(query.member.trim());
        try {
          memberId = (await members.resolve(db, program.id, ref, { autoEnrol: false, at: clock.now() })).memberId;
        } catch (err) {
          if (!isAppError(err) || err.code !== 'member.not_found') {
            if (isAppError(err) && err.details.field) err.details.field = 'member';
            throw err;
          }
        }
        memberKey = memberRefKey(ref) ?? undefined;
      }
      const from = query.from === undefined ? undefined : parseDayOrInstant(query.from, 'from');
      const to = query.to === undefined ? undefined : parseDayOrInstant(query.to, 'to');
      if (from && to && from >= to) throw invalid('event.invalid_range', 'to must be after from', 'to');
      const rows = await repo.list(db, program.id, {
        type: query.type,
        memberId,
        memberKey,
        code: query.code,
        eventId: query.event_id,
        from,
        to,
        after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return { data: page.map(view), next_cursor: rows.length > query.limit && last ? encodeCursor(last.refused_at, last.id) : null };
    },

    /** The 404 for an event id never applied but refused: it says when and why. Undefined if never refused. */
    async notApplied(program: Program, eventId: string): Promise<AppError | undefined> {
      const r = await repo.latest(db, program.id, eventId);
      if (!r) return undefined;
      return notFound('event.not_found', `No event ${eventId}: it was refused at ${r.refused_at.toISOString()} (${r.code}: ${r.detail})`, 'event_id');
    },

    /** Deletes refusals older than REFUSAL_RETENTION_DAYS, program by program; answers how many went. */
    async prune(opts: { programId?: string; now?: Date } = {}): Promise<{ refusals_deleted: number }> {
      const before = new Date((opts.now ?? clock.now()).getTime() - REFUSAL_RETENTION_DAYS * DAY_MS);
      let deleted = 0;
      for (const programId of opts.programId ? [opts.programId] : await programs.allProgramIds()) {
        for (;;) {
          const n = await repo.prune(db, programId, before, PRUNE_BATCH);
          deleted += n;
          if (n < PRUNE_BATCH) break;
        }
      }
      return { refusals_deleted: deleted };
    },
  };
}

export type RefusalsService = ReturnType<typeof createRefusalsService>;
