/**
 * Long analyses run as jobs: a row in analytics_jobs records the inputs, progress, and the result or the
 * failure. A finished job is the cache for the same inputs (`params_key`); asking again returns it unless
 * `refresh` is set. Jobs run inside the process that was asked; a job left `running` by a process that
 * stopped is marked failed (`analytics.job_interrupted`) when someone next asks for that work.
 */
import type { Db } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { ClvInput, type JobOut } from './analytics.contract.js';
import { scoreMembers, type ClvResult } from './analytics.clv.js';
import { ModelFitError } from './models/index.js';
import { parseWhen, startOfDay } from './analytics.service.js';

interface JobRow {
  id: string;
  kind: string;
  status: JobOut['status'];
  params: Record<string, unknown>;
  params_key: string;
  progress: JobOut['progress'];
  result: unknown;
  error: JobOut['error'];
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toOut = (r: JobRow, cached = false): JobOut => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  params: r.params,
  progress: r.progress,
  result: r.result ?? null,
  error: r.error ?? null,
  created_at: r.created_at.toISOString(),
  started_at: iso(r.started_at),
  finished_at: iso(r.finished_at),
  cached,
});


export function createAnalyticsJobs(deps: { db: Db; clock: Clock; ids: Ids; log: Logger }) {
  const { db, clock, ids, log } = deps;
  /** Jobs this process is running, by id. */
  const running = new Map<string, Promise<JobOut>>();
  /** The CLV job running for a program in this process: one at a time. */
  const busyByProgram = new Map<string, string>();

  async function load(programId: string, id: string): Promise<JobRow | undefined> {
    const [r] = await db.query<JobRow>(`select * from analytics_jobs where program_id = $1 and id = $2`, [programId, id]);
    return r;
  }

  async function orphan(programId: string, r: JobRow) {
    if ((r.status === 'running' || r.status === 'queued') && !running.has(r.id)) {
      const error = { code: 'analytics.job_interrupted', message: 'The process running this job stopped before it finished; ask again' };
      await db.query(`update analytics_jobs set status = 'failed', error = $3::text::jsonb, finished_at = $4 where program_id = $1 and id = $2 and status in ('queued', 'running')`, [
        programId,
        r.id,
        JSON.stringify(error),
        clock.now(),
      ]);
      return { ...r, status: 'failed' as const, error, finished_at: clock.now() };
    }
    return r;
  }

  /** Normalises CLV inputs: defaults filled, times resolved, so equal asks share a key. */
  function clvParams(input: unknown) {
    const p = ClvInput.parse(input ?? {});
    // Default: data before today, so a day's repeated asks share one result.
    const asOf = parseWhen(p.as_of, 'as_of') ?? startOfDay(clock.now());
    const since = parseWhen(p.since, 'since') ?? null;
    const params = {
      as_of: asOf.toISOString(),
      since: since?.toISOString() ?? null,
      model: p.model,
      horizon_months: p.horizon_months,
      annual_discount_rate: p.annual_discount_rate,
    };
    return { params, key: JSON.stringify(params), refresh: p.refresh, asOf, since };
  }

  async function execute(programId: string, job: JobRow, run: (progress: (step: string, done?: number, total?: number) => Promise<void>) => Promise<unknown>): Promise<JobOut> {
    const started = clock.now();
    await db.query(`update analytics_jobs set status = 'running', started_at = $3 where program_id = $1 and id = $2`, [programId, job.id, started]);
    // Progress is written outside the job's transaction and not awaited by it: on the embedded database
    // (one connection) a write waits for the transaction, which must not wait for the write.
    let written: Promise<unknown> = Promise.resolve();
    const progress = async (step: string, done?: number, total?: number) => {
      written = written
        .then(() => db.query(`update analytics_jobs set progress = $3::text::jsonb where program_id = $1 and id = $2 and status = 'running'`, [programId, job.id, JSON.stringify({ step, done, total })]))
        .catch((err: unknown) => log.warn({ err, job: job.id }, 'could not record job progress'));
    };
    try {
      const result = await run(progress);
      await written;
      await db.query(
        `update analytics_jobs set status = 'succeeded', result = $3::text::jsonb, progress = $4::text::jsonb, finished_at = $5 where program_id = $1 and id = $2`,
        [programId, job.id, JSON.stringify(result), JSON.stringify({ step: 'done' }), clock.now()],
      );
    } catch (e) {
      const error =
        e instanceof ModelFitError
          ? { code: e.code, message: e.message, ...(e.details ?? {}) }
          : e instanceof AppError
            ? { code: e.code, message: e.message }
            : { code: 'analytics.job_failed', message: 'The analysis failed unexpectedly; see the server log' };
      await written;
      if (!(e instanceof ModelFitError) && !(e instanceof AppError)) log.error({ err: e, job: job.id }, 'analytics job failed');
      await db.query(`update analytics_jobs set status = 'failed', error = $3::text::jsonb, finished_at = $4 where program_id = $1 and id = $2`, [
        programId,
        job.id,
        JSON.stringify(error),
        clock.now(),
      ]);
    }
    return toOut((await load(programId, job.id))!);
  }

  return {
    async get(programId: string, id: string): Promise<JobOut> {
      const r = await load(programId, id);
      if (!r) throw notFound('analytics.job_not_found', `No analysis job ${id}`, 'job_id');
      return toOut(await orphan(programId, r));
    },

    async list(programId: string, kind?: string, limit = 20): Promise<JobOut[]> {
      const rows = await db.query<JobRow>(
        `select * from analytics_jobs where program_id = $1 and ($2::text is null or kind = $2) order by created_at desc, id desc limit $3`,
        [programId, kind ?? null, limit],
      );
      return rows.map((r) => toOut(r));
    },

    /** The latest succeeded job of a kind, if any. */
    async latest(programId: string, kind: string): Promise<JobOut | null> {
      const [r] = await db.query<JobRow>(
        `select * from analytics_jobs where program_id = $1 and kind = $2 and status = 'succeeded' order by finished_at desc, id desc limit 1`,
        [programId, kind],
      );
      return r ? toOut(r) : null;
    },

    /**
     * Starts (or finds) the CLV job for these inputs. `wait`: resolve when it has finished (the CLI, the
     * bench); otherwise resolve at once with the queued job and let it run in the background.
     */
    async clv(programId: string, input: unknown, opts: { wait?: boolean } = {}): Promise<JobOut> {
      const { params, key, refresh, asOf, since } = clvParams(input);
      const rows = await db.query<JobRow>(
        `select * from analytics_jobs where program_id = $1 and kind = 'clv' and params_key = $2 and status <> 'failed'
         order by created_at desc limit 1`,
        [programId, key],
      );
      const prior = rows[0] ? await orphan(programId, rows[0]) : undefined;
      if (prior && prior.status !== 'failed') {
        const mine = running.get(prior.id);
        if (mine) return opts.wait ? mine : toOut(prior);
        if (prior.status === 'succeeded' && !refresh) return toOut(prior, true);
      }
      const busy = busyByProgram.get(programId);
      if (busy) {
        throw conflict('analytics.job_running', `A lifetime-value job is already running for this program (${busy}); wait for it`, { job_id: busy });
      }
      const id = ids.next('job');
      const [job] = await db.query<JobRow>(
        `insert into analytics_jobs (program_id, id, kind, params, params_key, status, created_at)
         values ($1, $2, 'clv', $3::text::jsonb, $4, 'queued', $5) returning *`,
        [programId, id, JSON.stringify(params), key, clock.now()],
      );
      const promise = execute(programId, job!, (progress) =>
        db.tx(
          (q): Promise<ClvResult> =>
            scoreMembers(q, {
              programId,
              jobId: id,
              asOf,
              since,
              model: params.model,
              horizonMonths: params.horizon_months,
              annualDiscountRate: params.annual_discount_rate,
              now: clock.now(),
              postgres: db.kind === 'postgres',
              // Progress is written outside the scoring transaction, so readers see it while it runs.
              progress,
            }),
        ),
      ).finally(() => {
        running.delete(id);
        busyByProgram.delete(programId);
      });
      running.set(id, promise);
      busyByProgram.set(programId, id);
      if (opts.wait) return promise;
      return toOut(job!);
    },

    /**
     * The daily refresh `patron serve` runs with its maintenance: every program with purchases gets its scores
     * fitted once per day on the default inputs (data before today). A day's attempt that failed is not
     * repeated until the next day. Answers what it did per program.
     */
    async refreshDaily(opts: { programId?: string } = {}): Promise<{ program_id: string; job_id: string; status: string }[]> {
      const key = clvParams({}).key;
      const due = await db.query<{ id: string }>(
        `select p.id from programs p
         where p.status = 'active' and exists (select 1 from orders o where o.program_id = p.id and o.member_id is not null)
           and not exists (select 1 from analytics_jobs j where j.program_id = p.id and j.kind = 'clv' and j.params_key = $1)
           and ($2::text is null or p.id = $2)
         order by p.id`,
        [key, opts.programId ?? null],
      );
      const done = [];
      for (const p of due) {
        if (busyByProgram.has(p.id)) continue;
        const job = await this.clv(p.id, {}, { wait: true });
        done.push({ program_id: p.id, job_id: job.id, status: job.status });
      }
      return done;
    },

    /** Waits for every job this process started (tests, shutdown). */
    async idle() {
      await Promise.allSettled([...running.values()]);
    },
  };
}
export type AnalyticsJobs = ReturnType<typeof createAnalyticsJobs>;
