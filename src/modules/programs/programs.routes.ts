import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { AppError, notFound } from '../../platform/errors.js';
import { runWrite } from '../../platform/idempotency.js';
import { WORKSPACE_SECURITY } from '../../platform/openapi.js';
import { ApiKey, ApiKeyWithSecret, KeyCreate, Program, ProgramCreate, ProgramUpdate } from './programs.contract.js';
import { principalOf } from './programs.http.js';
import type { ProgramsService } from './programs.service.js';

const ProgramParams = z.object({ program_id: z.string() }).strict();
const KeyParams = z.object({ key_id: z.string() }).strict();

export function programsRoutes(app: App, deps: { db: Db; programs: ProgramsService }) {
  const { db, programs } = deps;

  app.get('/v1/programs', {
    schema: { security: WORKSPACE_SECURITY, tags: ['programs'], summary: 'List the programs this key can see', response: { 200: z.object({ data: z.array(Program) }) } },
    handler: async (req) => {
      const p = principalOf(req);
      programs.requireScope(p, 'read');
      const all = await programs.listPrograms(p.workspaceId);
      const seen = p.programIds;
      return { data: all.filter((x) => (!p.programId || x.id === p.programId) && (!seen || seen.includes(x.id))) };
    },
  });

  app.post('/v1/programs', {
    schema: { security: WORKSPACE_SECURITY, tags: ['programs'], summary: 'Create a program (workspace admin key)', body: ProgramCreate, response: { 201: Program } },
    handler: async (req, reply) => {
      const p = principalOf(req);
      programs.requireScope(p, 'admin');
      if (p.programId) {
        throw new AppError('forbidden', 'auth.workspace_key_required', 'Only a workspace-wide admin key can create programs');
      }
      return runWrite(db, req, reply, p.workspaceId, async (q) => ({
        status: 201,
        body: await programs.createProgram(p.workspaceId, req.body, q),
      }));
    },
  });

  app.get('/v1/programs/:program_id', {
    schema: { security: WORKSPACE_SECURITY, tags: ['programs'], summary: 'Read a program and its settings', params: ProgramParams, response: { 200: Program } },
    handler: async (req) => {
      const p = principalOf(req);
      programs.requireScope(p, 'read');
      return programs.programFor(p, req.params.program_id);
    },
  });

  app.patch('/v1/programs/:program_id', {
    schema: {
      security: WORKSPACE_SECURITY,
      tags: ['programs'],
      summary: 'Change a program: name, point currencies (add only), settings',
      'x-idempotency': 'none',
      params: ProgramParams,
      body: ProgramUpdate,
      response: { 200: Program },
    },
    handler: async (req) => {
      const p = principalOf(req);
      programs.requireScope(p, 'admin');
      const current = await programs.programFor(p, req.params.program_id);
      return programs.updateProgram(current, req.body);
    },
  });

  app.post('/v1/keys', {
    schema: {
      security: WORKSPACE_SECURITY,
      tags: ['keys'],
      summary: 'Create an API key; its secret is in this response only',
      body: KeyCreate,
      response: { 201: ApiKeyWithSecret },
    },
    handler: async (req, reply) => {
      const p = principalOf(req);
      programs.requireScope(p, 'admin');
      const programId = req.body.program_id ?? p.programId;
      if (p.programId && programId !== p.programId) throw notFound('program.not_found', `No program ${programId}`, 'program_id');
      if (programId) await programs.programFor(p, programId);
      return runWrite(db, req, reply, p.workspaceId, async (q) => {
        const key = await programs.createKey({ workspaceId: p.workspaceId, programId, name: req.body.name, scopes: req.body.scopes }, q);
        // The idempotency record keeps the key without its secret: a stored secret would outlive the one
        // answer it belongs to (and the hash is all Patron keeps of it anywhere else).
        const replay = { ...key, secret: null, note: 'A replay of key creation: the secret was shown once, in the first answer, and is not stored' };
        return { status: 201, body: key, replay };
      });
    },
  });

  app.get('/v1/keys', {
    schema: { security: WORKSPACE_SECURITY, tags: ['keys'], summary: 'List API keys (never their secrets)', response: { 200: z.object({ data: z.array(ApiKey) }) } },
    handler: async (req) => {
      const p = principalOf(req);
      programs.requireScope(p, 'admin');
      return { data: await programs.listKeys(p.workspaceId, p.programId ?? undefined) };
    },
  });

  app.delete('/v1/keys/:key_id', {
    schema: { security: WORKSPACE_SECURITY, tags: ['keys'], summary: 'Revoke an API key', 'x-idempotency': 'none', params: KeyParams, response: { 200: ApiKey } },
    handler: async (req) => {
      const p = principalOf(req);
      programs.requireScope(p, 'admin');
      const key = await programs.getKey(req.params.key_id);
      if (!key || key.workspace_id !== p.workspaceId || (p.programId && key.program_id !== p.programId)) {
        throw notFound('key.not_found', `No API key ${req.params.key_id}`, 'key_id');
      }
      return programs.revokeKey(key.id);
    },
  });
}
