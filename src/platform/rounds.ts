import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';

/** Who a process is, in the database's records of leases and rounds: host, process id and a random part. */
export function processOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export type RoundOutcome<T> =
  | { ran: true; value: T }
  /** busy: another process is running it now; recent: one started it less than an interval ago. */
  | { ran: false; reason: 'busy' | 'recent'; owner: string | null; started_at: Date | null };

/**
 * Periodic work that every `patron serve` schedules but only one process should do per interval (the
 * maintenance, the daily refit). A round runs under the advisory lock of its name, so two never overlap, and
 * only when the last run of that name, by any process, started at least `everyMs` ago by the database's
 * clock; the process that ran it and when are kept in maintenance_rounds.
 */
export async function runRound<T>(db: Db, opts: { name: string; everyMs: number; owner: string }, fn: () => Promise<T>): Promise<RoundOutcome<T>> {
  const outcome = await db.tryLock(`round:${opts.name}`, async (): Promise<RoundOutcome<T>> => {
    await db.query(`insert into maintenance_rounds (name) values ($1) on conflict (name) do nothing`, [opts.name]);
    const claimed = await db.query(
      `update maintenance_rounds set runs = runs + 1, owner = $2, started_at = now(), finished_at = null
       where name = $1 and (started_at is null or started_at <= now() - make_interval(secs => $3::float8 / 1000))
       returning name`,
      [opts.name, opts.owner, opts.everyMs],
    );
    if (claimed.length === 0) return { ran: false, reason: 'recent', ...(await last(db, opts.name)) };
    const value = await fn();
    await db.query(`update maintenance_rounds set finished_at = now() where name = $1 and owner = $2`, [opts.name, opts.owner]);
    return { ran: true, value };
  });
  return outcome.acquired ? outcome.value : { ran: false, reason: 'busy', ...(await last(db, opts.name)) };
}

async function last(db: Db, name: string): Promise<{ owner: string | null; started_at: Date | null }> {
  const [r] = await db.query<{ owner: string | null; started_at: Date | null }>(`select owner, started_at from maintenance_rounds where name = $1`, [name]);
  return r ?? { owner: null, started_at: null };
}
