import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import {
  DowngradePage,
  DowngradeQuery,
  GrantCreate,
  GrantResponse,
  HistoryPage,
  HistoryQuery,
  Level,
  LevelCreate,
  LevelParams,
  LevelUpdate,
  MemberParams,
  MemberTier,
  Scheme,
  SchemePut,
  TierSummary,
} from './tiers.contract.js';
import type { TiersService } from './tiers.service.js';
import type { AuditService } from '../audit/index.js';

export function tiersRoutes(app: App, deps: { db: Db; programs: ProgramsService; tiers: TiersService; audit: AuditService }) {
  const { db, programs, tiers, audit } = deps;
  const tags = ['tiers'];
  const config = tiers.config;

  app.put('/v1/tiers/scheme', {
    schema: { tags, summary: 'Set how members qualify for tiers: metric, window, grace period, soft landing', body: SchemePut, response: { 200: Scheme } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await config.putScheme(q, program, req.body) }), audit.of(req, program.id, { action: 'tier_scheme.put', target: 'tier_scheme', id: program.id, before: (q) => config.scheme(q, program.id) }));
    },
  });

  app.get('/v1/tiers/scheme', {
    schema: { tags, summary: 'The tier scheme', response: { 200: Scheme } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return config.scheme(db, program.id);
    },
  });

  app.get('/v1/tiers/levels', {
    schema: { tags, summary: 'The tier levels, lowest first', response: { 200: z.object({ data: z.array(Level) }) } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return { data: await config.levels(db, program.id) };
    },
  });

  app.get('/v1/tiers/summary', {
    schema: { tags, summary: 'How many members hold each level, and how many hold none', response: { 200: TierSummary } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return tiers.summary(db, program);
    },
  });

  app.get('/v1/tiers/downgrades', {
    schema: {
      tags,
      summary: 'Members who will drop a level at their next review if their metric stays as it is, soonest first',
      querystring: DowngradeQuery,
      response: { 200: DowngradePage },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return tiers.downgrades(db, program, req.query);
    },
  });

  app.post('/v1/tiers/levels', {
    schema: { tags, summary: 'Add a level (anywhere in the order: ranks follow thresholds)', body: LevelCreate, response: { 201: Level } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await config.createLevel(q, program.id, req.body) }), audit.of(req, program.id, { action: 'tier_level.create', target: 'tier_level' }));
    },
  });

  app.get('/v1/tiers/levels/:level_id', {
    schema: { tags, summary: 'A tier level', params: LevelParams, response: { 200: Level } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return config.level(db, program.id, req.params.level_id);
    },
  });

  app.patch('/v1/tiers/levels/:level_id', {
    schema: { tags, summary: 'Rename a level, move its threshold (within its rank) or change its benefits', params: LevelParams, body: LevelUpdate, response: { 200: Level } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 200,
        body: await config.updateLevel(q, program.id, req.params.level_id, req.body),
      }), audit.of(req, program.id, { action: 'tier_level.update', target: 'tier_level', id: req.params.level_id, before: (q) => config.level(q, program.id, req.params.level_id) }));
    },
  });

  app.delete('/v1/tiers/levels/:level_id', {
    schema: { tags, summary: 'Remove a level nobody holds', params: LevelParams, response: { 200: z.object({ id: z.string(), deleted: z.literal(true) }) } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await config.deleteLevel(q, program.id, req.params.level_id) }), audit.of(req, program.id, { action: 'tier_level.delete', target: 'tier_level', id: req.params.level_id, before: (q) => config.level(q, program.id, req.params.level_id) }));
    },
  });

  app.get('/v1/members/:member_id/tier', {
    schema: { tags, summary: 'A member’s level and progress to the next', params: MemberParams, response: { 200: MemberTier } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return tiers.member(db, program, req.params.member_id);
    },
  });

  app.get('/v1/members/:member_id/tier/history', {
    schema: { tags, summary: 'A member’s tier changes, newest first', params: MemberParams, querystring: HistoryQuery, response: { 200: HistoryPage } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return tiers.history(db, program, req.params.member_id, req.query);
    },
  });

  app.post('/v1/members/:member_id/tier', {
    schema: { tags, summary: 'Grant a level by hand until a date (admin)', params: MemberParams, body: GrantCreate, response: { 201: GrantResponse } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await tiers.grant(q, program, req.params.member_id, req.body) }), audit.of(req, program.id, { action: 'member.tier_grant', target: 'member', id: req.params.member_id, before: (q) => tiers.member(q, program, req.params.member_id), after: (r) => ({ request: req.body, result: r }) }));
    },
  });
}
