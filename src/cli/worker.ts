import { Command, InvalidArgumentError } from 'commander';
import { createServices } from '../main.js';
import type { Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { createLogger } from '../platform/logger.js';
import { backlog, createWorker, openStream, type OpenStream } from '../modules/stream/index.js';
import { cliConfig, openForCommand } from './context.js';
import { out, printJson, printTable } from './output.js';

function wholeNumber(max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number from 1 to ${max}`);
    return n;
  };
}

const settingsOf = (config: Config) => ({ url: config.natsUrl, stream: config.stream, partitions: config.partitions });

/** `patron worker`: applies the events `patron serve --ingest=nats` queued, sharing the partitions with other workers. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('Apply events queued on NATS JetStream by `patron serve --ingest=nats` (several workers share the work)')
    .option('--batch <n>', 'most events per batch, one database transaction each (default 500)', wholeNumber(10_000))
    .option('--concurrency <n>', 'most batches applied at once, each from another partition (default 4)', wholeNumber(64))
    .option('--partitions <n>', 'partitions of the stream (default $PATRON_PARTITIONS or 8; every process must agree)', wholeNumber(1024))
    .option('--drain', 'stop once the stream holds nothing more (after applying what it held)')
    .addHelpText(
      'after',
      [
        '',
        'Needs PostgreSQL (DATABASE_URL) and NATS with JetStream (NATS_URL, default nats://127.0.0.1:4222).',
        'PATRON_STREAM names the stream (default PATRON_EVENTS) and PATRON_PARTITIONS its partitions (default 8):',
        'every process of one installation must agree on both. Each worker takes a fair share of the partitions;',
        'a worker that dies has its partitions taken over by the others within seconds.',
        'Logs are JSON lines on stdout (LOG_LEVEL). SIGINT or SIGTERM stops it after the current batch.',
      ].join('\n'),
    )
    .action(async (opts: { batch?: number; concurrency?: number; partitions?: number; drain?: boolean }) => {
      const config = { ...cliConfig(), ...(opts.partitions ? { partitions: opts.partitions } : {}) };
      if (!config.databaseUrl) {
        throw new AppError('invalid', 'worker.needs_postgres', 'patron worker needs PostgreSQL (DATABASE_URL): the embedded database serves one process only');
      }
      const log = createLogger(config.logLevel);
      const opened = await openForCommand(config, 'worker');
      let stream: OpenStream;
      try {
        stream = await openStream(settingsOf(config), 'worker');
      } catch (e) {
        await opened.close();
        throw e;
      }
      const services = createServices({ db: opened.db, log });
      const worker = createWorker({
        db: opened.db,
        stream,
        programs: services.programs,
        events: services.events,
        refusals: services.refusals,
        log,
        batch: opts.batch ?? 500,
        concurrency: opts.concurrency ?? 4,
        drain: opts.drain,
      });
      const stop = (signal: NodeJS.Signals) => {
        log.info({ worker: worker.id, signal }, 'stopping after the current batch');
        worker.stop();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      log.info({ worker: worker.id, stream: config.stream, partitions: config.partitions }, 'worker started');
      try {
        await worker.run();
      } finally {
        log.info({ worker: worker.id, ...worker.totals }, 'worker stopped');
        await stream.close();
        await opened.close();
      }
    });
}

/** `patron stream status`: what waits in each partition and which worker holds it. */
export function streamCommand(): Command {
  const cmd = new Command('stream').description('The NATS JetStream stream of scaled-out ingestion');
  cmd
    .command('status')
    .description('Events waiting in the stream, per partition, and the workers holding the partitions')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\n`waiting` counts the events accepted and not yet applied: 0 means the workers have caught up.')
    .action(async (opts: { json?: boolean }) => {
      const config = cliConfig();
      const stream = await openStream(settingsOf(config), 'admin');
      try {
        const state = await backlog(stream);
        if (opts.json) return printJson({ stream: config.stream, ...state });
        out(`Stream ${config.stream} at ${config.natsUrl}: ${state.waiting} event${state.waiting === 1 ? '' : 's'} waiting, ${state.workers.length} worker${state.workers.length === 1 ? '' : 's'}.`);
        out('');
        printTable(
          ['partition', 'pending', 'unacknowledged', 'worker'],
          state.partitions.map((p) => [String(p.partition), String(p.pending), String(p.unacknowledged), p.worker]),
        );
      } finally {
        await stream.close();
      }
    });
  return cmd;
}
