import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/** One problem+json answer (RFC 9457), as every Patron error is. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code: string;
  field?: string;
  errors?: { field?: string; code?: string; message?: string }[];
  request_id?: string;
}

/** A refused call: the problem's stable code, and the field it names (forms show it beside that field). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? problem.code);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.field = problem.field;
    this.problem = problem;
  }
}

/** What the client adds to each call: the session's CSRF token on writes, the chosen program. */
const context: { csrfToken: string | null; programId: string | null } = { csrfToken: null, programId: null };

export function setCsrfToken(token: string | null): void {
  context.csrfToken = token;
}
export function setProgram(programId: string | null): void {
  context.programId = programId;
}
export function currentProgram(): string | null {
  return context.programId;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Adds the headers every call of a signed-in console sends. */
export function applyContext(method: string, headers: Headers): void {
  if (WRITES.has(method.toUpperCase()) && context.csrfToken) headers.set('x-csrf-token', context.csrfToken);
  if (context.programId && !headers.has('patron-program')) headers.set('patron-program', context.programId);
}

const contextMiddleware: Middleware = {
  onRequest({ request }) {
    applyContext(request.method, request.headers);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(contextMiddleware);

/** Turns anything a failed call answered into an ApiError. */
export function toApiError(error: unknown, status: number): ApiError {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return new ApiError({ ...(error as Problem), status });
  }
  return new ApiError({ status, code: status >= 500 ? 'server.error' : 'http.error' });
}

/** The data of an openapi-fetch answer, or throws its problem as an ApiError (TanStack Query shows it). */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(error, response.status);
  return data as T;
}
