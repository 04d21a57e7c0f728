import { Command, InvalidArgumentError } from 'commander';
import { createServices } from '../main.js';
import { AppError } from '../platform/errors.js';
import { createLogger } from '../platform/logger.js';
import { backlog, createWorker, openStream, type OpenStream } from '../modules/stream/index.js';
import { cliConfig, openForCommand } from './context.js';
import { out, printJson } from './output.js';
import type { Config } from '../platform/config.js';

function positive(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('a whole number from 1 to 10000');
  return n;
}

async function connect(config: Config, name: string): Promise<OpenStream> {
  return openStream({ url: config.natsUrl, stream: config.stream, partitions: config.partitions }, name).catch((e: unknown) => {
    throw new AppError('invalid', 'nats.unavailable', `Cannot reach NATS JetStream at ${config.natsUrl}: ${e instanceof Error ? e.message : String(e)}`);
  });
}

/** `patron worker`: applies the events `patron serve --ingest=nats` queued, sharing the partitions with other workers. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('Apply events queued on NATS JetStream by `patron serve --ingest=nats` (several workers share the work)')
    .option('--batch <n>', 'events per batch and database transaction (default 500)', positive)
    .addHelpText(
      'after',
      [
        '',
        'Needs PostgreSQL (DATABASE_URL) and NATS with JetStream (NATS_URL, default nats://127.0.0.1:4222).',
        'PATRON_STREAM names the stream (default PATRON_EVENTS), PATRON_PARTITIONS its partitions (default 8):',
        'every process of one installation must agree on both. SIGINT or SIGTERM stops after the current batch.',
      ].join('\n'),
    )
    .action(async (opts: { batch?: number }) => {
      const config = cliConfig();
      if (!config.databaseUrl) {
        throw new AppError('invalid', 'worker.needs_postgres', 'patron worker needs PostgreSQL (DATABASE_URL): the embedded database serves one process only');
      }
      const log = createLogger(config.logLevel);
      const opened = await openForCommand(config, 'worker');
      let stream: OpenStream;
      try {
        stream = await connect(config, 'patron-worker');
      } catch (e) {
        await opened.close();
        throw e;
      }
      const services = createServices({ db: opened.db, log });
      const worker = createWorker({ db: opened.db, stream, programs: services.programs, events: services.events, log, batch: opts.batch ?? 500 });
      const stop = () => worker.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      log.info({ worker: worker.id, stream: config.stream, partitions: config.partitions }, 'worker started');
      try {
        await worker.run();
      } finally {
        log.info({ worker: worker.id, applied: worker.applied }, 'worker stopped');
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
    .description('Events waiting in each partition (not yet delivered, and delivered but unacknowledged) and the worker holding it')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = cliConfig();
      const stream = await connect(config, 'patron-stream-status');
      try {
        const parts = await backlog(stream);
        const waiting = parts.reduce((n, p) => n + p.pending + p.unacknowledged, 0);
        if (opts.json) return printJson({ stream: config.stream, waiting, partitions: parts });
        out(`Stream ${config.stream} at ${config.natsUrl}: ${waiting} event${waiting === 1 ? '' : 's'} waiting.`);
        for (const p of parts) out(`  partition ${p.partition}: ${p.pending} pending, ${p.unacknowledged} unacknowledged, worker ${p.worker ?? '-'}`);
      } finally {
        await stream.close();
      }
    });
  return cmd;
}
