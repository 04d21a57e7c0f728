import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { z } from 'zod';

/**
 * The OpenAPI document: fastify-swagger builds it from the route schemas (zod, through the type provider);
 * this file adds what no single route says — how to authenticate and name the program, the Idempotency-Key
 * header, the problem+json error responses, operation ids — so that `/docs` and a generated client can
 * really be used against the API.
 */

declare module 'fastify' {
  interface FastifySchema {
    /**
     * 'none': this write does not honour `Idempotency-Key` (it writes nothing, or starts a job that is
     * idempotent by its inputs). Every other POST, PUT, PATCH and DELETE under /v1 runs through `runWrite`.
     */
    'x-idempotency'?: 'none';
    /**
     * Error statuses the operation answers beyond those of its kind: every /v1 operation can answer 400, 401,
     * 403, 429 and 503; a program-level one or one with a path id 404; a write that honours Idempotency-Key 409
     * and 422.
     */
    'x-errors'?: readonly ErrorStatus[];
  }
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 414 | 422 | 429 | 431 | 503;

/**
 * A response schema for the document only: the handler's return is not type-checked against it (its service
 * returns database rows typed loosely). The suite checks real answers against the document (openapi.test.ts).
 */
export const documented = (schema: z.ZodType): z.ZodType<unknown> => schema;

/** The security of workspace-level operations (programs and keys): the key alone, no program header. */
export const WORKSPACE_SECURITY = [{ apiKey: [] }, { session: [] }] as const;

/**
 * Program-level operations: a program key alone, or a workspace key with the program named in the header, or
 * a staff session (the console's cookie) with the program in the header.
 */
const PROGRAM_SECURITY = [{ apiKey: [], program: [] }, { apiKey: [] }, { session: [], program: [] }];

type Json = Record<string, unknown>;
type Operation = Json & {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  parameters?: Json[];
  requestBody?: Json;
  responses: Record<string, Json>;
  security?: unknown[];
};

const TAGS: { name: string; description: string }[] = [
  { name: 'programs', description: 'Loyalty programs of a workspace and their settings (workspace-level)' },
  { name: 'staff', description: 'Staff users of the console: sign-in, sessions, one-time links, roles (workspace-level)' },
  { name: 'keys', description: 'API keys: workspace-wide or limited to one program, with scopes (workspace-level)' },
  { name: 'members', description: 'Enrolled members: identities, profile, consent, erasure' },
  { name: 'ledger', description: 'The double-entry points ledger: balances, history, redemptions, adjustments, transfers, holds' },
  { name: 'events', description: 'Purchases, refunds and custom events that earn points' },
  { name: 'orders', description: 'Orders as the ledger sees them: what was paid, refunded, earned and reversed' },
  { name: 'referrals', description: 'Referral programme settings, codes and referrals' },
  { name: 'recommendations', description: 'Co-purchase recommendations and next-best offers per member, and the item model behind them' },
  { name: 'journeys', description: 'Journeys: triggers, waits, branches, messages and rewards that bring members back, with holdouts and goals' },
  { name: 'rules', description: 'Earning rules: conditions, effects, limits, versions, preview' },
  { name: 'tiers', description: 'Tier scheme, levels and members’ tiers' },
  { name: 'rewards', description: 'Reward catalogue, redemptions, coupons and stamp cards' },
  { name: 'analytics', description: 'KPIs, member structure, RFM, cohorts, lifetime value, segments and analysis jobs' },
  { name: 'audit', description: 'The audit log: who changed what and when, before and after; JSON or CSV' },
  { name: 'imports', description: 'Files of members or events uploaded, mapped and imported in the background, with their rejects' },
  { name: 'messaging', description: 'Message templates, the email channel, frequency caps and quiet hours, and the outbox of every message' },
];

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'An RFC 9457 problem: `code` is stable and dotted, `field` names the bad input when there is one',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'A URI naming the problem: https://patron.dev/problems/{code}' },
    title: { type: 'string', description: 'The HTTP status in words' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'What went wrong, for a person' },
    code: { type: 'string', description: 'Stable and dotted (`ledger.insufficient_points`): what a program should test' },
    field: { type: 'string', description: 'The input at fault: a body path (`lines.0.quantity`), a parameter or a header' },
    errors: {
      type: 'array',
      description: 'Every field error found, the first of which is `field`',
      items: {
        type: 'object',
        required: ['field', 'code', 'message'],
        properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
    request_id: { type: 'string', description: 'The id of the request in the server logs (also the x-request-id header)' },
  },
  additionalProperties: true,
};

