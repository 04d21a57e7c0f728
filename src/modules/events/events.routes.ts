import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import { BatchInput, BatchResponse, EventInput, EventResponse, parseEvent } from './events.contract.js';
import type { EventsService } from './events.service.js';
import type { IngestQueue } from './events.queue.js';

const EventParams = z.object({ event_id: z.string().min(1).max(200) }).strict();
const OrderParams = z.object({ order_id: z.string().min(1).max(200) }).strict();

/** Batches are validated event by event (in the service), so one bad event does not sink the rest. */
const BatchEnvelope = z.object({ events: z.array(z.unknown()).min(1).max(1000) }).strict();

export function eventsRoutes(app: App, deps: { db: Db; programs: ProgramsService; events: EventsService; ingestQueue: IngestQueue }) {
  const { db, programs, events, ingestQueue } = deps;
  const tags = ['events'];

  app.post('/v1/events', {
    schema: {
      tags,
      summary: 'Report an event: a purchase, a refund, or a named custom event',
      description:
        'Idempotent by the event id: a retry returns the first result (200, `replayed: true`) and writes nothing. ' +
        'A purchase earns the program’s base rate; a refund reverses the order’s points pro rata.',
      body: EventInput,
      response: { 201: EventResponse, 200: EventResponse },
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
      // The event id is the idempotency key of an event; a request that also sends Idempotency-Key runs in a
      // transaction of its own with that key, the others commit in groups with whatever arrives alongside.
      if (req.headers['idempotency-key'] === undefined) {
        const out = await ingestQueue.submit(program, req.body);
        return reply.code(out.replayed ? 200 : 201).send({ ...out.result, replayed: out.replayed });
      }
      return runWrite(db, req, reply, program.id, async (q) => {
        const out = await events.ingest(q, program, req.body);
        return { status: out.replayed ? 200 : 201, body: { ...out.result, replayed: out.replayed } };
      });
    },
  });

  app.post('/v1/events/batch', {
    schema: {
      tags,
      summary: 'Report up to 1,000 events in one call',
      description: 'One result per event, in order. A rejected event is reported in its slot and does not stop the others.',
      body: BatchInput,
      response: { 200: BatchResponse },
    },
    validatorCompiler: () => (data) => {
      const r = BatchEnvelope.safeParse(data);
      return r.success ? { value: r.data } : { error: r.error as unknown as Error };
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      const body = req.body as unknown as z.infer<typeof BatchEnvelope>;
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await events.ingestBatch(q, program, body.events) }));
    },
  });

  app.get('/v1/events/:event_id', {
    schema: { tags, summary: 'A reported event with its stored result', params: EventParams },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return events.get(program, req.params.event_id);
    },
  });

  app.get('/v1/orders/:order_id', {
    schema: { tags: ['orders'], summary: 'An order: what was paid and refunded, what it earned and what was reversed', params: OrderParams },
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
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await events.fulfil(q, program, req.params.order_id) }));
    },
  });
}
