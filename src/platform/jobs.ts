import type { Logger } from './logger.js';

export interface JobOptions {
  name: string;
  /** Time from the end of one run to the start of the next. */
  everyMs: number;
  /** Time to the first run; defaults to `everyMs`. */
  firstRunMs?: number;
  run: () => Promise<void>;
  log: Pick<Logger, 'error' | 'debug'>;
}

export interface Job {
  /** Cancels the next run and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/**
 * A periodic job inside the server process. The next run is scheduled only once the previous one has
 * finished, so runs never overlap however long one takes. A failed run is logged and the job keeps going.
 * The timer does not keep the process alive on its own.
 */
export function startJob(opts: JobOptions): Job {
  if (!Number.isFinite(opts.everyMs) || opts.everyMs <= 0) throw new Error(`job ${opts.name}: everyMs must be positive`);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(tick, ms);
    timer.unref();
  };

  function tick() {
    timer = undefined;
    const started = Date.now();
    running = (async () => {
      try {
        await opts.run();
        opts.log.debug({ job: opts.name, ms: Date.now() - started }, 'job done');
      } catch (err) {
        opts.log.error({ job: opts.name, err }, 'job failed; it runs again at its next time');
      }
    })().finally(() => {
      running = undefined;
      schedule(opts.everyMs);
    });
  }

  schedule(opts.firstRunMs ?? opts.everyMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
