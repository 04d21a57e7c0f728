/**
 * One error type for every expected failure. Services throw it with a stable dotted code; the HTTP layer
 * maps the code's kind to a status and an RFC 9457 body, and the CLI prints it. Anything else is a bug (500).
 */
export type ErrorKind =
  | 'invalid' // 400: the request is malformed or names bad values
  | 'unauthorized' // 401
  | 'forbidden' // 403: the key lacks the scope
  | 'not_found' // 404
  | 'method_not_allowed' // 405: the path exists, not with this method
  | 'conflict' // 409: the state does not allow it (already exists, already used)
  | 'too_large' // 413: the body is over the limit
  | 'uri_too_long' // 414: a path segment is over the router's limit
  | 'headers_too_large' // 431: the request's headers are over node's limit
  | 'unprocessable' // 422: well-formed but refused by a business rule (insufficient points, …)
  | 'rate_limited' // 429: too many requests from this key or address; `retry_after` says when to try again
  | 'unavailable'; // 503: a service Patron depends on is away (the database, NATS) or the server is busy; retrying later is safe

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_large: 413,
  uri_too_long: 414,
  headers_too_large: 431,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: { field?: string; errors?: FieldError[]; [k: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return STATUS[this.kind];
  }
}

export const invalid = (code: string, message: string, field?: string) =>
  new AppError('invalid', code, message, field ? { field } : {});
export const notFound = (code: string, message: string, field?: string) =>
  new AppError('not_found', code, message, field ? { field } : {});
export const conflict = (code: string, message: string, details: AppError['details'] = {}) =>
  new AppError('conflict', code, message, details);
export const unprocessable = (code: string, message: string, details: AppError['details'] = {}) =>
  new AppError('unprocessable', code, message, details);

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
  errors?: FieldError[];
  request_id?: string;
  [k: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function toProblem(e: AppError, requestId?: string): Problem {
  const { field, errors, ...rest } = e.details;
  return {
    type: `https://patron.dev/problems/${e.code}`,
    title: TITLES[e.status] ?? 'Error',
    status: e.status,
    detail: e.message,
    code: e.code,
    ...(field !== undefined ? { field } : {}),
    ...(errors !== undefined ? { errors } : {}),
    ...rest,
    ...(requestId ? { request_id: requestId } : {}),
  };
}
