import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import { BatchInput, BatchResponse, EventInput, EventList, EventListQuery, EventPending, EventResponse, EventView, OrderFulfilled, OrderView, parseEvent } from './events.contract.js';
import type { EventsService, IngestOutcome } from './events.service.js';
import type { Program } from '../programs/index.js';
import { isAppError, type AppError } from '../../platform/errors.js';
import type { IngestQueue } from './events.queue.js';
import { parsedSlot, type Refused, type RefusalsService } from './refusals.service.js';

const EventParams = z.object({ event_id: z.string().min(1).max(200) }).strict();
const OrderParams = z.object({ order_id: z.string().min(1).max(200) }).strict();

/**
 * Where events go instead of the database when the server runs with --ingest=nats (the stream module): a queue
 * that workers apply from. Answers `queued`, or the stored outcome of an event already applied.
 */
export interface EventPublisher {
  publish(program: Program, e: EventInput): Promise<{ id: string; status: 'queued'; partition: number } | IngestOutcome>;
  publishMany(program: Program, raws: readonly unknown[]): Promise<unknown[]>;
  status(program: Program, eventId: string): Promise<{ status: 'queued' } | { status: 'rejected'; error: unknown } | undefined>;
}

/** A batch's refused slots whose event parsed: the refusals kept (a slot that is not an event is not kept). */
function refusedSlots(raws: readonly unknown[], results: readonly { index: number; status: string; error?: Refused['error'] }[]): Refused[] {
  return results.flatMap((r) => {
    const event = r.status === 'rejected' && r.error ? parsedSlot(raws[r.index]) : undefined;
    return event && r.error ? [{ event, error: r.error }] : [];
  });
}

const QueuedBatch = z.object({ queued: z.number().int(), replayed: z.number().int(), rejected: z.number().int(), results: z.array(z.unknown()) });
const Queued = z.object({ id: z.string(), status: z.literal('queued'), partition: z.number().int() });

