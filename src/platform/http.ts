import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  validatorCompiler,
  hasZodFastifySchemaValidationErrors,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { AppError, toProblem, type FieldError, type Problem } from './errors.js';
import type { Logger } from './logger.js';
import { installInputGuard } from './input.js';
import { issueCode } from './instant.js';
import { clientError, frameworkError, MAX_PARAM_LENGTH, trackRouteMethods } from './protocol.js';
import { databaseUnavailable } from './protect.js';
import { openapiOptions } from './openapi.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The HTTP shell: zod validation, OpenAPI 3.1 from the same schemas, RFC 9457 errors, request ids.
 * Responses are plain JSON.stringify: the response schemas document the API, they are not re-checked per call.
 */
export function createHttp(
  log: Logger,
  opts: {
    version: string;
    bodyLimit?: number;
    /** Which proxies' X-Forwarded-For to believe for the client address (fastify's `trustProxy`). */
    trustProxy?: boolean | string;
    /** Registers what must wrap every route, the docs included (headers, limits, CORS): see protect.ts. */
    guard?: (app: App) => void;
  },
): App {
  const loggerInstance: FastifyBaseLogger = log;
  const app = Fastify({
    loggerInstance,
    bodyLimit: opts.bodyLimit ?? 8 * 1024 * 1024,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
    trustProxy: opts.trustProxy ?? false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installInputGuard(app);
  const methodsOf = trackRouteMethods(app);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  opts.guard?.(app);

  app.register(swagger, openapiOptions(opts.version));
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.after(() => {
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const allowed = methodsOf(path);
    if (allowed.length) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, new AppError('method_not_allowed', 'route.method_not_allowed', `${path} answers ${allowed.join(', ')}, not ${req.method}`, { allow: allowed }), req);
    }
    return sendProblem(reply, new AppError('not_found', 'route.not_found', `No route ${req.method} ${path}`), req);
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const appError = toAppError(err);
    if (!appError) {
      req.log.error({ err, url: req.url, method: req.method }, 'unhandled error');
      const body: Problem = {
        type: 'https://patron.dev/problems/internal.error',
        title: 'Internal Server Error',
        status: 500,
        detail: 'Something went wrong on our side; the request id identifies it in the logs.',
        code: 'internal.error',
        request_id: req.id,
      };
      return reply.code(500).type('application/problem+json').send(body);
    }
    return sendProblem(reply, appError, req);
  });
  return app;
}

export function sendProblem(reply: FastifyReply, e: AppError, req: FastifyRequest) {
  // A 429 or 503 says when to come back (RFC 9110 Retry-After), in the header as in the body.
  if (typeof e.details.retry_after === 'number') reply.header('retry-after', String(e.details.retry_after));
  return reply.code(e.status).type('application/problem+json').send(toProblem(e, req.id));
}

/** Maps what fastify and zod raise for bad requests to Patron's error codes. Unknown errors stay unknown (500). */
function toAppError(err: FastifyError): AppError | undefined {
  if (err instanceof AppError) return err;
  const outage = databaseUnavailable(err);
  if (outage) return outage;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'body';
    const errors: FieldError[] = err.validation.map((v) => {
      const path = v.instancePath.split('/').filter(Boolean);
      const keys = (v.params as { keys?: string[] }).keys;
      if (v.keyword === 'unrecognized_keys' && keys?.length) path.push(keys[0]!);
      return {
        field: path.length ? path.join('.') : where,
        code: issueCode({ code: v.keyword, params: (v.params as { params?: unknown }).params }),
        message: v.keyword === 'unrecognized_keys' ? `Unknown field${keys && keys.length > 1 ? 's' : ''}: ${keys?.join(', ')}` : v.message ?? 'is invalid',
      };
    });
    const first = errors[0]!;
    return new AppError('invalid', first.code, `Invalid ${where}: ${first.field}: ${first.message}`, {
      field: first.field,
      errors,
    });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid', 'request.malformed_json', 'The request body is not valid JSON.', { field: 'body' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('invalid', 'request.unsupported_media_type', 'Send JSON with Content-Type: application/json.', {
        field: 'content-type',
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('too_large', 'request.too_large', 'The request body is larger than the server accepts.', { field: 'body' });
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return new AppError('invalid', 'request.malformed_json', 'The request body is not valid JSON.', { field: 'body' });
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new AppError('invalid', 'request.invalid', err.message);
  }
  return undefined;
}
