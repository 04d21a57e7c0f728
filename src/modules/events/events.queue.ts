import type { Db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { serverBusy } from '../../platform/protect.js';
import type { Logger } from '../../platform/logger.js';
import type { Program } from '../programs/index.js';
import type { EventInput } from './events.contract.js';
import type { EventsService, IngestOutcome } from './events.service.js';

interface Waiting {
  event: EventInput;
  resolve(out: IngestOutcome): void;
  reject(err: unknown): void;
}

/**
 * Group commit for single events: requests that arrive while earlier ones are being written wait together and
 * go into the next database transaction as one batch (`ingestMany`), so a busy server pays for one commit per
 * group instead of one per event. Each caller is answered only after its group has committed, with its own
 * outcome or the error that refused its event alone; an idle server writes a lone event at once.
 */
export function createIngestQueue(deps: {
  db: Db;
  events: EventsService;
  log: Logger;
  maxBatch?: number;
  concurrency?: number;
  /** Events waiting or being written at most (0: no bound); one more is refused (503 server.busy), unwritten. */
  limit?: number;
}) {
  const { db, events, log } = deps;
  const maxBatch = deps.maxBatch ?? 100;
  const limit = deps.limit === 0 ? Infinity : deps.limit ?? 10_000;
  /** Events submitted and not yet answered. */
  let pending = 0;
  // PGlite has one connection: a second transaction would only wait for the first.
  const concurrency = deps.concurrency ?? (db.kind === 'pglite' ? 1 : 8);
  const queues = new Map<string, { program: Program; waiting: Waiting[] }>();
  let running = 0;

  async function write(program: Program, group: Waiting[]) {
    let outcomes: (IngestOutcome | AppError)[];
    try {
      // A lone event takes the single-event path: fewer statements than a batch's set-up.
      outcomes =
        group.length === 1
          ? [await db.tx((q) => events.ingest(q, program, group[0]!.event)).catch((err: unknown) => (err instanceof AppError ? err : Promise.reject(err)))]
          : await db.tx((q) => events.ingestMany(q, program, group.map((w) => w.event), { parsed: true }));
    } catch (err) {
      // Something other than a refused event broke the group: each event is tried on its own, so one bad
      // event cannot fail the requests it happened to share a transaction with.
      if (group.length === 1) return group[0]!.reject(err);
      log.warn({ err, programId: program.id, events: group.length }, 'a group of events failed together; writing them one by one');
      for (const w of group) await write(program, [w]);
      return;
    }
    outcomes.forEach((o, i) => (o instanceof AppError ? group[i]!.reject(o) : group[i]!.resolve(o)));
  }

  function pump() {
    for (const [id, queue] of queues) {
      if (running >= concurrency) return;
      const group = queue.waiting.splice(0, maxBatch);
      if (queue.waiting.length === 0) queues.delete(id);
      running++;
      void write(queue.program, group).finally(() => {
        running--;
        pump();
      });
    }
  }

  return {
    /** Events submitted and not yet answered (waiting, or in a transaction being written). */
    size: () => pending,

    /** Applies a validated event with the next group of its program; resolves once it is committed. */
    submit(program: Program, event: EventInput): Promise<IngestOutcome> {
      // A full queue answers at once: a client retrying later costs less than a backlog that never drains.
      if (pending >= limit) return Promise.reject(serverBusy(`${pending} events are waiting to be written`));
      pending++;
      const done = () => void pending--;
      return new Promise<IngestOutcome>((resolve, reject) => {
        const queue = queues.get(program.id) ?? { program, waiting: [] };
        queue.program = program;
        queue.waiting.push({ event, resolve, reject });
        // Re-inserting puts the program last, so busy programs take turns.
        queues.delete(program.id);
        queues.set(program.id, queue);
        pump();
      }).finally(done);
    },
  };
}

export type IngestQueue = ReturnType<typeof createIngestQueue>;
