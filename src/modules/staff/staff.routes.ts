import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../platform/http.js';
import { AppError } from '../../platform/errors.js';
import type { AuthLimits } from '../../platform/protect.js';
import { WORKSPACE_SECURITY } from '../../platform/openapi.js';
import { principalOf } from '../programs/index.js';
import {
  MePatch,
  SessionAnswer,
  SetupUrl,
  Setup,
  SignIn,
  Staff,
  StaffCreate,
  StaffInvited,
  StaffList,
  StaffListQuery,
  StaffParams,
  StaffPatch,
} from './staff.contract.js';
import { baseUrlOf, clearSessionCookie, sessionOf, setSessionCookie } from './staff.http.js';
import { permissionsOf } from './staff.permissions.js';
import { setupUrl, type StaffService } from './staff.service.js';

/** Failed sign-ins one email may have within EMAIL_WINDOW before it is refused for a while. */
const EMAIL_FAILURES = 10;
const EMAIL_WINDOW_MS = 15 * 60_000;

export interface StaffRouteDeps {
  staff: StaffService;
  limits?: AuthLimits;
  /** Sign-in failures per email per 15 minutes; 0 turns the limit off (default 10). */
  emailFailures?: number;
  publicUrl?: string;
}

const SESSION_SECURITY = [{ session: [] }];
const tags = ['staff'];
const none = 'none' as const;

