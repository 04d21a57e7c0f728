/** SQL of analysis jobs, their leases and the per-job member scores. No decisions: analytics.jobs.ts makes them. */
import type { Queryable } from '../../platform/db.js';
import type { JobOut } from './analytics.contract.js';

export interface JobRow {
  id: string;
  kind: string;
  status: JobOut['status'];
  params: Record<string, unknown>;
  params_key: string;
  progress: JobOut['progress'];
  result: unknown;
  error: JobOut['error'];
  origin: 'request' | 'daily';
  scores: JobOut['scores'];
  owner: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** The program's current scores are this job's. */
  current: boolean;
}

const SELECT = `select j.*, (c.job_id is not null) as current
  from analytics_jobs j left join member_scores_current c on c.program_id = j.program_id and c.job_id = j.id`;
const UNFINISHED = `status in ('queued', 'running')`;
/** The lease is the database's time, the one clock every process shares. */
const LEASE = `now() + make_interval(secs => $LEASE::float8 / 1000)`;
const lease = (n: number) => LEASE.replace('$LEASE', `$${n}`);

export const jobsRepo = {
  async load(q: Queryable, programId: string, id: string): Promise<JobRow | undefined> {
    const [r] = await q.query<JobRow>(`${SELECT} where j.program_id = $1 and j.id = $2`, [programId, id]);
    return r;
  },

  async list(q: Queryable, programId: string, kind: string | null, limit: number): Promise<JobRow[]> {
    return q.query<JobRow>(`${SELECT} where j.program_id = $1 and ($2::text is null or j.kind = $2) order by j.created_at desc, j.id desc limit $3`, [programId, kind, limit]);
  },

  /** The job whose scores are the program's current ones. */
  async current(q: Queryable, programId: string): Promise<JobRow | undefined> {
    const [r] = await q.query<JobRow>(`${SELECT} where j.program_id = $1 and c.job_id is not null`, [programId]);
    return r;
  },

  /** Marks failed the unfinished jobs of a program (or one job) whose owner let the lease run out. */
  async expireLapsed(q: Queryable, programId: string, id: string | null, error: object, now: Date): Promise<number> {
    const rows = await q.query(
      `update analytics_jobs set status = 'failed', error = $3::text::jsonb, finished_at = $4, owner = null
       where program_id = $1 and ($2::text is null or id = $2) and ${UNFINISHED} and (lease_until is null or lease_until < now())
       returning id`,
      [programId, id, JSON.stringify(error), now],
    );
    return rows.length;
  },

  async unfinished(q: Queryable, programId: string, kind: string): Promise<JobRow | undefined> {
    const [r] = await q.query<JobRow>(`${SELECT} where j.program_id = $1 and j.kind = $2 and j.${UNFINISHED}`, [programId, kind]);
    return r;
  },

  /** The latest finished job for these inputs whose scores are still stored: the cached answer. */
  async cached(q: Queryable, programId: string, kind: string, key: string): Promise<JobRow | undefined> {
    const [r] = await q.query<JobRow>(
      `${SELECT} where j.program_id = $1 and j.kind = $2 and j.params_key = $3 and j.status = 'succeeded' and j.scores = 'kept'
       order by j.finished_at desc, j.id desc limit 1`,
      [programId, kind, key],
    );
    return r;
  },

  /** Inserts a queued job owned by `owner`; nothing when an unfinished job of the kind exists (the unique index). */
  async insert(
    q: Queryable,
    j: { programId: string; id: string; kind: string; params: object; key: string; origin: string; owner: string; leaseMs: number; now: Date },
  ): Promise<JobRow | undefined> {
    const [r] = await q.query<JobRow>(
      `insert into analytics_jobs (program_id, id, kind, params, params_key, status, origin, owner, lease_until, created_at)
       values ($1, $2, $3, $4::text::jsonb, $5, 'queued', $6, $7, ${lease(8)}, $9)
       on conflict do nothing returning *, false as current`,
      [j.programId, j.id, j.kind, JSON.stringify(j.params), j.key, j.origin, j.owner, j.leaseMs, j.now],
    );
    return r;
  },

  async start(q: Queryable, programId: string, id: string, owner: string, now: Date): Promise<boolean> {
    const rows = await q.query(
      `update analytics_jobs set status = 'running', started_at = $4, scores = 'writing' where program_id = $1 and id = $2 and owner = $3 and status = 'queued' returning id`,
      [programId, id, owner, now],
    );
    return rows.length === 1;
  },

  /** Extends the lease of every unfinished job `owner` holds; answers the ids it still holds. */
  async renew(q: Queryable, owner: string, leaseMs: number): Promise<string[]> {
    const rows = await q.query<{ id: string }>(`update analytics_jobs set lease_until = ${lease(2)} where owner = $1 and ${UNFINISHED} returning id`, [owner, leaseMs]);
    return rows.map((r) => r.id);
  },

  /** Records the job's progress if `owner` still runs it; answers whether it does (false: the lease was lost). */
  async progress(q: Queryable, programId: string, id: string, owner: string, progress: object): Promise<boolean> {
    const rows = await q.query(`update analytics_jobs set progress = $4::text::jsonb where program_id = $1 and id = $2 and owner = $3 and status = 'running' returning id`, [
      programId,
      id,
      owner,
      JSON.stringify(progress),
    ]);
    return rows.length === 1;
  },

  /** Marks the job succeeded if `owner` still holds it; answers whether it did. */
  async succeed(q: Queryable, programId: string, id: string, owner: string, result: unknown, now: Date): Promise<boolean> {
    const rows = await q.query(
      `update analytics_jobs set status = 'succeeded', result = $4::text::jsonb, progress = '{"step":"done"}', finished_at = $5, scores = 'kept', owner = null
       where program_id = $1 and id = $2 and owner = $3 and status = 'running' returning id`,
      [programId, id, owner, JSON.stringify(result), now],
    );
    return rows.length === 1;
  },

  async fail(q: Queryable, programId: string, id: string, owner: string, error: object, now: Date): Promise<void> {
    await q.query(
      `update analytics_jobs set status = 'failed', error = $4::text::jsonb, finished_at = $5, owner = null
       where program_id = $1 and id = $2 and owner = $3 and ${UNFINISHED}`,
      [programId, id, owner, JSON.stringify(error), now],
    );
  },

  /**
   * Points the program's current scores at the job when its data are at least as recent as the current
   * scores': a later as_of wins; on the same as_of a fit asked for by someone is not replaced by the daily refit.
   */
  async makeCurrent(q: Queryable, c: { programId: string; jobId: string; asOf: Date; origin: string; now: Date }): Promise<boolean> {
    const rows = await q.query(
      `insert into member_scores_current as c (program_id, job_id, as_of, origin, set_at) values ($1, $2, $3, $4, $5)
       on conflict (program_id) do update set job_id = excluded.job_id, as_of = excluded.as_of, origin = excluded.origin, set_at = excluded.set_at
       where excluded.as_of > c.as_of or (excluded.as_of = c.as_of and (excluded.origin = 'request' or c.origin = 'daily'))
       returning job_id`,
      [c.programId, c.jobId, c.asOf, c.origin, c.now],
    );
    return rows.length === 1;
  },

  /**
   * Jobs whose stored scores nobody can ask for any more: a failed job's partial rows, the daily refit's once
   * they are no longer current, and a requested fit's once a later fit of the same inputs replaced it.
   */
  async superseded(q: Queryable, programId: string): Promise<string[]> {
    const rows = await q.query<{ id: string }>(
      `select j.id from analytics_jobs j
       where j.program_id = $1 and j.kind = 'clv'
         and not exists (select 1 from member_scores_current c where c.program_id = j.program_id and c.job_id = j.id)
         and ((j.status = 'failed' and j.scores = 'writing')
           or (j.status = 'succeeded' and j.scores = 'kept' and (j.origin = 'daily' or exists (
                 select 1 from analytics_jobs l where l.program_id = j.program_id and l.kind = j.kind and l.params_key = j.params_key
                   and l.status = 'succeeded' and l.scores = 'kept' and (l.finished_at, l.id) > (j.finished_at, j.id)))))
       order by j.id`,
      [programId],
    );
    return rows.map((r) => r.id);
  },

  /** Deletes up to `limit` of a job's score rows; answers how many it deleted. */
  async deleteScores(q: Queryable, programId: string, jobId: string, limit: number): Promise<number> {
    const rows = await q.query(
      `delete from member_scores where program_id = $1 and job_id = $2 and member_id in (
         select member_id from member_scores where program_id = $1 and job_id = $2 order by member_id limit $3)
       returning 1`,
      [programId, jobId, limit],
    );
    return rows.length;
  },

  async markDiscarded(q: Queryable, programId: string, jobId: string): Promise<void> {
    await q.query(`update analytics_jobs set scores = 'discarded' where program_id = $1 and id = $2 and status in ('succeeded', 'failed')`, [programId, jobId]);
  },
};
