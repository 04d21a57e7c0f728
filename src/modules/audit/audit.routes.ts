import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../platform/http.js';
import { PROGRAM_HEADER, principalOf, type ProgramsService } from '../programs/index.js';
import { AuditList, AuditQuery } from './audit.contract.js';
import type { AuditService } from './audit.service.js';

/** A CSV answer is asked for with `format=csv` or by accepting text/csv (and not JSON first). */
function wantsCsv(req: FastifyRequest, format: string | undefined): boolean {
  if (format) return format === 'csv';
  const accept = req.headers.accept ?? '';
  return /\btext\/csv\b/i.test(accept) && !/application\/json/i.test(accept.split(',')[0] ?? '');
}

export function auditRoutes(app: App, deps: { programs: ProgramsService; audit: AuditService }) {
  const { programs, audit } = deps;

  app.get('/v1/audit', {
    schema: {
      tags: ['audit'],
      summary: 'The audit log: who changed what and when, with the state before and after; newest first',
      description:
        'Every configuration change and manual operation (not machine traffic: events, coupon validate/redeem/release, order fulfilment, previews). ' +
        'A program key sees its program’s entries; a workspace-wide key sees the whole workspace’s, or one program’s when it names it ' +
        '(Patron-Program header or `program_id`). `action` is exact, or a prefix when it ends in a dot (`rule.`). ' +
        'With `format=csv` or `Accept: text/csv`, every matching entry is streamed as CSV (before and after as JSON). Needs an admin key.',
      querystring: AuditQuery,
      response: {
        200: {
          content: {
            'application/json': { schema: AuditList },
            'text/csv': { schema: z.string().describe('id, at, actor_kind, actor_id, actor_label, action, program_id, target_type, target_id, before, after, request_id') },
          },
        },
      },
    },
    handler: async (req, reply) => {
      const p = principalOf(req);
      programs.requireScope(p, 'admin');
      const header = req.headers[PROGRAM_HEADER];
      const named = req.query.program_id ?? (typeof header === 'string' && header ? header : undefined);
      let programIds: readonly string[] | undefined;
      if (p.programId) programIds = [p.programId];
      if (named) programIds = [(await programs.programFor(p, named)).id];
      else if (!p.programId) {
        // A staff user limited to some programs sees only theirs (staff sessions name them on the principal).
        const limited = p.programIds;
        if (limited) programIds = limited;
      }
      if (wantsCsv(req, req.query.format)) {
        reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit.csv"');
        // A stream is sent as it is read (fastify serialises only objects); the type provider knows only the schemas.
        return reply.send(audit.csv(p.workspaceId, programIds, req.query) as unknown as string);
      }
      return audit.list(p.workspaceId, programIds, req.query);
    },
  });
}
