import { AppError, conflict, toProblem } from '../../platform/errors.js';
import type { Db } from '../../platform/db.js';
import type { Program } from '../programs/index.js';
import { memberRefKey, type MemberRef, type MembersService } from '../members/index.js';
import { parseEvent, type RefundEvent, type EventInput, type EventsService, type IngestOutcome } from '../events/index.js';
import { acknowledged, eventKey, partitionOf, subjectOf, type OpenStream } from './stream.nats.js';
import { Refusal, type Message } from './stream.contract.js';

export interface Queued {
  id: string;
  status: 'queued';
  partition: number;
}

/** A batch slot as `POST /v1/events/batch` answers it with --ingest=nats. */
interface Slot {
  index: number;
  id: string | null;
  status: 'queued' | 'replayed' | 'rejected';
  /** Where a queued event waits (as a single event's answer says). */
  partition?: number;
  result?: unknown;
  error?: { status: number; code: string; detail: string; field?: string };
}

const isRefund = (e: EventInput): e is RefundEvent => e.type === 'refund';
/** The order of a purchase (a member's or a guest's); null for other events. */
const purchaseOrder = (e: EventInput): string | null => (e.type === 'purchase' && 'order_id' in e ? e.order_id : null);

/** Whether a queued event's body is the one given: the same event, as the ledger's body hash would tell. */
function sameEvent(queued: unknown, e: EventInput): boolean {
  try {
    return JSON.stringify(parseEvent(queued)) === JSON.stringify(e);
  } catch {
    return false;
  }
}

/** JetStream did not take the event (NATS away or too slow): nothing is promised, the client retries. */
const unavailable = (e: unknown) =>
  new AppError('unavailable', 'ingest.unavailable', `The event could not be queued (${e instanceof Error ? e.message : String(e)}); retry it`);

/**
 * The API side of `--ingest=nats`: a validated event is published to its partition and answered once
 * JetStream has stored it.
 *
 * The partition is a hash of the event's member, so that one member's events are applied in the order they
 * were accepted. The member's key has to be the same before and after its enrolment (an event can enrol it
 * while the next ones wait behind it), so it is the member's oldest identity, the one it was enrolled by
 * (see `members.routingKeys`), and for a member nobody enrolled yet the identity the event gives. A refund
 * goes where its order's purchase went, whatever member it names (see `routingKeys`); a guest purchase by
 * its order.
 */
