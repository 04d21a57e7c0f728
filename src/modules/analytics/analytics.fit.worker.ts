/**
 * The worker thread of a lifetime-value fit: takes a FitInput as its workerData, answers one message,
 * `{ ok: true, value }` or `{ ok: false, error }` with the error's code, message and details.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../platform/errors.js';
import { ModelFitError } from './models/index.js';
import { fitAndScore, type FitInput } from './analytics.fit.js';
import type { FitWorkerAnswer } from './analytics.clv.js';

function answer(): FitWorkerAnswer {
  try {
    // fitInWorker passes a FitInput; structured cloning keeps its typed arrays.
    return { ok: true, value: fitAndScore(workerData as FitInput) };
  } catch (e) {
    if (e instanceof ModelFitError) return { ok: false, error: { name: 'ModelFitError', code: e.code, message: e.message, details: e.details } };
    if (e instanceof AppError) return { ok: false, error: { name: 'AppError', kind: e.kind, code: e.code, message: e.message, details: e.details } };
    return { ok: false, error: { name: 'Error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined } };
  }
}

parentPort?.postMessage(answer());
