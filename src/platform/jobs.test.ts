import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startJob } from './jobs.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const quietLog = () => ({ error: vi.fn(), debug: vi.fn() });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('startJob', () => {
  it('never starts a run while the previous one is still going', async () => {
    const runs: ReturnType<typeof deferred>[] = [];
    const job = startJob({
      name: 'slow',
      everyMs: 1000,
      log: quietLog(),
      run: () => {
        const d = deferred();
        runs.push(d);
        return d.promise;
      },
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toHaveLength(1);
    runs[0]!.resolve();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toHaveLength(2);
    runs[1]!.resolve();
    await job.stop();
  });

  it('logs a failed run and runs again at its next time', async () => {
    const log = quietLog();
    let calls = 0;
    const job = startJob({
      name: 'flaky',
      everyMs: 500,
      log,
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('database went away');
      },
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toBe(1);
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(log.error.mock.calls[0]![0]).toMatchObject({ job: 'flaky', err: { message: 'database went away' } });
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toBe(2);
    expect(log.error).toHaveBeenCalledTimes(1);
    await job.stop();
  });

  it('stop() waits for the run in progress and cancels the next one', async () => {
    const d = deferred();
    let calls = 0;
    let finished = false;
    const job = startJob({
      name: 'stoppable',
      everyMs: 100,
      firstRunMs: 0,
      log: quietLog(),
      run: async () => {
        calls++;
        await d.promise;
        finished = true;
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    d.resolve();
    await stopping;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(1);
  });

  it('refuses a non-positive interval', () => {
    expect(() => startJob({ name: 'x', everyMs: 0, log: quietLog(), run: async () => {} })).toThrow(/everyMs/);
  });
});
