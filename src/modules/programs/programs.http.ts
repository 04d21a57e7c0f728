import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
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

/** Authenticates every request under /v1 (the key is cached, so this rarely reads the database). */
export function authHook(programs: ProgramsService) {
  return async (req: FastifyRequest) => {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    req.principal = await programs.authenticate(token);
    req.principalId = req.principal.keyId;
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