const ERRORS: Record<ErrorStatus, { name: string; description: string; example: Json }> = {
  400: {
    name: 'BadRequest',
    description: 'The request is malformed or names bad values: `field` says which',
    example: { code: 'validation.too_small', detail: 'Invalid body: quantity: Too small: expected number to be >=1', field: 'lines.0.quantity' },
  },
  401: {
    name: 'Unauthorized',
    description: 'No API key, or one Patron does not know or that was revoked',
    example: { code: 'auth.invalid_key', detail: 'The API key is not valid' },
  },
  403: {
    name: 'Forbidden',
    description: 'The key lacks the scope this operation needs',
    example: { code: 'auth.insufficient_scope', detail: 'This operation needs a key with the admin scope' },
  },
  404: {
    name: 'NotFound',
    description: 'What the path names does not exist in the program (or the program named by Patron-Program does not)',
    example: { code: 'member.not_found', detail: 'No member mbr_01j0000000000000000000000', field: 'member_id' },
  },
  409: {
    name: 'Conflict',
    description: 'The current state does not allow it: it exists already, or was used, confirmed or cancelled',
    example: { code: 'member.identity_taken', detail: 'Another member already has this email', field: 'email' },
  },
  413: {
    name: 'ContentTooLarge',
    description: 'The request body is larger than the server accepts (8 MiB by default)',
    example: { code: 'request.too_large', detail: 'The request body is larger than the server accepts.', field: 'body' },
  },
  414: {
    name: 'URITooLong',
    description: 'A path segment is longer than an id can be',
    example: { code: 'request.uri_too_long', detail: 'A path segment is longer than 1024 characters', field: 'path' },
  },
  422: {
    name: 'UnprocessableContent',
    description:
      'Well formed but refused by a business rule (insufficient points, an amount out of range), or an Idempotency-Key already used for a different request',
    example: { code: 'idempotency.key_reused', detail: 'This Idempotency-Key was used for a different request', field: 'Idempotency-Key' },
  },
  429: {
    name: 'TooManyRequests',
    description: 'Too many requests from this key or address; retry after the `Retry-After` header',
    example: { code: 'request.rate_limited', detail: 'Too many requests for this key; retry after the Retry-After header' },
  },
  431: {
    name: 'RequestHeaderFieldsTooLarge',
    description: "The request's headers are larger than the server accepts",
    example: { code: 'request.headers_too_large', detail: 'The request headers are larger than the server accepts' },
  },
  503: {
    name: 'ServiceUnavailable',
    description: 'The database (or NATS) is away or the server is saturated; retrying after `Retry-After` is safe',
    example: { code: 'db.unavailable', detail: 'The database is unavailable; retry shortly' },
  },
};

const TITLES: Record<ErrorStatus, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

function errorResponse(status: ErrorStatus): Json {
  const e = ERRORS[status];
  const example = {
    type: `https://patron.dev/problems/${String(e.example.code)}`,
    title: TITLES[status],
    status,
    ...e.example,
    request_id: 'req-7f3a',
  };
  const headers =
    status === 429 || status === 503
      ? { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } }
      : undefined;
  return {
    description: e.description,
    ...(headers ? { headers } : {}),
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, example } },
  };
}

/** Descriptions for parameters that mean the same on every operation; a schema's own description wins. */
const PARAMETER_TEXT: Record<string, string> = {
  limit: 'How many items to return at most (one page)',
  cursor: 'Where the page starts: the `next_cursor` of the previous page',
  code: 'The coupon code',
  currency: 'A point currency of the program (e.g. points, stamps)',
};

function describeParameter(p: Json): void {
  const schema = (p.schema ?? {}) as Json;
  if (typeof p.description === 'string' && p.description) return;
  if (typeof schema.description === 'string' && schema.description) {
    p.description = schema.description;
    return;
  }
  const name = String(p.name);
  const text = PARAMETER_TEXT[name];
  if (text) p.description = text;
  else if (p.in === 'path' && name.endsWith('_id')) p.description = `The id of the ${name.slice(0, -3).replaceAll('_', ' ')}`;
}

const VERBS: Record<string, string> = { get: 'get', post: 'post', put: 'put', patch: 'update', delete: 'delete' };
const pascal = (s: string) =>
  s
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** `GET /v1/members/{member_id}/balance` → `getMembersBalance`; a path ending in a parameter adds `By<Name>`. */
export function operationIdFor(method: string, path: string): string {
  const parts = path.split('/').filter((s) => s && s !== 'v1');
  const last = parts[parts.length - 1] ?? '';
  const words = parts.filter((s) => !s.startsWith('{')).map(pascal).join('');
  const by = last.startsWith('{') ? `By${pascal(last.slice(1, -1))}` : '';
  return `${VERBS[method] ?? method}${words}${by}`;
}

