import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../platform/db.js';
import type { App } from '../../platform/http.js';
import { runWrite } from '../../platform/idempotency.js';
import { documented } from '../../platform/openapi.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import {
  MembersQuery,
  PreviewBody,
  PreviewResponse,
  Segment,
  SegmentCreate,
  SegmentList,
  SegmentListQuery,
  SegmentMembers,
  SegmentParams,
  SegmentUpdate,
  parseSegmentBody,
} from './segments.contract.js';
import type { SegmentsService } from './segments.service.js';
import type { AuditService } from '../audit/index.js';

/**
 * Validates each part with the route's own schema, the one the OpenAPI document shows. Bodies go through
 * `parseSegmentBody`, so that every error inside the condition tree carries `segments.invalid_condition` and
 * its path.
 */
function segmentValidator<S>(route: FastifyRouteSchemaDef<S>) {
  // Fastify types `schema` as the whole route schema, but passes the schema of the part being compiled (a zod
  // schema here), which is what the provider's compiler expects.
  const part = route as unknown as FastifyRouteSchemaDef<z.ZodType>;
  if (route.httpPart !== 'body') return validatorCompiler(part);
  return (data: unknown) => {
    try {
      return { value: parseSegmentBody(part.schema, data) };
    } catch (error) {
      return { error: error as Error };
    }
  };
}

/** A CSV cell: numbers as they are, lists and objects as JSON, text that a spreadsheet would run as a formula quoted. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return JSON.stringify(v);
}

export function segmentsRoutes(app: App, deps: { db: Db; programs: ProgramsService; segments: SegmentsService; audit: AuditService }) {
  const { db, programs, segments, audit } = deps;
  const tags = ['analytics'];

  app.post('/v1/analytics/segments', {
    schema: { tags, summary: 'Save a segment: a name and a tree of conditions on members', body: SegmentCreate, response: { 201: Segment } },
    validatorCompiler: segmentValidator,
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await segments.create(q, program, req.body) }), audit.of(req, program.id, { action: 'segment.create', target: 'segment' }));
    },
  });

  app.get('/v1/analytics/segments', {
    schema: { tags, summary: 'The program’s segments, oldest first, each with its size now', querystring: SegmentListQuery, response: { 200: SegmentList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return segments.list(program, req.query);
    },
  });

  app.post('/v1/analytics/segments/preview', {
    schema: {
      tags,
      summary: 'The size and a sample of members of a definition, without saving it',
      'x-idempotency': 'none',
      body: PreviewBody,
      response: { 200: PreviewResponse },
    },
    validatorCompiler: segmentValidator,
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return segments.preview(program, req.body);
    },
  });

  app.get('/v1/analytics/segments/:segment_id', {
    schema: {
      tags,
      summary: 'A segment: its definition, size now, and when the scores it relies on were computed',
      params: SegmentParams,
      response: { 200: Segment },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return segments.get(program, req.params.segment_id);
    },
  });

  app.patch('/v1/analytics/segments/:segment_id', {
    schema: { tags, summary: 'Rename a segment or change its description or conditions', params: SegmentParams, body: SegmentUpdate, response: { 200: Segment } },
    validatorCompiler: segmentValidator,
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 200,
        body: await segments.update(q, program, req.params.segment_id, req.body),
      }), audit.of(req, program.id, { action: 'segment.update', target: 'segment', id: req.params.segment_id, before: (q) => segments.get(program, req.params.segment_id, q) }));
    },
  });

  app.delete('/v1/analytics/segments/:segment_id', {
    schema: { tags, summary: 'Delete a segment', params: SegmentParams, response: { 200: z.object({ id: z.string(), deleted: z.literal(true) }) } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await segments.remove(q, program, req.params.segment_id) }), audit.of(req, program.id, { action: 'segment.delete', target: 'segment', id: req.params.segment_id, before: (q) => segments.get(program, req.params.segment_id, q) }));
    },
  });

  app.get('/v1/analytics/segments/:segment_id/members', {
    schema: {
      tags,
      summary: 'The segment’s members now, by member id, with the value of each field the segment uses',
      params: SegmentParams,
      querystring: MembersQuery,
      response: { 200: SegmentMembers },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return segments.members(db, program.id, req.params.segment_id, req.query);
    },
  });

  app.get('/v1/analytics/segments/:segment_id/members.csv', {
    schema: {
      tags,
      summary: 'Every member of the segment as CSV: member_id, name, then one column per field the segment uses',
      params: SegmentParams,
      response: { 200: { content: { 'text/csv': { schema: documented(z.string().describe('member_id, name, then one column per field the segment uses')) } } } },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const exp = await segments.export(program.id, req.params.segment_id);
      async function* records() {
        for await (const page of exp.pages) {
          for (const m of page) yield [m.id, cell(m.name), ...exp.fields.map((f) => cell(m.values[f]))];
        }
      }
      const csv = stringify({ header: true, columns: ['member_id', 'name', ...exp.fields] });
      pipeline(Readable.from(records()), csv).catch((err: unknown) => req.log.error({ err, segment_id: exp.segment.id }, 'segment export failed'));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="segment-${exp.segment.id}.csv"`)
        .send(csv);
    },
  });
}
