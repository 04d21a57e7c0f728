/**
 * Long analyses run as jobs: a row in analytics_jobs records the inputs, progress, and the result or the
 * failure. A finished job whose scores are still stored is the cache for the same inputs (`params_key`);
 * asking again returns it unless `refresh` is set.
 *
 * Several processes (servers, the CLI) share the jobs through the database. A job is owned by the process
 * that started it and held by a lease the owner renews every third of its length; any process marks a job
 * failed (`analytics.job_interrupted`) only once its lease has run out, so a job another live process runs
 * is never taken for dead. At most one unfinished job of a kind exists per program (a unique index): two asks
 * for the same inputs at once get the same job, and asks for other inputs wait their turn (409).
 */
import type { Db } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { processOwner } from '../../platform/rounds.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { ClvInput, type JobOut } from './analytics.contract.js';
import { fitInWorker, scoreMembers, type ClvResult } from './analytics.clv.js';
import { ModelFitError } from './models/index.js';
import { parseWhen, startOfDay } from './analytics.service.js';
import { jobsRepo as repo, type JobRow } from './analytics.jobs.repo.js';
import type { FitInput, FitOutput } from './analytics.fit.js';

/** How long a job stays trusted to its owner without a renewal. */
export const DEFAULT_LEASE_MS = 30_000;
/** Score rows deleted per statement when a job's scores are discarded. */
const DELETE_BATCH = 5000;
const INTERRUPTED = { code: 'analytics.job_interrupted', message: 'The process running this job stopped before it finished; ask again' };

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
  scores: r.scores ?? null,
  current: r.current,
});

interface Running {
  programId: string;
  promise: Promise<JobOut>;
  /** `lost` is set when the lease was found lost: the job stops at its next checkpoint. */
  state: { lost: boolean };
}

/** The lease was lost (another process marked the job interrupted): the owner stops and keeps nothing. */
class LeaseLost extends Error {}

export interface AnalyticsJobsDeps {
  db: Db;
  clock: Clock;
  ids: Ids;
  log: Logger;
  /** Default 30 s; a test may shorten it to see a dead owner's job expire. */
  leaseMs?: number;
  /** The fit of the models; default: in a worker thread. */
  fit?: (input: FitInput) => Promise<FitOutput>;
}

