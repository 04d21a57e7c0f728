import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import type { App } from '../../platform/http.js';
import { runWrite } from '../../platform/idempotency.js';
import { documented } from '../../platform/openapi.js';
import { principalOf, programContext, type ProgramsService } from '../programs/index.js';
import type { AuditService } from '../audit/index.js';
import { ImportList, ImportListQuery, ImportOut, ImportParams, StartBody, UploadQuery } from './imports.contract.js';
import { UPLOAD_LIMIT_BYTES, type ImportUploads } from './imports.uploads.js';

/** The file types an upload is sent as; the body reaches the handler as bytes. */
const UPLOAD_TYPES = ['text/csv', 'text/tab-separated-values', 'application/x-ndjson', 'application/jsonl', 'application/gzip', 'application/octet-stream'];

/** The upload's body is the file's bytes, not JSON: every other part is checked by its zod schema. */
function uploadValidator<S>(route: FastifyRouteSchemaDef<S>) {
  const part = route as unknown as FastifyRouteSchemaDef<z.ZodType>;
  if (route.httpPart !== 'body') return validatorCompiler(part);
  return (data: unknown) =>
    Buffer.isBuffer(data) ? { value: data } : { error: invalid('import.bad_body', `Send the file itself as the body, with Content-Type ${UPLOAD_TYPES.slice(0, 3).join(', ')}`, 'body') };
}

export function importsRoutes(app: App, deps: { db: Db; programs: ProgramsService; importUploads: ImportUploads; audit: AuditService; uploadLimitBytes?: number }) {
  const { db, programs, importUploads: uploads, audit } = deps;
  const limit = deps.uploadLimitBytes ?? UPLOAD_LIMIT_BYTES;
  const tags = ['imports'];

  // In a scope of their own, so that only this route takes files as bodies.
  app.register(async (plain) => {
    const scope: App = plain.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser(UPLOAD_TYPES, { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
    scope.post('/v1/imports', {
      bodyLimit: limit,
      schema: {
        tags,
        summary: 'Upload a CSV or JSON Lines file of members or events (up to 50 MB; gzip too): answers its columns, first rows and a suggested mapping',
        description: 'The body is the file itself. Nothing is imported until POST /v1/imports/{import_id}/start.',
        'x-idempotency': 'none',
        'x-errors': [413],
        consumes: UPLOAD_TYPES.slice(0, 3),
        querystring: UploadQuery,
        body: z.string().describe('The file: CSV with a header line, or JSON Lines'),
        response: { 201: documented(ImportOut) },
      },
      validatorCompiler: uploadValidator,
      handler: async (req, reply) => {
        const { program } = await programContext(programs, req, 'admin');
        const out = await uploads.upload(program, {
          name: req.query.name,
          kind: req.query.kind,
          contentType: req.headers['content-type'],
          body: req.body as unknown as Buffer,
          by: principalOf(req).keyId,
        });
        return reply.code(201).send(out);
      },
    });
  });

  app.get('/v1/imports', {
    schema: { tags, summary: 'The program’s imports, newest first, with their status and counts', querystring: ImportListQuery, response: { 200: documented(ImportList) } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return uploads.list(program.id, req.query);
    },
  });

  app.get('/v1/imports/:import_id', {
    schema: { tags, summary: 'An import: its file’s columns and sample, then its status, progress and counts', params: ImportParams, response: { 200: documented(ImportOut) } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return uploads.get(program.id, req.params.import_id);
    },
  });

  app.post('/v1/imports/:import_id/start', {
    schema: {
      tags,
      summary: 'Start an uploaded import with a column mapping: it runs in the background (poll GET /v1/imports/{import_id})',
      description: 'Answers 202 with the import queued. One import runs at a time per program; a failed import may be started again (what it imported is found and left as it is).',
      params: ImportParams,
      body: StartBody,
      response: { 202: documented(ImportOut) },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      const by = principalOf(req).keyId;
      return runWrite(
        db,
        req,
        reply,
        program.id,
        async (q) => ({ status: 202, body: await uploads.start(q, program, req.params.import_id, req.body, by) }),
        audit.of(req, program.id, {
          action: 'import.start',
          target: 'import',
          id: req.params.import_id,
          after: (b) => {
            const i = b as ImportOut;
            return { name: i.name, kind: i.kind, format: i.format, size: i.size, mapping: i.mapping, options: i.options };
          },
        }),
      );
    },
  });

  app.get('/v1/imports/:import_id/rejects.csv', {
    schema: {
      tags,
      summary: 'The rows a finished import refused, as CSV: line, lines, id, code, field, message',
      params: ImportParams,
      'x-errors': [409],
      response: { 200: { content: { 'text/csv': { schema: documented(z.string().describe('line, lines, id, code, field, message')) } } } },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const r = await uploads.rejects(program.id, req.params.import_id);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${r.name}"`).send(r.csv);
    },
  });
}
