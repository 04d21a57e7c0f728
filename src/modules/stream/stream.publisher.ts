import { AppError, toProblem } from '../../platform/errors.js';
import type { Db } from '../../platform/db.js';
import type { Program } from '../programs/index.js';
import { memberRefKey, type MembersService } from '../members/index.js';
import type { EventInput, EventsService, IngestOutcome, RefundEvent } from '../events/index.js';
import { partitionOf, statusKey, subjectOf, type OpenStream } from './stream.nats.js';

export interface Queued {
  id: string;
  status: 'queued';
  partition: number;
}

/** What a worker leaves in the status bucket for an event it refused. */
export interface Refusal {
  status: 'rejected';
  error: { status: number; code: string; detail: string; field?: string };
}

/**
 * The API side of `--ingest=nats`: a validated event is published to its partition and answered once JetStream
 * has stored it. The partition follows the member, so one member's events keep their order: the member the
 * event names (looked up, so that two identities of one member agree), or for a refund without a member the
 * member of its order; a member not enrolled yet goes by the identity given.
 */
export function createPublisher(deps: { db: Db; stream: OpenStream; events: EventsService; members: MembersService }) {
  const { db, stream, events, members } = deps;

  async function memberKey(program: Program, e: EventInput): Promise<string> {
    const ref = 'member' in e ? e.member : undefined;
    if (ref) {
      const key = memberRefKey(ref);
      const found = key ? (await members.lookup(db, program.id, [ref])).get(key) : undefined;
      return found ? found.memberId : (key ?? JSON.stringify(ref));
    }
    if (e.type === 'refund') {
      const orderId = (e as RefundEvent).order_id;
      const order = await events.order(program, orderId).catch(() => undefined);
      return order ? order.member_id : `order:${orderId}`;
    }
    return `event:${e.id}`;
  }

  async function publish(program: Program, e: EventInput): Promise<Queued | IngestOutcome> {
    // An event already applied is answered from the ledger, as inline ingestion would.
    const prev = await events.previous(program, e);
    if (prev) return prev;
    const partition = partitionOf(`${program.id}\n${await memberKey(program, e)}`, stream.settings.partitions);
    await send(program, e, partition);
    return { id: e.id, status: 'queued', partition };
  }

  async function send(program: Program, e: EventInput, partition: number) {
    const body = JSON.stringify({ program_id: program.id, event: e });
    // The message id makes a client's retry within the duplicate window a no-op in the stream.
    await stream.js.publish(subjectOf(stream.settings, program.id, partition), body, { msgID: `${program.id}:${e.id}` });
    await stream.status.put(statusKey(program.id, e.id), JSON.stringify({ status: 'queued' }));
  }

  function refuse(slot: { status: string; error?: unknown }, err: unknown) {
    if (!(err instanceof AppError)) throw err;
    const p = toProblem(err);
    slot.status = 'rejected';
    slot.error = { status: p.status, code: p.code, detail: p.detail, ...(p.field ? { field: p.field } : {}) };
  }

  return {
    publish,

    /**
     * Publishes a batch: the replays and the members looked up in one query each, then every event published
     * at once (JetStream acknowledges them as they are stored). A bad event is answered in its slot.
     */
    async publishMany(program: Program, raws: readonly unknown[]) {
      type Slot = { index: number; id: string | null; status: string; result?: unknown; error?: unknown };
      const slots: Slot[] = [];
      const good: { slot: Slot; e: EventInput }[] = [];
      for (const [index, raw] of raws.entries()) {
        const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
        const slot: Slot = { index, id, status: 'queued' };
        slots.push(slot);
        try {
          good.push({ slot, e: events.parseEvent(raw, `events.${index}.`) });
        } catch (err) {
          refuse(slot, err);
        }
      }
      const previous = await events.previousMany(program, good.map((g) => g.e));
      const refs = good.flatMap((g) => ('member' in g.e && g.e.member ? [g.e.member] : []));
      const known = await members.lookup(db, program.id, refs);
      // Partitions first, then every publish started in the batch's order: one connection keeps that order,
      // so a member's events of one batch are stored as they were sent.
      const sends: { slot: Slot; e: EventInput; partition: number }[] = [];
      for (const { slot, e } of good) {
        const prev = previous.get(e.id);
        if (prev instanceof AppError) {
          refuse(slot, prev);
          continue;
        }
        if (prev) {
          Object.assign(slot, { status: 'replayed', result: prev.result });
          continue;
        }
        const ref = 'member' in e ? e.member : undefined;
        const key = ref ? memberRefKey(ref) : null;
        const member = ref ? (known.get(key ?? '')?.memberId ?? key ?? JSON.stringify(ref)) : await memberKey(program, e);
        sends.push({ slot, e, partition: partitionOf(`${program.id}\n${member}`, stream.settings.partitions) });
      }
      await Promise.all(sends.map(({ slot, e, partition }) => send(program, e, partition).catch((err: unknown) => refuse(slot, err))));
      return slots;
    },

    /** Where an event not (yet) in the ledger stands: queued, refused by a worker, or unknown. */
    async status(program: Program, eventId: string): Promise<{ status: 'queued' } | Refusal | undefined> {
      const entry = await stream.status.get(statusKey(program.id, eventId));
      if (!entry || entry.operation !== 'PUT') return undefined;
      return entry.json<{ status: 'queued' } | Refusal>();
    },
  };
}

export type Publisher = ReturnType<typeof createPublisher>;