export function staffRoutes(app: App, deps: StaffRouteDeps) {
  const { staff, limits } = deps;
  const emailFailures = deps.emailFailures ?? EMAIL_FAILURES;
  const emailOf = new WeakMap<FastifyRequest, string>();
  const byEmail =
    emailFailures > 0
      ? app.createRateLimit({ max: emailFailures, timeWindow: EMAIL_WINDOW_MS, keyGenerator: (req) => `signin:${emailOf.get(req) ?? ''}` })
      : undefined;

  app.post('/v1/staff/session', {
    schema: {
      security: [],
      tags,
      summary: 'Sign in with email and password: sets the session cookie, answers the CSRF token',
      'x-idempotency': none,
      body: SignIn,
      response: { 200: SessionAnswer },
    },
    handler: async (req, reply) => {
      emailOf.set(req, req.body.email.trim().toLowerCase());
      if (byEmail) {
        const seen = await byEmail(req, { increment: false });
        if (!seen.isAllowed && seen.remaining <= 0) {
          throw new AppError('rate_limited', 'auth.rate_limited', 'Too many failed sign-ins for this email; wait before trying again.', {
            retry_after: Math.max(1, seen.ttlInSeconds),
          });
        }
      }
      try {
        const s = await staff.signIn(req.body.email, req.body.password);
        setSessionCookie(req, reply, s.token, s.expires);
        return { staff: s.staff, csrf_token: s.csrf_token, permissions: permissionsOf(s.staff.role) };
      } catch (err) {
        if (err instanceof AppError && err.code === 'staff.invalid_credentials') {
          await byEmail?.(req);
          await limits?.failed(req);
        }
        throw err;
      }
    },
  });

  app.get('/v1/staff/session', {
    schema: { security: SESSION_SECURITY, tags, summary: 'The signed-in staff user and the CSRF token of the session', response: { 200: SessionAnswer } },
    handler: async (req) => {
      const s = sessionOf(req);
      return { staff: s.staff, csrf_token: s.csrfToken, permissions: permissionsOf(s.staff.role) };
    },
  });

  app.delete('/v1/staff/session', {
    schema: { security: SESSION_SECURITY, tags, summary: 'Sign out: this session ends', 'x-idempotency': none, response: { 204: z.null().describe('Signed out') } },
    handler: async (req, reply) => {
      await staff.signOut(sessionOf(req).sessionId);
      clearSessionCookie(req, reply);
      return reply.code(204).send(null);
    },
  });

  app.post('/v1/staff/session/revoke-all', {
    schema: {
      security: SESSION_SECURITY,
      tags,
      summary: 'Sign out everywhere: every session of this staff user ends',
      'x-idempotency': none,
      response: { 204: z.null().describe('Every session ended') },
    },
    handler: async (req, reply) => {
      await staff.signOutEverywhere(sessionOf(req).staff.id);
      clearSessionCookie(req, reply);
      return reply.code(204).send(null);
    },
  });

  app.post('/v1/staff/setup', {
    schema: {
      security: [],
      tags,
      summary: 'Complete a one-time link (first owner password, invitation, password reset) and sign in',
      'x-idempotency': none,
      body: Setup,
      response: { 200: SessionAnswer },
    },
    handler: async (req, reply) => {
      try {
        const s = await staff.setup(req.body);
        setSessionCookie(req, reply, s.token, s.expires);
        return { staff: s.staff, csrf_token: s.csrf_token, permissions: permissionsOf(s.staff.role) };
      } catch (err) {
        if (err instanceof AppError && err.code === 'staff.invalid_token') await limits?.failed(req);
        throw err;
      }
    },
  });

  app.patch('/v1/staff/me', {
    schema: { security: SESSION_SECURITY, tags, summary: 'Change your own name or language', 'x-idempotency': none, body: MePatch, response: { 200: Staff } },
    handler: async (req) => staff.updateMe(sessionOf(req).staff.id, req.body),
  });

  app.get('/v1/staff', {
    schema: { security: WORKSPACE_SECURITY, tags, summary: 'List the staff users of the workspace', querystring: StaffListQuery, response: { 200: StaffList } },
    handler: async (req) => {
      const p = principalOf(req);
      requireAdminKey(p);
      return staff.list(p.workspaceId, req.query);
    },
  });

  app.post('/v1/staff', {
    schema: {
      security: WORKSPACE_SECURITY,
      tags,
      summary: 'Invite a staff user: answers a one-time link (7 days) to set a password',
      'x-idempotency': none,
      body: StaffCreate,
      response: { 201: StaffInvited },
    },
    handler: async (req, reply) => {
      const p = principalOf(req);
      requireAdminKey(p);
      const made = await staff.create(p, req.body);
      return reply.code(201).send({ staff: made.staff, setup_url: setupUrl(baseUrlOf(req, deps.publicUrl), made.token) });
    },
  });

  app.get('/v1/staff/:staff_id', {
    schema: { security: WORKSPACE_SECURITY, tags, summary: 'A staff user', params: StaffParams, response: { 200: Staff } },
    handler: async (req) => {
      const p = principalOf(req);
      requireAdminKey(p);
      return staff.get(p, req.params.staff_id);
    },
  });

  app.patch('/v1/staff/:staff_id', {
    schema: {
      security: WORKSPACE_SECURITY,
      tags,
      summary: 'Change a staff user: name, role, programs, disabled',
      'x-idempotency': none,
      'x-errors': [409],
      params: StaffParams,
      body: StaffPatch,
      response: { 200: Staff },
    },
    handler: async (req) => {
      const p = principalOf(req);
      requireAdminKey(p);
      return staff.update(p, req.params.staff_id, req.body);
    },
  });

  app.post('/v1/staff/:staff_id/reset-password', {
    schema: {
      security: WORKSPACE_SECURITY,
      tags,
      summary: 'A new one-time link (24 hours) to set the password',
      'x-idempotency': none,
      params: StaffParams,
      response: { 200: SetupUrl },
    },
    handler: async (req) => {
      const p = principalOf(req);
      requireAdminKey(p);
      return { setup_url: setupUrl(baseUrlOf(req, deps.publicUrl), await staff.resetPassword(p, req.params.staff_id)) };
    },
  });
}

/** API keys manage staff only as workspace-wide admin keys; staff are checked by their role (the auth hook). */
function requireAdminKey(p: ReturnType<typeof principalOf>) {
  if (p.kind === 'staff') return;
  if (!p.scopes.includes('admin')) {
    throw new AppError('forbidden', 'auth.insufficient_scope', 'This call needs a key with the admin scope', { required_scope: 'admin' });
  }
  if (p.programId) throw new AppError('forbidden', 'auth.workspace_key_required', 'Only a workspace-wide admin key can manage staff');
}
