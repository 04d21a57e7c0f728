import { randomBytes } from 'node:crypto';
import type { ConsumerMessages, JsMsg, MsgRequest } from '@nats-io/jetstream';
import type { Db } from '../../platform/db.js';
import { AppError, toProblem } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { Program, ProgramsService } from '../programs/index.js';
import { parsedSlot, type EventsService, type RefusalsService } from '../events/index.js';
import { acknowledged, ACK_WAIT_MS, consumerOf, eventKey, FETCH_EXPIRES_MS, HEARTBEAT_MS, unapplied, type OpenStream } from './stream.nats.js';
import { createLeases } from './stream.leases.js';
import { classify } from './stream.errors.js';
import { Message, type Refusal } from './stream.contract.js';

export interface WorkerOptions {
  /** Most events per database transaction. */
  batch: number;
  /** Most batches applied at once (each partition is applied by one batch at a time). */
  concurrency: number;
  /** Stop once the stream holds nothing (after applying what it held). */
  drain?: boolean;
}

/** A partition this worker reads. `stop` lets it finish what it was handed, then it gives the lease back. */
interface Runner {
  partition: number;
  stopping: boolean;
  done: Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** At most `n` at once. */
function limiter(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T,>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** A refusal as the batch path answers it, as problem details; its field loses the batch prefix. */
function refusalOf(error: { status: number; code: string; detail: string; field?: string }): Refusal {
  const field = error.field?.replace(/^events\.\d+\./, '');
  return { status: 'rejected', error: { type: `https://patron.dev/problems/${error.code}`, status: error.status, code: error.code, detail: error.detail, ...(field ? { field } : {}) } };
}

/**
 * A worker: it holds leases on its fair share of the partitions and applies what it reads from them in
 * batches, one database transaction per program per batch, acknowledging the messages only after the commit.
 *
 * Order: one worker reads a partition at a time, a partition's batches run one after another, and a fetch is
 * always read to its end, so everything JetStream handed this worker is applied (or handed back) before the
 * partition changes hands. A worker that dies leaves its messages unacknowledged and its leases to expire;
 * the lease outlives the ack wait, so by the time another worker takes the partition JetStream redelivers
 * those messages first, and the ledger's event ids make any that were committed replays that write nothing.
 */
export function createWorker(
  deps: { db: Db; stream: OpenStream; programs: ProgramsService; events: EventsService; refusals: RefusalsService; log: Logger } & WorkerOptions,
) {
  const { db, stream, programs, events, log } = deps;
  const id = `w-${randomBytes(5).toString('hex')}`;
  if (!stream.leases) throw new Error('a worker needs the leases bucket: open the stream as a worker');
  const leases = createLeases(stream.leases, id);
  const runners = new Map<number, Runner>();
  const slot = limiter(deps.concurrency);
  const totals = { applied: 0, replayed: 0, rejected: 0, deferred: 0, batches: 0 };
  let stopping = false;
  let stopped: () => void = () => {};
  const finished = new Promise<void>((r) => (stopped = r));

  /**
   * Applies a batch: per program, one transaction; refusals are kept, and messages acknowledged after the
   * commit. What is done leaves `msgs`, so that a retry (another program's transaction failed) skips it.
   */
  async function apply(msgs: JsMsg[]) {
    const done = new Set<JsMsg>();
    const forget = () => msgs.splice(0, msgs.length, ...msgs.filter((m) => !done.has(m)));
    const byProgram = new Map<string, { msg: JsMsg; event: unknown }[]>();
    for (const msg of msgs) {
      const body = Message.safeParse(safeJson(msg));
      if (!body.success) {
        // Nothing Patron publishes looks like this: dropping it is better than blocking the partition.
        log.error({ worker: id, subject: msg.subject, seq: msg.seq }, 'dropped a message that is not a queued event');
        msg.term();
        done.add(msg);
        continue;
      }
      const list = byProgram.get(body.data.program_id) ?? [];
      list.push({ msg, event: body.data.event });
      byProgram.set(body.data.program_id, list);
    }
    forget();
    // What this call has applied or refused: committed, whether or not JetStream has removed it yet.
    const settled = new Set<number>();
    for (const [programId, items] of byProgram) {
      const program = await programOrRefusal(programId);
      const refusals: { id: string | null; refusal: Refusal }[] = [];
      // Refunds of an order the ledger does not know (yet): their purchase may still be queued.
      const unknownOrder = new Set<string>();
      if ('refusal' in program) {
        for (const { event } of items) refusals.push({ id: idOf(event), refusal: program.refusal });
      } else {
        for (const out of await applyOrIsolate(program, items.map((i) => i.event))) {
          for (const r of out.results) {
            if (r.status !== 'rejected' || !r.error) continue;
            if (r.error.code === 'order.not_found' && r.id) unknownOrder.add(r.id);
            else refusals.push({ id: r.id, refusal: refusalOf(r.error) });
          }
          totals.applied += out.applied;
          totals.replayed += out.replayed;
        }
      }
      const waiting = items.filter((i) => isRefund(i.event) && unknownOrder.has(idOf(i.event)!));
      await keep(programId, refusals);
      if (!('refusal' in program)) await remember(program, items, refusals);
      for (const item of items) {
        if (waiting.includes(item)) continue;
        item.msg.ack();
        settled.add(item.msg.seq);
        done.add(item.msg);
      }
      forget();
      if ('refusal' in program) continue;
      for (const { msg, event } of waiting) {
        if (await queuedBefore(programId, msg.seq, settled)) {
          // Back in a while; the partition goes on meanwhile.
          msg.nak(Math.min(5_000, 200 * 2 ** (msg.info.deliveryCount - 1)));
          totals.deferred++;
        } else {
          // Nothing older waits, so its purchase, if there is one, is committed: this answer is final.
          const out = await applyAlone(program, event);
          const r = out.results[0];
          if (r?.status === 'rejected' && r.error) {
            const refused = [{ id: r.id, refusal: refusalOf(r.error) }];
            await keep(programId, refused);
            await remember(program, [{ event }], refused);
          }
          totals.applied += out.applied;
          totals.replayed += out.replayed;
          msg.ack();
          settled.add(msg.seq);
        }
        done.add(msg);
        forget();
      }
    }
    totals.batches++;
  }

  /** Keeps refusals for whoever asks (`GET /v1/events/{id}`). */
  async function keep(programId: string, refusals: { id: string | null; refusal: Refusal }[]) {
    await Promise.all(refusals.flatMap(({ id: eventId, refusal }) => (eventId ? [stream.refusals.put(eventKey(programId, eventId), JSON.stringify(refusal))] : [])));
    totals.rejected += refusals.length;
  }

  /**
   * Keeps the refusals of events that parsed for the console's list of refused events (GET /v1/event-refusals),
   * after the batch's transaction: the refused events wrote nothing. A program that does not exist keeps none.
   */
  async function remember(program: Program, items: readonly { event: unknown }[], refused: readonly { id: string | null; refusal: Refusal }[]) {
    if (refused.length === 0) return;
    const byId = new Map(items.map((i) => [idOf(i.event), i.event]));
    await deps.refusals.record(
      program,
      'stream',
      refused.flatMap(({ id: eventId, refusal: { error } }) => {
        const event = eventId ? parsedSlot(byId.get(eventId)) : undefined;
        return event ? [{ event, error: { status: error.status, code: error.code, detail: error.detail, ...(error.field ? { field: error.field } : {}) } }] : [];
      }),
    );
  }

  /**
   * Whether the stream still holds an event of the program stored before `seq` that nobody has applied: a
   * refund stored after its purchase but routed to another partition (it named no member, or another
   * identity) waits while this is so. The work queue removes what is acknowledged; what this worker has
   * just settled, or JetStream recorded as acknowledged, does not count.
   */
  async function queuedBefore(programId: string, seq: number, settled: Set<number>): Promise<boolean> {
    let from = 1;
    for (let looked = 0; looked < 1_000; looked++) {
      // The server's message get takes `next_by_subj` (the first message at or after `seq` on the subject),
      // which the client's type for it leaves out.
      const query = { seq: from, next_by_subj: `${stream.settings.stream}.${programId}.>` } as unknown as MsgRequest;
      const m = await stream.jsm.streams.getMessage(stream.settings.stream, query);
      if (!m || m.seq >= seq) return false;
      if (!settled.has(m.seq) && !(await acknowledged(stream, m.subject, m.seq))) return true;
      from = m.seq + 1;
    }
    return true;
  }

  type BatchOutcome = Awaited<ReturnType<EventsService['ingestBatch']>>;

  /**
   * One program's events in one transaction. If the database refuses them for something one of them holds (a
   * data error), each is applied in a transaction of its own instead, and the one the database refuses is
   * answered as refused: it is acknowledged with the others, so the partition goes on. A transient error
   * (connection, serialization, deadlock) is thrown, and the caller tries the batch again later; what was
   * committed already is then a replay.
   */
  async function applyOrIsolate(program: Program, list: unknown[]): Promise<BatchOutcome[]> {
    try {
      return [await db.tx((q) => events.ingestBatch(q, program, list))];
    } catch (err) {
      if (classify(err).kind === 'transient') throw err;
      if (list.length === 1) return [await applyAlone(program, list[0], err)];
    }
    const outs: BatchOutcome[] = [];
    for (const event of list) outs.push(await applyAlone(program, event));
    return outs;
  }

  /** One event in its own transaction (or the error it already met alone), refused if the error is a data error. */
  async function applyAlone(program: Program, event: unknown, met?: unknown): Promise<BatchOutcome> {
    let err = met;
    if (err === undefined) {
      try {
        return await db.tx((q) => events.ingestBatch(q, program, [event]));
      } catch (e) {
        err = e;
      }
    }
    const failure = classify(err);
    if (failure.kind === 'transient') throw err;
    log.warn({ err, worker: id, program: program.id, event: idOf(event) }, 'refused an event the database would not take');
    return { applied: 0, replayed: 0, rejected: 1, results: [{ index: 0, id: idOf(event), status: 'rejected' as const, error: failure.error }] };
  }

  async function programOrRefusal(programId: string): Promise<Program | { refusal: Refusal }> {
    try {
      return await programs.program(programId);
    } catch (err) {
      if (!(err instanceof AppError) || err.kind !== 'not_found') throw err;
      const p = toProblem(err);
      return { refusal: refusalOf({ status: p.status, code: p.code, detail: p.detail }) };
    }
  }

  /**
   * Reads one fetch to its end, applying whatever has arrived whenever the previous batch is done: a busy
   * partition fills batches, a quiet one is applied as it comes. A batch the database refuses is tried again
   * (the order of the partition waits for it) unless the partition is being given up: then it and everything
   * after it are handed back (nak), which JetStream redelivers before anything newer.
   */
  async function drainFetch(r: Runner, msgs: ConsumerMessages): Promise<{ cutShort: boolean }> {
    const queue: JsMsg[] = [];
    let current: JsMsg[] = [];
    let ended = false;
    let cutShort = false;
    let handBack = false;
    let busySince = 0;
    let wake: (() => void) | undefined;
    const reading = (async () => {
      try {
        for await (const m of msgs) {
          queue.push(m);
          wake?.();
        }
      } catch (err) {
        cutShort = true;
        log.warn({ err, worker: id, partition: r.partition }, 'a fetch ended early');
      } finally {
        ended = true;
        wake?.();
      }
    })();
    // A batch that takes long (a slow database) tells JetStream it is still being worked on.
    const keepAlive = setInterval(() => {
      if (busySince && Date.now() - busySince > ACK_WAIT_MS / 2) for (const m of [...current, ...queue]) m.working();
    }, HEARTBEAT_MS);
    try {
      for (;;) {
        if (queue.length === 0) {
          if (ended) break;
          await new Promise<void>((res) => (wake = res));
          wake = undefined;
          continue;
        }
        // Let the rest of a burst that is arriving join this batch.
        await new Promise((res) => setImmediate(res));
        current = queue.splice(0, deps.batch);
        if (handBack) {
          for (const m of current) m.nak();
          continue;
        }
        busySince = Date.now();
        for (let attempt = 1; current.length > 0; attempt++) {
          try {
            await slot(() => apply(current));
          } catch (err) {
            log.error({ err, worker: id, partition: r.partition, attempt }, 'could not apply a batch');
            if (r.stopping) {
              handBack = true;
              for (const m of current) m.nak();
              break;
            }
            await sleep(Math.min(5_000, 100 * 2 ** attempt));
          }
        }
        busySince = 0;
      }
      await reading;
    } finally {
      clearInterval(keepAlive);
    }
    return { cutShort };
  }

  /**
   * Reads a partition until told to stop; a fetch under way is always read to its end first. A fetch cut
   * short (missed heartbeats, a lost connection) may still have had messages sent to it that nobody reads:
   * they come back once their ack wait is over, so the partition waits for that before it reads anything
   * newer, or before it is handed to another worker.
   */
  async function readPartition(r: Runner) {
    while (!r.stopping) {
      const startedAt = Date.now();
      let msgs: ConsumerMessages;
      try {
        const consumer = await stream.js.consumers.get(stream.settings.stream, consumerOf(r.partition));
        msgs = await consumer.fetch({ max_messages: deps.batch, expires: FETCH_EXPIRES_MS });
      } catch (err) {
        log.warn({ err, worker: id, partition: r.partition }, 'could not read a partition; trying again');
        await sleep(HEARTBEAT_MS);
        continue;
      }
      const { cutShort } = await drainFetch(r, msgs);
      if (cutShort) await sleep(startedAt + FETCH_EXPIRES_MS + ACK_WAIT_MS + 500 - Date.now());
    }
  }

  function start(p: number) {
    const r: Runner = { partition: p, stopping: false, done: Promise.resolve() };
    r.done = readPartition(r)
      .catch((err: unknown) => log.error({ err, worker: id, partition: p }, 'reading a partition failed'))
      .finally(async () => {
        runners.delete(p);
        // Given back at once (if still ours) rather than when the lease runs out.
        if (!leases.holds(p)) return;
        await leases.release(p);
        log.info({ worker: id, partition: p }, 'gave a partition back');
      });
    runners.set(p, r);
    log.info({ worker: id, partition: p }, 'took a partition');
  }

  /** One heartbeat: renew the leases, keep to a fair share of the partitions, and notice a drained stream. */
  async function beat() {
    await leases.beat();
    for (const p of await leases.renew()) {
      log.warn({ worker: id, partition: p }, 'lost the lease of a partition; stopping reading it');
      const r = runners.get(p);
      if (r) r.stopping = true;
    }
    if (stopping) return;
    // Nothing the consumers have still to deliver or see acknowledged: everything is applied.
    if (deps.drain && (await unapplied(stream)).waiting === 0) {
      log.info({ worker: id }, 'the stream is drained');
      stop();
      return;
    }
    const share = Math.ceil(stream.settings.partitions / Math.max(1, (await leases.workers()).length));
    const active = [...runners.values()].filter((r) => !r.stopping);
    for (const r of active.slice(share)) r.stopping = true;
    let count = Math.min(active.length, share);
    for (const p of shuffled(stream.settings.partitions)) {
      if (count >= share) break;
      if (runners.has(p)) continue;
      if (await leases.take(p)) {
        start(p);
        count++;
      }
    }
  }

  function stop() {
    if (stopping) return;
    stopping = true;
    for (const r of runners.values()) r.stopping = true;
    void Promise.all([...runners.values()].map((r) => r.done)).then(() => stopped());
    if (runners.size === 0) stopped();
  }

  return {
    id,
    totals,
    /** Runs until `stop` (or a drained stream with `drain`); what it was handed is applied and acknowledged first. */
    async run() {
      await leases.beat();
      // Workers started together see each other before taking partitions, rather than rebalancing at once.
      await sleep(HEARTBEAT_MS);
      let beating = false;
      const heartbeat = async () => {
        if (beating) return;
        beating = true;
        try {
          await beat();
        } catch (err) {
          log.warn({ err, worker: id }, 'heartbeat failed');
        } finally {
          beating = false;
        }
      };
      await heartbeat();
      const timer = setInterval(() => void heartbeat(), HEARTBEAT_MS);
      try {
        await finished;
      } finally {
        clearInterval(timer);
        await leases.leave();
      }
    },
    stop,
  };
}

function shuffled(n: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function safeJson(msg: JsMsg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined;
  }
}

const isRefund = (event: unknown) => (event as { type?: unknown } | null)?.type === 'refund';

function idOf(event: unknown): string | null {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}