export function createAnalyticsJobs(deps: AnalyticsJobsDeps) {
  const { db, clock, ids, log } = deps;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const fit = deps.fit ?? fitInWorker;
  /** This process (or service instance) as a job owner. */
  const owner = processOwner();
  /** Jobs this instance runs, by id, and whether it still holds each. */
  const running = new Map<string, Running>();
  let renewal: NodeJS.Timeout | undefined;

  async function renew() {
    try {
      const held = new Set(await repo.renew(db, owner, leaseMs));
      for (const [id, job] of running) if (!held.has(id)) job.state.lost = true;
    } catch (err) {
      log.warn({ err }, 'could not renew the leases of analysis jobs');
    }
  }

  function track(id: string, entry: Running) {
    const { promise } = entry;
    running.set(id, entry);
    if (!renewal) {
      renewal = setInterval(() => void renew(), Math.max(100, Math.floor(leaseMs / 3)));
      renewal.unref();
    }
    void promise.finally(() => {
      running.delete(id);
      if (running.size === 0 && renewal) {
        clearInterval(renewal);
        renewal = undefined;
      }
    });
  }

  /** A job of a process whose lease ran out is failed before anyone is told about it. */
  async function fresh(programId: string, id: string): Promise<JobRow | undefined> {
    await repo.expireLapsed(db, programId, id, INTERRUPTED, clock.now());
    return repo.load(db, programId, id);
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

  /** Deletes a finished job's stored scores in short batches and marks them discarded. */
  async function discardOwn(programId: string, jobId: string) {
    while ((await repo.deleteScores(db, programId, jobId, DELETE_BATCH)) > 0) await new Promise<void>((r) => setImmediate(r));
    await repo.markDiscarded(db, programId, jobId);
  }

  /** Deletes the stored scores of the program's jobs nobody can ask for any more. */
  async function discardSuperseded(programId: string) {
    for (const jobId of await repo.superseded(db, programId)) await discardOwn(programId, jobId);
  }

  async function execute(programId: string, job: JobRow, p: ReturnType<typeof clvParams>, entry: { lost: boolean }): Promise<JobOut> {
    // Let the caller answer (and track the job) before the work starts.
    await Promise.resolve();
    const checkpoint = () => {
      if (entry.lost) throw new LeaseLost(`job ${job.id}: lease lost`);
    };
    try {
      if (!(await repo.start(db, programId, job.id, owner, clock.now()))) throw new LeaseLost(`job ${job.id}: taken before it started`);
      const result: ClvResult = await scoreMembers(db, {
        programId,
        jobId: job.id,
        asOf: p.asOf,
        since: p.since,
        model: p.params.model,
        horizonMonths: p.params.horizon_months,
        annualDiscountRate: p.params.annual_discount_rate,
        now: clock.now(),
        postgres: db.kind === 'postgres',
        // A progress write that finds the job no longer ours (another process failed it as interrupted)
        // stops the job at its next checkpoint, before it writes more rows nobody will read.
        progress: async (step, done, total) => {
          if (!(await repo.progress(db, programId, job.id, owner, { step, done, total }))) entry.lost = true;
        },
        checkpoint,
        fit,
      });
      checkpoint();
      const done = await db.tx(async (q) => {
        if (!(await repo.succeed(q, programId, job.id, owner, result, clock.now()))) return false;
        // Only a fit over every buyer on data up to now can stand for the program's scores; one for a past
        // as_of is current only until fits of later data exist, and is kept under its job either way.
        if (p.since === null && p.asOf <= clock.now()) await repo.makeCurrent(q, { programId, jobId: job.id, asOf: p.asOf, origin: job.origin, now: clock.now() });
        return true;
      });
      if (!done) throw new LeaseLost(`job ${job.id}: lease lost before it finished`);
    } catch (e) {
      if (e instanceof LeaseLost) {
        log.warn({ job: job.id }, 'analysis job lost its lease to another process; its work is dropped');
        // Another process may already have discarded this job's rows, before these were written: the owner,
        // the only writer of its rows, deletes what it wrote itself.
        await discardOwn(programId, job.id).catch((err: unknown) => log.warn({ err, job: job.id }, 'could not delete the scores of a lost job'));
      } else {
        const error =
          e instanceof ModelFitError
            ? { code: e.code, message: e.message, ...(e.details ?? {}) }
            : e instanceof AppError
              ? { code: e.code, message: e.message }
              : { code: 'analytics.job_failed', message: 'The analysis failed unexpectedly; see the server log' };
        if (!(e instanceof AppError)) log.error({ err: e, job: job.id }, 'analytics job failed');
        await repo.fail(db, programId, job.id, owner, error, clock.now());
      }
    }
    await discardSuperseded(programId).catch((err: unknown) => log.warn({ err, programId }, 'could not discard superseded member scores'));
    return toOut((await repo.load(db, programId, job.id))!);
  }

  /** Polls a job another process runs until it has finished (the CLI asked to wait for it). */
  async function awaitForeign(programId: string, id: string): Promise<JobOut> {
    for (;;) {
      const r = await fresh(programId, id);
      if (!r) throw notFound('analytics.job_not_found', `No analysis job ${id}`, 'job_id');
      if (r.status === 'succeeded' || r.status === 'failed') return toOut(r);
      await new Promise((res) => setTimeout(res, Math.min(1000, leaseMs / 4)));
    }
  }

  async function startClv(
    programId: string,
    input: unknown,
    opts: { wait?: boolean; origin?: 'request' | 'daily'; skipIfBusy?: boolean; onFit?: () => void },
  ): Promise<JobOut | null> {
    const p = clvParams(input);
    for (let attempt = 0; ; attempt++) {
      if (!p.refresh) {
        const cached = await repo.cached(db, programId, 'clv', p.key);
        if (cached) return toOut(cached, true);
      }
      await repo.expireLapsed(db, programId, null, INTERRUPTED, clock.now());
      const busy = await repo.unfinished(db, programId, 'clv');
      if (busy) {
        if (busy.params_key === p.key) {
          const mine = running.get(busy.id);
          if (!opts.wait) return toOut(busy);
          opts.onFit?.();
          return mine ? mine.promise : awaitForeign(programId, busy.id);
        }
        if (opts.skipIfBusy) return null;
        throw conflict('analytics.job_running', `A lifetime-value job is already running for this program (${busy.id}); wait for it`, { job_id: busy.id });
      }
      const job = await repo.insert(db, {
        programId,
        id: ids.next('job'),
        kind: 'clv',
        params: p.params,
        key: p.key,
        origin: opts.origin ?? 'request',
        owner,
        leaseMs,
        now: clock.now(),
      });
      // Another process inserted its job between our read and our insert: look again (it is the same work or busy).
      if (!job) {
        if (attempt >= 5) throw conflict('analytics.job_running', 'Another process keeps starting lifetime-value jobs for this program; ask again');
        continue;
      }
      opts.onFit?.();
      const state = { lost: false };
      const promise = execute(programId, job, p, state);
      track(job.id, { programId, promise, state });
      return opts.wait ? promise : toOut(job);
    }
  }

  return {
    async get(programId: string, id: string): Promise<JobOut> {
      const r = await fresh(programId, id);
      if (!r) throw notFound('analytics.job_not_found', `No analysis job ${id}`, 'job_id');
      return toOut(r);
    },

    async list(programId: string, kind?: string, limit = 20): Promise<JobOut[]> {
      await repo.expireLapsed(db, programId, null, INTERRUPTED, clock.now());
      return (await repo.list(db, programId, kind ?? null, limit)).map((r) => toOut(r));
    },

    /**
     * The job whose scores to list: the one named (finished, its scores kept), else the program's current
     * scores' job; null when there is none.
     */
    async scoresJob(programId: string, jobId?: string): Promise<JobOut | null> {
      if (jobId === undefined) {
        const r = await repo.current(db, programId);
        return r ? toOut(r) : null;
      }
      const r = await fresh(programId, jobId);
      if (!r) throw notFound('analytics.job_not_found', `No analysis job ${jobId}`, 'job');
      if (r.status !== 'succeeded') throw conflict('analytics.job_not_finished', `Job ${jobId} is ${r.status}: it has no scores to list`, { field: 'job' });
      if (r.scores !== 'kept') {
        throw conflict('analytics.scores_discarded', `The scores of job ${jobId} were discarded: a later fit of the same inputs replaced them`, { field: 'job' });
      }
      return toOut(r);
    },

    /**
     * Starts (or finds) the CLV job for these inputs. `wait`: resolve when it has finished (the CLI, the
     * bench); otherwise resolve at once with the queued job and let it run in the background. `onFit` is
     * called when a fit runs for this ask (one started, or one already running awaited), not for a cached answer.
     */
    async clv(programId: string, input: unknown, opts: { wait?: boolean; onFit?: () => void } = {}): Promise<JobOut> {
      return (await startClv(programId, input, opts))!;
    },

    /**
     * The daily refresh `patron serve` runs (one process at a time, see runRound): every program with
     * purchases gets its scores fitted once per day on the default inputs (data before today). A day's
     * attempt that failed on its data is not repeated until the next day; one whose process died is.
     * A program already running a fit is left for the next round. Answers what it did per program.
     */
    async refreshDaily(opts: { programId?: string } = {}): Promise<{ program_id: string; job_id: string; status: string }[]> {
      const key = clvParams({}).key;
      const due = await db.query<{ id: string }>(
        `select p.id from programs p
         where p.status = 'active' and exists (select 1 from orders o where o.program_id = p.id and o.member_id is not null)
           and not exists (select 1 from analytics_jobs j where j.program_id = p.id and j.kind = 'clv' and j.params_key = $1
                             and not (j.status = 'failed' and j.error ->> 'code' = 'analytics.job_interrupted'))
           and ($2::text is null or p.id = $2)
         order by p.id`,
        [key, opts.programId ?? null],
      );
      const done = [];
      for (const p of due) {
        const job = await startClv(p.id, {}, { wait: true, origin: 'daily', skipIfBusy: true });
        if (job) done.push({ program_id: p.id, job_id: job.id, status: job.status });
      }
      return done;
    },

    /** Waits for every job this instance started (tests, shutdown). */
    async idle() {
      await Promise.allSettled([...running.values()].map((j) => j.promise));
    },

    /**
     * Gives up the jobs this instance runs (the server is stopping): they are marked interrupted now, so
     * nobody waits for their leases to run out, and their work is dropped.
     */
    async release() {
      const error = { ...INTERRUPTED, message: 'The server running this job stopped before it finished; ask again' };
      for (const [id, job] of running) {
        job.state.lost = true;
        await repo.fail(db, job.programId, id, owner, error, clock.now()).catch((err: unknown) => log.warn({ err, job: id }, 'could not release an analysis job'));
      }
    },
  };
}
export type AnalyticsJobs = ReturnType<typeof createAnalyticsJobs>;