export function eventsRoutes(
  app: App,
  deps: { db: Db; programs: ProgramsService; events: EventsService; ingestQueue: IngestQueue; refusals: RefusalsService; publisher?: EventPublisher },
) {
  const { db, programs, events, ingestQueue, refusals, publisher } = deps;
  const tags = ['events'];

  app.post('/v1/events', {
    schema: {
      tags,
      summary: 'Report an event: a purchase, a refund, or a named custom event',
      description:
        'Idempotent by the event id: a retry returns the first result (200, `replayed: true`) and writes nothing. ' +
        'A purchase earns the program’s base rate; a refund reverses the order’s points pro rata.',
      body: EventInput,
      response: { 201: EventResponse, 200: EventResponse, 202: Queued.describe('Queued on NATS JetStream (serve --ingest=nats): a worker applies it') },
    },
    // The union is for the OpenAPI document; parsing goes by `type` so errors name the right field.
    validatorCompiler: () => (data) => {
      try {
        return { value: parseEvent(data) };
      } catch (error) {
        return { error: error as Error };
      }
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      // What refused the event itself (not the request around it: an Idempotency-Key reused, a busy server).
      let refused: AppError | undefined;
      const refusing = (err: unknown): never => {
        if (isAppError(err)) refused = err;
        throw err;
      };
      try {
        if (publisher) {
          const out = await publisher.publish(program, req.body).catch(refusing);
          if ('status' in out) return reply.code(202).send(out);
          return reply.code(200).send({ ...out.result, replayed: true });
        }
        // The event id is the idempotency key of an event; a request that also sends Idempotency-Key runs in a
        // transaction of its own with that key, the others commit in groups with whatever arrives alongside.
        if (req.headers['idempotency-key'] === undefined) {
          const out = await ingestQueue.submit(program, req.body).catch(refusing);
          return reply.code(out.replayed ? 200 : 201).send({ ...out.result, replayed: out.replayed });
        }
        return await runWrite(db, req, reply, program.id, async (q) => {
          const out = await events.ingest(q, program, req.body).catch(refusing);
          return { status: out.replayed ? 200 : 201, body: { ...out.result, replayed: out.replayed } };
        });
      } catch (err) {
        // Kept after the event's transaction rolled back, before the caller hears of it.
        if (refused && err === refused) await refusals.record(program, 'api', [{ event: req.body, error: refused }]);
        throw err;
      }
    },
  });

  app.post('/v1/events/batch', {
    schema: {
      tags,
      summary: 'Report up to 1,000 events in one call',
      description: 'One result per event, in order. A rejected event is reported in its slot and does not stop the others.',
      body: BatchInput,
      response: {
        200: z.union([BatchResponse, QueuedBatch.describe('With --ingest=nats, when nothing was queued (every event a replay or refused)')]),
        202: QueuedBatch.describe('Queued on NATS JetStream (serve --ingest=nats): workers apply them'),
      },
    },
    // A slot with bad text or too deep is refused in its slot (by parseEvent), not with the whole batch.
    config: { inputSlots: 'events' },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      const body = req.body;
      if (publisher) {
        const results = (await publisher.publishMany(program, body.events)) as { index: number; status: string; error?: Refused['error'] }[];
        await refusals.record(program, 'batch', refusedSlots(body.events, results));
        const count = (s: string) => results.filter((r) => r.status === s).length;
        // Nothing queued (replays and refusals only): nothing is left to happen, so not 202.
        const queued = count('queued');
        return reply.code(queued > 0 ? 202 : 200).send({ queued, replayed: count('replayed'), rejected: count('rejected'), results });
      }
      return runWrite(db, req, reply, program.id, async (q) => {
        const out = await events.ingestBatch(q, program, body.events);
        // In the batch's transaction: the refused slots were rolled back to their savepoints, the rest commit.
        await refusals.recordIn(q, program, 'batch', refusedSlots(body.events, out.results));
        return { status: 200, body: out };
      });
    },
  });

  app.get('/v1/events', {
    schema: {
      tags,
      summary: 'The event log: applied events, newest first by when they happened, with what each did',
      description:
        'Filters combine: `type`, `member` (a member id or one identity, `email:ann@example.com`), `order_id`, `outcome` ' +
        '(`earned`, `reversed`, `no_points`, `guest`) and a range of `occurred_at` (`from` inclusive, `to` exclusive). ' +
        'Each event names the rules that paid it (`rule_names`). An event a request refused (4xx) was never applied, so it is not listed: ' +
        'GET /v1/event-refusals lists those refused for what they meant.',
      querystring: EventListQuery,
      response: { 200: EventList },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return events.list(program, req.query);
    },
  });

  app.get('/v1/events/:event_id', {
    schema: { tags, summary: 'A reported event with its stored result', params: EventParams, response: { 200: z.union([EventView, EventPending]) } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      try {
        return await events.get(program, req.params.event_id);
      } catch (err) {
        // Not in the ledger: with --ingest=nats it may still be queued, or a worker may have refused it.
        const status = publisher && isAppError(err) && err.kind === 'not_found' ? await publisher.status(program, req.params.event_id) : undefined;
        if (status) return { id: req.params.event_id, ...status };
        // A worker may have applied it (and so taken it off the stream) since the first look.
        if (publisher) return events.get(program, req.params.event_id);
        // Never applied: if it was refused, the 404 says when and why.
        if (isAppError(err) && err.kind === 'not_found') throw (await refusals.notApplied(program, req.params.event_id)) ?? err;
        throw err;
      }
    },
  });

  app.get('/v1/orders/:order_id', {
    schema: { tags: ['orders'], summary: 'An order: what was paid and refunded, what it earned and what was reversed', params: OrderParams, response: { 200: OrderView } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return events.order(program, req.params.order_id);
    },
  });

  app.post('/v1/orders/:order_id/fulfil', {
    schema: {
      tags: ['orders'],
      summary: 'The order was fulfilled: release its pending points now',
      params: OrderParams,
      body: z.object({}).strict().nullish(),
      response: { 200: OrderFulfilled },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await events.fulfil(q, program, req.params.order_id) }));
    },
  });
}