export function createPublisher(deps: { db: Db; stream: OpenStream; events: EventsService; members: MembersService }) {
  const { db, stream, events, members } = deps;
  const { settings } = stream;

  /**
   * The routing key of each event, in order: a query for the members and one per refunded order. A refund
   * goes where its order's purchase went, however (or whether) it names the member: by the order's member
   * once the purchase is applied, by its purchase's key when that is earlier in the same list, and otherwise
   * by the member it names, or else by the order. A refund whose purchase is still queued in another
   * partition is held back by the worker until the purchase is applied (see `createWorker`), so the API
   * writes nothing more than the event itself.
   */
  async function routingKeys(program: Program, list: readonly EventInput[]): Promise<string[]> {
    const refs: MemberRef[] = [];
    const refunded = [...new Set(list.flatMap((e) => (isRefund(e) ? [e.order_id] : [])))];
    const owners = new Map<string, string>();
    await Promise.all(
      refunded.map(async (orderId) => {
        const order = await events.order(program, orderId).catch(() => undefined);
        if (order?.member_id) owners.set(orderId, order.member_id);
      }),
    );
    for (const e of list) if ('member' in e && e.member) refs.push(e.member);
    for (const owner of owners.values()) refs.push({ id: owner });
    const keys = refs.length ? await members.routingKeys(db, program.id, refs) : new Map<string, string>();
    const memberKey = (m: MemberRef) => {
      const ref = memberRefKey(m);
      return ref ? (keys.get(ref) ?? ref) : JSON.stringify(m);
    };
    // A purchase earlier in the list routes its order's refunds later in it.
    const inList = new Map<string, string>();
    return list.map((e) => {
      if (isRefund(e)) {
        const owner = owners.get(e.order_id);
        if (owner) return keys.get(`id:${owner}`) ?? `id:${owner}`;
        const queued = inList.get(e.order_id);
        if (queued) return queued;
        return e.member ? memberKey(e.member) : `order:${e.order_id}`;
      }
      // A guest purchase goes by its order, where that order's refunds go too.
      const order = purchaseOrder(e);
      const key = 'member' in e && e.member ? memberKey(e.member) : order ? `order:${order}` : `event:${e.id}`;
      if (order) inList.set(order, key);
      return key;
    });
  }

  /** Starts publishing one event (the write to the connection happens now, in call order) and answers its partition. */
  function send(program: Program, e: EventInput, key: string): { partition: number; stored: Promise<IngestOutcome | undefined> } {
    const partition = partitionOf(`${program.id}\n${key}`, settings.partitions);
    const message: Message = { program_id: program.id, event: e };
    // The message id makes a client's retry within the duplicate window one message in the stream.
    const stored = stream.js
      .publish(subjectOf(settings, program.id, partition, e.id), JSON.stringify(message), { msgID: eventKey(program.id, e.id) })
      .catch((err: unknown) => Promise.reject(unavailable(err)));
    return { partition, stored: stored.then((ack) => (ack.duplicate ? duplicateOf(program, e) : Promise.resolve(undefined))) };
  }

  /**
   * The stream already held a message under this event id (within its duplicate window), so this one was not
   * stored: the ledger answers if the first has been applied meanwhile; else the same event is still queued
   * (fine, a client's retry), or the first differs — a 409, as inline.
   */
  async function duplicateOf(program: Program, e: EventInput): Promise<IngestOutcome | undefined> {
    // Applied meanwhile: the ledger answers (its message may linger in the stream after a crash of NATS).
    const applied = await events.previous(program, e);
    if (applied) return applied;
    const first = await stream.jsm.streams
      .getMessage(settings.stream, { last_by_subj: subjectOf(settings, program.id, '*', e.id) })
      .catch((err: unknown) => Promise.reject(unavailable(err)));
    if (first) {
      const body = (first.json() as Message).event;
      if (sameEvent(body, e)) return undefined;
      throw conflict('event.id_reused', `Event id ${e.id} is already queued for a different event`, { field: 'id' });
    }
    return events.previous(program, e);
  }

  function refuse(slot: Slot, err: unknown) {
    if (!(err instanceof AppError)) throw err;
    const p = toProblem(err);
    slot.status = 'rejected';
    // A field of the event is named as the batch names it (events.3.id).
    const field = p.field && !p.field.startsWith('events.') ? `events.${slot.index}.${p.field}` : p.field;
    slot.error = { status: p.status, code: p.code, detail: p.detail, ...(field ? { field } : {}) };
  }

  return {
    /** Queues one event, or answers the stored outcome of one already applied (a replay, or a 409 if it differs). */
    async publish(program: Program, parsed: EventInput): Promise<Queued | IngestOutcome> {
      // The checks the inline path runs before applying (its time too): a worker must not refuse it for its input.
      const e = events.parseEvent(parsed, '', program);
      const [prev, [key]] = await Promise.all([events.previous(program, e), routingKeys(program, [e])]);
      if (prev) return prev;
      const { partition, stored } = send(program, e, key!);
      return (await stored) ?? { id: e.id, status: 'queued', partition };
    },

    /**
     * Queues a batch: every event is checked first (a bad one is answered in its slot), the replays and the
     * members are looked up in one query each, then all are published at once in the batch's order, which
     * one connection keeps, so a member's events of one batch are stored as they were sent.
     */
    async publishMany(program: Program, raws: readonly unknown[]): Promise<Slot[]> {
      const slots: Slot[] = [];
      const good: { slot: Slot; e: EventInput }[] = [];
      for (const [index, raw] of raws.entries()) {
        const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
        const slot: Slot = { index, id, status: 'queued' };
        slots.push(slot);
        try {
          good.push({ slot, e: events.parseEvent(raw, `events.${index}.`, program) });
        } catch (err) {
          refuse(slot, err);
        }
      }
      const [previous, keys] = await Promise.all([
        events.previousMany(program, good.map((g) => g.e)),
        routingKeys(program, good.map((g) => g.e)),
      ]);
      const sends: Promise<void>[] = [];
      good.forEach(({ slot, e }, i) => {
        const prev = previous.get(e.id);
        if (prev instanceof AppError) return refuse(slot, prev);
        if (prev) return Object.assign(slot, { status: 'replayed', result: prev.result });
        const { stored, partition } = send(program, e, keys[i]!);
        slot.partition = partition;
        sends.push(
          stored.then(
            (applied) => void (applied && Object.assign(slot, { status: 'replayed', partition: undefined, result: applied.result })),
            (err: unknown) => refuse(slot, err),
          ),
        );
      });
      await Promise.all(sends);
      return slots;
    },

    /**
     * Where an event that is not in the ledger stands: queued while its message is in the stream (a work
     * queue keeps a message until a worker has applied it), rejected if a worker refused it, else unknown.
     */
    async status(program: Program, eventId: string): Promise<{ status: 'queued' } | Refusal | undefined> {
      const subject = subjectOf(settings, program.id, '*', eventId);
      const msg = await stream.jsm.streams.getMessage(settings.stream, { last_by_subj: subject });
      if (msg && !(await acknowledged(stream, msg.subject, msg.seq))) return { status: 'queued' };
      const entry = await stream.refusals.get(eventKey(program.id, eventId));
      if (!entry || entry.operation !== 'PUT') return undefined;
      return Refusal.parse(entry.json());
    },
  };
}

export type Publisher = ReturnType<typeof createPublisher>;
