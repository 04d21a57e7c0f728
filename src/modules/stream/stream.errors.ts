import { AppError, toProblem } from '../../platform/errors.js';

/** What a worker makes of an error applying events: retry later, or refuse the event that caused it. */
export type Failure = { kind: 'transient' } | { kind: 'data'; error: { status: number; code: string; detail: string; field?: string } };

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * A data error comes from the event itself and would come back on every retry: the database refused a value
 * (class 22: invalid text, out of range, bad syntax) or a constraint (class 23), or the code applying it
 * failed on what it was given. Anything else — a lost connection, a serialization failure (40001), a
 * deadlock (40P01), too many connections (53300), a server shutting down — is transient: the same batch is
 * tried again later.
 */
export function classify(err: unknown): Failure {
  if (err instanceof AppError) {
    if (err.kind === 'unavailable') return { kind: 'transient' };
    const p = toProblem(err);
    return { kind: 'data', error: { status: p.status, code: p.code, detail: p.detail, ...(p.field ? { field: p.field } : {}) } };
  }
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && SQLSTATE.test(code)) {
    if (code === '22003') return data(422, 'event.out_of_range', `A value of the event is out of range for the ledger: ${message}`);
    if (code.startsWith('22')) return data(400, 'event.invalid_data', `The database refused a value of the event: ${message}`);
    if (code.startsWith('23')) return data(409, 'event.constraint_violation', `The event breaks a constraint of the database: ${message}`);
    return { kind: 'transient' };
  }
  if (err instanceof RangeError || err instanceof TypeError || err instanceof SyntaxError) {
    return data(422, 'event.unprocessable', `The event could not be applied: ${message}`);
  }
  return { kind: 'transient' };
}

const data = (status: number, code: string, detail: string): Failure => ({ kind: 'data', error: { status, code, detail } });
