import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toProblem } from './errors.js';

/**
 * What fastify and node answer on their own — a URL the router cannot decode, a path segment over the
 * router's limit, headers over node's limit, a path served with other methods — made problem+json with
 * Patron codes like every other error.
 */

/** The longest path segment the router takes (an id of 200 characters fits even percent-encoded); longer is a 414. */
export const MAX_PARAM_LENGTH = 1024;

/** For fastify's `frameworkErrors`: errors raised by the router before any route runs. */
export function frameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const e =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('uri_too_long', 'request.uri_too_long', `A path segment is longer than ${MAX_PARAM_LENGTH} characters`, { field: 'path' })
      : err.code === 'FST_ERR_BAD_URL'
        ? new AppError('invalid', 'request.bad_url', 'The URL is not valid: a percent-escape does not decode to UTF-8 text', { field: 'path' })
        : new AppError('invalid', 'request.invalid', err.message);
  void reply.header('x-request-id', req.id).code(e.status).type('application/problem+json').send(toProblem(e, req.id));
}

/**
 * For fastify's `clientErrorHandler`: node's parser refused the request before fastify saw it (headers too
 * large, a timeout, bytes that are not HTTP). The answer is written straight to the socket, as node would.
 */
export function clientError(err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, code, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request.headers_too_large', 'The request headers are larger than the server accepts']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request.timeout', 'The request did not arrive in time']
        : [400, 'request.malformed', 'The request is not valid HTTP'];
  const body = JSON.stringify({ type: `https://patron.dev/problems/${code}`, title: STATUS_CODES[status], status, detail, code });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The methods each route path answers, learnt as routes are added, so that a path known with other methods
 * is a 405 with `Allow` rather than a 404.
 */
export function trackRouteMethods(app: FastifyInstance): (path: string) => string[] {
  const routes: { segments: string[]; methods: Set<string> }[] = [];
  app.addHook('onRoute', (route) => {
    // A catch-all (CORS preflight answers OPTIONS on `*`) matches every path: it would make every 404 a 405.
    if (route.url === '*' || route.url === '/*') return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const segments = route.url.split('/');
    let entry = routes.find((r) => r.segments.join('/') === segments.join('/'));
    if (!entry) routes.push((entry = { segments, methods: new Set() }));
    for (const m of methods) entry.methods.add(m.toUpperCase());
  });
  const matches = (pattern: string[], path: string[]) => {
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i]!;
      if (p === '*') return true;
      const s = path[i];
      if (s === undefined) return false;
      if (p.startsWith(':') ? s === '' : p !== s) return false;
    }
    return pattern.length === path.length;
  };
  return (path) => {
    const segments = path.split('/');
    const allowed = new Set<string>();
    for (const r of routes) if (matches(r.segments, segments)) r.methods.forEach((m) => allowed.add(m));
    return [...allowed].sort();
  };
}
