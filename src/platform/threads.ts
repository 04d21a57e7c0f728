import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The URL of a worker module that sits beside `moduleUrl` (pass `import.meta.url`), named without its
 * extension: `.ts` when Patron runs from its sources through tsx (bin/patron.js, the tests), `.js` when it
 * runs compiled (dist/).
 */
export function besideModule(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl);
}

/** A worker on a .ts file starts on tsx-worker.mjs, which registers tsx in the new thread and imports the file. */
function workerOf(file: URL, options: WorkerOptions): Worker {
  if (!file.pathname.endsWith('.ts')) return new Worker(file, options);
  return new Worker(new URL('./tsx-worker.mjs', import.meta.url), { ...options, argv: [file.href] });
}

/**
 * Runs `file` in a worker thread with `data` as its workerData and answers the one message it posts. The
 * worker ends with that answer; an uncaught error or an exit before answering rejects.
 */
export function runWorker<T>(file: URL, data: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = workerOf(file, { workerData: data, transferList: transfer });
    let settled = false;
    worker.once('message', (m: T) => {
      settled = true;
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`worker ${file.pathname} exited (${code}) without an answer`));
    });
  });
}
