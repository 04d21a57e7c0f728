import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { SessionAuth } from '../programs/index.js';
import { rolesFor } from './staff.permissions.js';
import { noSession, roleForbidden, type StaffService, type StaffSession } from './staff.service.js';

export const SESSION_COOKIE = 'patron_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    staffSession?: StaffSession;
  }
}

const OPEN = new Set(['POST /v1/staff/session', 'POST /v1/staff/setup']);
/** Routes only a staff session can call: without any credential they answer auth.no_session. */
const STAFF_ONLY = new Set(['GET /v1/staff/session', 'DELETE /v1/staff/session', 'POST /v1/staff/session/revoke-all', 'PATCH /v1/staff/me']);
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const routeOf = (req: FastifyRequest) => `${req.method} ${req.routeOptions.url ?? ''}`;

export function sessionAuth(staff: StaffService): SessionAuth {
  return {
    open: (req) => OPEN.has(routeOf(req)),
    present: (req) => typeof req.cookies?.[SESSION_COOKIE] === 'string' && req.cookies[SESSION_COOKIE] !== '',
    missing: (req) => (STAFF_ONLY.has(routeOf(req)) ? noSession() : undefined),
    async authenticate(req) {
      const session = await staff.authenticate(req.cookies[SESSION_COOKIE]!);
      if (!session) throw noSession();
      if (WRITES.has(req.method)) {
        const given = req.headers[CSRF_HEADER];
        if (!staff.csrfMatches(session, typeof given === 'string' ? given : undefined)) {
          throw new AppError('forbidden', 'auth.csrf_failed', `A write from a staff session needs the ${CSRF_HEADER} header of the session`, {
            field: CSRF_HEADER,
          });
        }
      }
      // Unknown routes are answered by the not-found handler; every known one needs its role.
      if (req.routeOptions.url) {
        const roles = rolesFor(req.method, req.routeOptions.url);
        if (!roles.includes(session.staff.role)) throw roleForbidden(roles.length ? roles : ['owner']);
      }
      req.staffSession = session;
      return session.principal;
    },
  };
}

/** The session cookie: HttpOnly, SameSite=Strict, and Secure when the request came over HTTPS. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, expires: Date) {
  reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.protocol === 'https', expires });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.protocol === 'https' });
}

/** The staff session of the request, or 401 auth.no_session (a key cannot call the session routes). */
export function sessionOf(req: FastifyRequest): StaffSession {
  if (!req.staffSession) throw noSession();
  return req.staffSession;
}

/** Where links point: PATRON_PUBLIC_URL when set, else the address the request came to. */
export function baseUrlOf(req: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.host}`;
}