const READ_METHODS = new Set(['get', 'head']);

function finishOperation(path: string, method: string, op: Operation): void {
  const workspace = op.security !== undefined;
  const write = !READ_METHODS.has(method);
  const idempotent = write && op['x-idempotency'] !== 'none';
  const extra = (op['x-errors'] as ErrorStatus[] | undefined) ?? [];
  delete op['x-idempotency'];
  delete op['x-errors'];

  op.operationId ??= operationIdFor(method, path);
  if (!workspace) op.security = PROGRAM_SECURITY;
  for (const p of op.parameters ?? []) describeParameter(p);
  if (idempotent) (op.parameters ??= []).push({ $ref: '#/components/parameters/IdempotencyKey' });

  const notes = [
    workspace
      ? 'A workspace-level operation: the key alone decides what it sees.'
      : 'Acts on the program of a program key, or, with a workspace-wide key, on the program named in the `Patron-Program` header.',
  ];
  if (idempotent) notes.push('Send an `Idempotency-Key` to make a retry safe: the same key and body within 24 hours answers the first result and writes nothing.');
  const own = op.description ?? (op.summary ? `${op.summary}.` : '');
  op.description = [own, ...notes].filter(Boolean).join('\n\n');

  const statuses = new Set<ErrorStatus>([400, 401, 403, 429, 431, 503, ...extra]);
  const hasPathParams = path.includes('{');
  if (!workspace || hasPathParams) statuses.add(404);
  if (hasPathParams) statuses.add(414);
  if (write) statuses.add(413);
  if (idempotent) statuses.add(409);
  if (idempotent) statuses.add(422);
  for (const s of [...statuses].sort()) op.responses[String(s)] ??= { $ref: `#/components/responses/${ERRORS[s].name}` };
  for (const [status, r] of Object.entries(op.responses)) {
    // fastify-swagger names every response "Default Response"; say what the status means instead.
    if (r.description === 'Default Response') r.description = status.startsWith('2') ? (SUCCESS[status] ?? 'Success') : 'Error';
  }
}

const SUCCESS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted: the work continues in the background',
};

type SwaggerDocument = Parameters<NonNullable<FastifyDynamicSwaggerOptions['transformObject']>>[0];

/** Completes the generated document (see the file comment). Exported for the tests. */
export function finishDocument(doc: Json): Json {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) finishOperation(path, method, op);
  }
  const components = (doc.components ?? {}) as Json;
  components.schemas = { ...((components.schemas as Json | undefined) ?? {}), Problem: PROBLEM_SCHEMA };
  components.responses = Object.fromEntries(
    (Object.keys(ERRORS).map(Number) as ErrorStatus[]).map((s) => [ERRORS[s].name, errorResponse(s)]),
  );
  components.parameters = {
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Makes a retry safe: the same key and body from the same API key within 24 hours answers the first result (header `idempotent-replayed: true`) and writes nothing; the same key with another body is a 422',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
      example: 'order-1042-redeem',
    },
  };
  doc.components = components;
  doc.tags = TAGS;
  return doc;
}

/** The options of @fastify/swagger for Patron's document. */
export function openapiOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Patron API',
        version,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        description:
          'Patron, the open-source loyalty platform: programs, members, the points ledger and events.\n\n' +
          'Authenticate with `Authorization: Bearer <api key>`. A key limited to one program acts on that program; ' +
          'a workspace-wide key (the one `patron serve` prints) names the program of each program-level call in the ' +
          '`Patron-Program` header — in /docs, fill in both under Authorize.\n\n' +
          'Writes take an optional `Idempotency-Key`. Errors are RFC 9457 problem details (`application/problem+json`) ' +
          'with a stable `code` and the `field` at fault.',
      },
      servers: [{ url: '/', description: 'This server' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A Patron API key (`ptn_…`)' },
          program: {
            type: 'apiKey',
            in: 'header',
            name: 'Patron-Program',
            description: 'The program a workspace-wide key acts on (its id, `prg_…`); a program key needs none',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'patron_session',
            description:
              'A staff session (POST /v1/staff/session sets it). Every write made with it also needs the header `x-csrf-token` (the session\'s `csrf_token`); the role decides what it may call',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (document: SwaggerDocument) => {
      const doc = 'openapiObject' in document ? jsonSchemaTransformObject(document) : document.swaggerObject;
      return finishDocument(doc as unknown as Json) as never;
    },
  };
}
