import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import { Member, MemberCreate, MemberList, MemberListQuery, MemberParams, MemberUpdate } from './members.contract.js';
import type { MembersService } from './members.service.js';
import type { AuditService } from '../audit/index.js';

export function membersRoutes(app: App, deps: { db: Db; programs: ProgramsService; members: MembersService; audit: AuditService }) {
  const { db, programs, members, audit } = deps;

  app.post('/v1/members', {
    schema: {
      tags: ['members'],
      summary: 'Enrol a member with at least one identity (email, phone, card number or an external id)',
      body: MemberCreate,
      response: { 201: Member },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 201,
        body: await members.enrol(program.id, req.body, q),
      }), audit.of(req, program.id, { action: 'member.create', target: 'member' }));
    },
  });

  app.get('/v1/members', {
    schema: {
      tags: ['members'],
      summary: 'List members in enrolment order, filtered by identity, name or email, tag or status',
      querystring: MemberListQuery,
      response: { 200: MemberList },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return members.list(program.id, req.query);
    },
  });

  app.get('/v1/members/:member_id', {
    schema: { tags: ['members'], summary: 'Read a member', params: MemberParams, response: { 200: Member } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return members.get(program.id, req.params.member_id);
    },
  });

  app.patch('/v1/members/:member_id', {
    schema: {
      tags: ['members'],
      summary: 'Change a member’s profile, identities, tags, consent or status',
      params: MemberParams,
      body: MemberUpdate,
      response: { 200: Member },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 200,
        body: await members.update(program.id, req.params.member_id, req.body, q),
      }), audit.of(req, program.id, { action: 'member.update', target: 'member', id: req.params.member_id, before: (q) => members.get(program.id, req.params.member_id, q) }));
    },
  });

  app.post('/v1/members/:member_id/erase', {
    schema: {
      tags: ['members'],
      summary: 'Erase a member’s personal data (GDPR); the id and its ledger stay',
      params: MemberParams,
      response: { 200: Member },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 200,
        body: await members.erase(program.id, req.params.member_id, q),
      }), audit.of(req, program.id, { action: 'member.erase', target: 'member', id: req.params.member_id, before: (q) => members.get(program.id, req.params.member_id, q) }));
    },
  });
}
