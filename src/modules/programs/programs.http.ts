import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../platform/errors.js';
import type { AuthLimits } from '../../platform/protect.js';
import type { Program, Scope } from './programs.contract.js';
import type { Principal, ProgramsService } from './programs.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const PROGRAM_HEADER = 'patron-program';

export interface RequestContext {
  principal: Principal;
  program: Program;
}

/**
 * Staff sessions as the auth hook sees them (the staff module provides it): routes that need no credential
 * (signing in), and the principal behind a session cookie, with its CSRF and role checks made.
 */
export interface SessionAuth {
  /** Routes open without any credential (sign-in, a setup link). */
  open(req: FastifyRequest): boolean;
  /** Whether the request carries a session cookie (and no Bearer key, which comes first). */
  present(req: FastifyRequest): boolean;
  /** The staff principal of the cookie; throws 401 for no session, 403 for a bad CSRF token or a role that may not. */
  authenticate(req: FastifyRequest): Promise<Principal>;
  /** The error for a request with no credential at all, when the route is one for staff only. */
  missing(req: FastifyRequest): AppError | undefined;
}

/**
 * Authenticates every request under /v1 (the key is cached, so this rarely reads the database): a Bearer key
 * first, else a staff session cookie. With `limits`, an address that failed too often is refused before its
 * token is looked at — unless the token is one this process verified moments ago, so a working client behind
 * the same address goes on — and each key (or staff user) is held to its requests per minute.
 */
export function authHook(programs: ProgramsService, limits?: AuthLimits, sessions?: SessionAuth) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    if (sessions?.open(req)) {
      if (limits) await limits.checkAddress(req);
      return;
    }
    if (limits && !programs.verifiedRecently(token)) await limits.checkAddress(req);
    try {
      if (!token && sessions?.present(req)) req.principal = await sessions.authenticate(req);
      else if (!token && sessions?.missing(req)) throw sessions.missing(req);
      else req.principal = await programs.authenticate(token);
    } catch (err) {
      if (limits && isAppError(err) && err.kind === 'unauthorized') await limits.failed(req);
      throw err;
    }
    req.principalId = req.principal.keyId;
    if (limits) await limits.checkKey(req, reply, req.principal.keyId);
  };
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('unauthorized', 'auth.missing_key', 'Send an API key: Authorization: Bearer <key>');
  return req.principal;
}

/**
 * The program a program-level call acts on: the key's own program, or, for a workspace key, the one named by
 * the `Patron-Program` header. Another program's id answers 404, as if it did not exist.
 */
export async function programContext(programs: ProgramsService, req: FastifyRequest, scope: Scope): Promise<RequestContext> {
  const principal = principalOf(req);
  programs.requireScope(principal, scope);
  const header = req.headers[PROGRAM_HEADER];
  const named = typeof header === 'string' && header ? header : undefined;
  const id = named ?? principal.programId;
  if (!id) {
    throw new AppError('invalid', 'auth.program_required', 'This key spans a workspace: name the program in the Patron-Program header', {
      field: 'Patron-Program',
    });
  }
  return { principal, program: await programs.programFor(principal, id) };
}
