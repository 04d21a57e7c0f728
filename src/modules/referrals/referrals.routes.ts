import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import {
  MemberParams,
  MemberReferral,
  Referral,
  ReferralCreate,
  ReferralList,
  ReferralListQuery,
  ReferralSettings,
  ReferralSettingsInput,
  TopReferrers,
  TopReferrersQuery,
} from './referrals.contract.js';
import type { ReferralsService } from './referrals.service.js';
import type { AuditService } from '../audit/index.js';

export function referralsRoutes(app: App, deps: { db: Db; programs: ProgramsService; referrals: ReferralsService; audit: AuditService }) {
  const { db, programs, referrals, audit } = deps;
  const tags = ['referrals'];

  app.get('/v1/referrals/settings', {
    schema: { tags, summary: 'The program’s referral settings', response: { 200: ReferralSettings } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return referrals.getSettings(db, program);
    },
  });

  app.put('/v1/referrals/settings', {
    schema: {
      tags,
      summary: 'Set the qualifying condition, the rewards per side, the cap per referrer and the ambassador threshold',
      body: ReferralSettingsInput,
      response: { 200: ReferralSettings },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({
        status: 200,
        body: await referrals.putSettings(q, program, req.body),
      }), audit.of(req, program.id, { action: 'referral_settings.put', target: 'referral_settings', id: program.id, before: (q) => referrals.getSettings(q, program) }));
    },
  });

  app.get('/v1/members/:member_id/referral', {
    schema: {
      tags,
      summary: 'A member’s referral code (made on first ask), who referred them, and how their referrals went',
      params: MemberParams,
      response: { 200: MemberReferral },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return referrals.memberReferral(program.id, req.params.member_id);
    },
  });

  app.post('/v1/referrals', {
    schema: {
      tags,
      summary: 'Link an enrolled member who has not purchased yet to the owner of a referral code',
      body: ReferralCreate,
      response: { 201: Referral },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'server');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await referrals.create(q, program, req.body) }));
    },
  });

  app.get('/v1/referrals', {
    schema: { tags, summary: 'Referrals in link order, by referrer, referee or status', querystring: ReferralListQuery, response: { 200: ReferralList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return referrals.list(program.id, req.query);
    },
  });

  app.get('/v1/referrals/top', {
    schema: {
      tags,
      summary: 'The referrers with the most qualified referees, with the points they earned; or only the ambassadors',
      querystring: TopReferrersQuery,
      response: { 200: TopReferrers },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return referrals.top(program, req.query);
    },
  });

  app.get('/v1/referrals/:referral_id', {
    schema: { tags, summary: 'A referral', params: z.object({ referral_id: z.string().max(64) }).strict(), response: { 200: Referral } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return referrals.get(program.id, req.params.referral_id);
    },
  });
}
