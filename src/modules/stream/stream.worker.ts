import { randomBytes } from 'node:crypto';
import type { JsMsg } from '@nats-io/jetstream';
import type { Db } from '../../platform/db.js';
import type { Logger } from '../../platform/logger.js';
import type { ProgramsService } from '../programs/index.js';
import type { EventsService } from '../events/index.js';
import { ACK_WAIT_MS, consumerOf, HEARTBEAT_MS, statusKey, type OpenStream } from './stream.nats.js';
import type { Refusal } from './stream.publisher.js';

interface Lease {
  partition: number;
  revision: number;
}

/**
 * A worker: holds leases on a fair share of the partitions and applies what it reads from them in batches,
 * one database transaction per program per batch, acknowledging the messages only after the commit. A
 * worker that dies leaves its messages unacknowledged and its leases to expire: another worker takes the
 * partitions over, JetStream delivers the messages again, and the ledger's event ids make the second
 * delivery a replay that writes nothing.
 */
export function createWorker(deps: { db: Db; stream: OpenStream; programs: ProgramsService; events: EventsService; log: Logger; batch: number }) {
  const { db, stream, programs, events, log } = deps;
  const id = `w-${randomBytes(5).toString('hex')}`;
  const owned = new Map<number, Lease>();
  /** Partitions given up, with the lease revision to delete once their reader has handed back its messages. */
  const released = new Map<number, number>();
  let stopping = false;
  let applied = 0;

  /** Renews this worker's leases, gives back what is over its share, and takes free partitions up to it. */
  async function balance() {
    const { leases, settings } = stream;
    await leases.put(`worker.${id}`, String(Date.now()));
    for (const [p, lease] of owned) {
      try {
        lease.revision = await leases.update(`partition.${p}`, id, lease.revision);
      } catch {
        owned.delete(p);
        log.warn({ worker: id, partition: p }, 'lost the lease of a partition');
      }
    }
    let workers = 0;
    for await (const k of await leases.keys('worker.*')) if (k) workers++;
    const share = Math.ceil(settings.partitions / Math.max(1, workers));
    // Over its share (another worker joined): stop reading those partitions; the lease is given back once the
    // reader has handed back what it held (see `readPartition`).
    for (const p of [...owned.keys()].slice(share)) {
      released.set(p, owned.get(p)!.revision);
      owned.delete(p);
    }
    const order = Array.from({ length: settings.partitions }, (_, p) => p).sort(() => Math.random() - 0.5);
    for (const p of order) {
      if (owned.size >= share) break;
      if (owned.has(p)) continue;
      try {
        owned.set(p, { partition: p, revision: await leases.create(`partition.${p}`, id) });
        log.info({ worker: id, partition: p }, 'took a partition');
      } catch {
        /* held by another worker */
      }
    }
  }

  /** Applies one partition's fetched messages: per program, one transaction; acks after it commits. */
  async function apply(msgs: JsMsg[]) {
    const byProgram = new Map<string, { msg: JsMsg; event: unknown }[]>();
    for (const msg of msgs) {
      const body = msg.json<{ program_id: string; event: unknown }>();
      const list = byProgram.get(body.program_id) ?? [];
      list.push({ msg, event: body.event });
      byProgram.set(body.program_id, list);
    }
    for (const [programId, items] of byProgram) {
      const program = await programs.program(programId);
      const out = await db.tx((q) => events.ingestBatch(q, program, items.map((i) => i.event)));
      for (const r of out.results) {
        if (r.status !== 'rejected') continue;
        const refusal: Refusal = { status: 'rejected', error: r.error! };
        await stream.status.put(statusKey(programId, r.id ?? ''), JSON.stringify(refusal));
      }
      for (const i of items) i.msg.ack();
      applied += out.applied;
    }
  }

  /**
   * Reads one partition while this worker holds it: messages stream in (the client keeps a request open), and
   * whatever has arrived by the time the previous batch is done becomes the next batch, so a busy partition
   * fills batches and a quiet one is applied message by message without waiting.
   */
  async function readPartition(p: number) {
    const consumer = await stream.js.consumers.get(stream.settings.stream, consumerOf(p));
    // Messages delivered to a worker that died are redelivered when their ack wait ends, and JetStream hands
    // out redeliveries before new messages: waiting for them keeps a member's events in order.
    const until = Date.now() + ACK_WAIT_MS;
    for (let waited = false; (await consumer.info()).num_ack_pending > 0 && Date.now() < until; waited = true) {
      if (!waited) log.info({ worker: id, partition: p }, 'waiting for the previous holder’s messages to come back');
      if (stopping || !owned.has(p)) return;
      await sleep(200);
    }
    // Bounded pulls (at most a batch, for at most a second), each read to its end: a partition given up or a
    // worker stopping never leaves messages delivered but neither applied nor handed back.
    const applySafely = async (msgs: JsMsg[]) => {
      try {
        await apply(msgs);
      } catch (err) {
        // The database refused the batch as a whole: give the messages back and try again shortly.
        log.error({ err, worker: id, partition: p }, 'could not apply a batch; it will be delivered again');
        for (const x of msgs) x.nak(1000);
        await sleep(1000);
      }
    };
    try {
      while (!stopping && owned.has(p)) {
        // Read the whole pull first (it ends at a full batch or after a second): applying inside it would
        // starve the pull's heartbeats and cut it short.
        const batch: JsMsg[] = [];
        try {
          for await (const m of await consumer.fetch({ max_messages: deps.batch, expires: 1000 })) batch.push(m);
        } catch (err) {
          log.warn({ err, worker: id, partition: p, received: batch.length }, 'a pull ended early');
        }
        if (batch.length === 0) continue;
        if (stopping || !owned.has(p)) {
          for (const m of batch) m.nak();
          break;
        }
        await applySafely(batch);
      }
    } finally {
      const revision = released.get(p);
      if (!owned.has(p) && revision !== undefined) {
        released.delete(p);
        // Only if it is still this worker's lease (it may have expired and gone to another worker).
        await stream.leases.delete(`partition.${p}`, { previousSeq: revision }).catch(() => {});
      }
    }
  }

  const reading = new Map<number, Promise<void>>();

  /** Starts a reader for each partition held and not yet read (a reader stops by itself once it is not held). */
  function follow() {
    for (const p of owned.keys()) {
      if (reading.has(p) || stopping) continue;
      const r = readPartition(p)
        .catch((err: unknown) => log.warn({ err, worker: id, partition: p }, 'reading a partition stopped'))
        .finally(() => reading.delete(p));
      reading.set(p, r);
    }
  }

  return {
    id,
    get applied() {
      return applied;
    },
    /** Runs until `stop`; the current batch is finished and acknowledged first. */
    async run() {
      await balance();
      follow();
      const timer = setInterval(() => {
        balance()
          .then(follow)
          .catch((err: unknown) => log.warn({ err, worker: id }, 'lease heartbeat failed'));
      }, HEARTBEAT_MS);
      try {
        while (!stopping) await sleep(100);
        await Promise.all(reading.values());
      } finally {
        clearInterval(timer);
        // Give the partitions back at once rather than after the leases expire.
        for (const [p, lease] of owned) await stream.leases.delete(`partition.${p}`, { previousSeq: lease.revision }).catch(() => {});
        await stream.leases.delete(`worker.${id}`).catch(() => {});
      }
    },
    stop() {
      stopping = true;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
