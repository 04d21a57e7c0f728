import { z } from 'zod';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { runWrite } from '../../platform/idempotency.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import { PreviewBody, PreviewResponse, Rule, RuleCreate, RuleList, RuleListQuery, RuleParams, RuleUpdate } from './rules.contract.js';
import { parseBody } from './rules.validate.js';
import type { RulesService } from './rules.service.js';
import type { AuditService } from '../audit/index.js';

const Empty = z.object({}).strict().nullish();

/**
 * Validates each part with the route's own schema, the one the OpenAPI document shows. Bodies go through
 * `parseBody`, so a bad condition, effect or limit gets its own code and field path.
 */
function ruleValidator<S>(route: FastifyRouteSchemaDef<S>) {
  // Fastify passes the schema of the part being compiled (a zod schema here), though it types the whole.
  const part = route as unknown as FastifyRouteSchemaDef<z.ZodType>;
  if (route.httpPart !== 'body') return validatorCompiler(part);
  return (data: unknown) => {
    try {
      return { value: parseBody(part.schema, data) };
    } catch (error) {
      return { error: error as Error };
    }
  };
}

export function rulesRoutes(app: App, deps: { db: Db; programs: ProgramsService; rules: RulesService; audit: AuditService }) {
  const { db, programs, rules, audit } = deps;
  const tags = ['rules'];

  app.post('/v1/rules', {
    schema: { tags, summary: 'Create an earning rule (a draft unless status is active)', body: RuleCreate, response: { 201: Rule } },
    validatorCompiler: ruleValidator,
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 201, body: await rules.create(q, program, req.body) }), audit.of(req, program.id, { action: 'rule.create', target: 'rule' }));
    },
  });

  app.get('/v1/rules', {
    schema: { tags, summary: 'The program’s rules, by id', querystring: RuleListQuery, response: { 200: RuleList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return rules.list(program, req.query);
    },
  });

  app.get('/v1/rules/:rule_id', {
    schema: { tags, summary: 'A rule with all its versions', params: RuleParams, response: { 200: Rule } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return rules.get(program, req.params.rule_id);
    },
  });

  app.patch('/v1/rules/:rule_id', {
    schema: {
      tags,
      summary: 'Change a rule: a draft in place, an active rule as a new version',
      params: RuleParams,
      body: RuleUpdate,
      response: { 200: Rule },
    },
    validatorCompiler: ruleValidator,
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await rules.update(q, program, req.params.rule_id, req.body) }), audit.of(req, program.id, { action: 'rule.update', target: 'rule', id: req.params.rule_id, before: (q) => rules.get(program, req.params.rule_id, q) }));
    },
  });

  for (const [action, status] of [
    ['activate', 'active'],
    ['archive', 'archived'],
  ] as const) {
    app.post(`/v1/rules/:rule_id/${action}`, {
      schema: { tags, summary: action === 'activate' ? 'Put a rule in force' : 'Take a rule out of force', params: RuleParams, body: Empty, response: { 200: Rule } },
      handler: async (req, reply) => {
        const { program } = await programContext(programs, req, 'admin');
        return runWrite(db, req, reply, program.id, async (q) => ({ status: 200, body: await rules.setStatus(q, program, req.params.rule_id, status) }), audit.of(req, program.id, { action: `rule.${action}`, target: 'rule', id: req.params.rule_id, before: (q) => rules.get(program, req.params.rule_id, q) }));
      },
    });
  }

  app.post('/v1/rules/preview', {
    schema: {
      tags,
      summary: 'What an event would earn a member, rule by rule, and why; writes nothing',
      'x-idempotency': 'none',
      body: PreviewBody,
      response: { 200: PreviewResponse },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return rules.preview(program, req.body);
    },
  });
}
