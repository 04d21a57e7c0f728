import { refreshStatistics } from '../platform/statistics.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ensureFirstRun, ensureOwnerSetup, ownerSetupFile, writeOwnerSetupUrl, type FirstRun } from '../bootstrap.js';
import { setupUrl } from '../modules/staff/index.js';
import { createApp, createServices, VERSION, type Services } from '../main.js';
import { AppError } from '../platform/errors.js';
import type { App } from '../platform/http.js';
import { startJob, type Job } from '../platform/jobs.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { cliConfig, describeDatabase, openForCommand, type OpenedDb } from './context.js';
import { errnoCode, out } from './output.js';
import { createPublisher, openStream, type OpenStream } from '../modules/stream/index.js';
import { createMaintenance } from '../maintenance.js';
import { protectOptions } from '../platform/protect.js';
import { createSecrets, loadSecretKey } from '../platform/secrets.js';

function parsePort(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free one).');
  return n;
}

function ingestMode(raw: string): 'inline' | 'nats' {
  if (raw !== 'inline' && raw !== 'nats') throw new InvalidArgumentError('inline or nats');
  return raw;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the REST API and the maintenance job (pending release, expiry, stale holds)')
    .option('--port <port>', 'port to listen on (default: $PORT or 3000)', parsePort)
    .option('--host <host>', 'address to listen on (default: $HOST or 0.0.0.0)')
    .option('--ingest <mode>', 'inline: apply events in the request (default, or $PATRON_INGEST); nats: queue them on NATS JetStream for `patron worker`', ingestMode)
    .addHelpText(
      'after',
      [
        '',
        'On the first start against an empty database it creates a workspace, a program and an admin API key,',
        'prints the key once and writes it to <data dir>/admin-key (mode 0600).',
        'Until the workspace owner has a password, each start prints a one-time link to set it (the console),',
        'also written to <data dir>/owner-setup-url (mode 0600); PATRON_OWNER_EMAIL names the owner (owner@localhost).',
        'Logs are JSON lines on stdout (LOG_LEVEL). SIGINT or SIGTERM stops it cleanly.',
      ].join('\n'),
    )
    .action((opts: { port?: number; host?: string }) => serve(opts));
}

/** The address to show people: the wildcard addresses are reachable as localhost. */
export function baseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

function banner(opts: { url: string; database: string; first: FirstRun; keyFile: string; program?: string; console?: string; consoleFile: string }): string[] {
  const { url, first } = opts;
  const lines = ['', `Patron ${VERSION} is running on ${opts.database}.`, ''];
  if (first.adminKey) {
    lines.push(
      `First start: created workspace ${first.workspaceId} and program ${first.programId}${opts.program ? ` (${opts.program})` : ''}.`,
      '',
      'Admin API key (shown this once; also saved, readable only by you, to ' + opts.keyFile + '):',
      '',
      `    ${first.adminKey}`,
      '',
    );
  } else {
    lines.push(`Workspace ${first.workspaceId}, program ${first.programId || '(none)'}.`);
    lines.push(
      existsSync(opts.keyFile)
        ? `The admin API key is in ${opts.keyFile}.`
        : 'No admin key file here: create a key with `patron keys create --name admin --scopes admin`.',
    );
    lines.push('');
  }
  if (opts.console) {
    lines.push(
      'The console (/admin): set the owner’s password with this one-time link (also in ' + opts.consoleFile + ' until it is used):',
      '',
      `Console: ${opts.console}`,
      '',
    );
  }
  lines.push(
    `  API docs   ${url}/docs`,
    `  OpenAPI    ${url}/openapi.json`,
    `  Health     ${url}/health`,
    '',
    'Call the API with the headers  Authorization: Bearer <key>  and  Patron-Program: ' + (first.programId || '<program id>'),
    '',
  );
  return lines;
}

async function serve(opts: { port?: number; host?: string; ingest?: string }): Promise<void> {
  const config = cliConfig();
  const ingest = opts.ingest ?? config.ingest;
  if (ingest !== 'inline' && ingest !== 'nats') throw new AppError('invalid', 'config.invalid', `--ingest must be inline or nats, got "${ingest}"`);
  if (ingest === 'nats' && !config.databaseUrl) {
    throw new AppError('invalid', 'ingest.needs_postgres', '--ingest=nats needs PostgreSQL (DATABASE_URL): the workers apply events from other processes');
  }
  const port = opts.port ?? config.port;
  const host = opts.host ?? config.host;
  const log = createLogger(config.logLevel);
  const opened = await openForCommand(config, 'serve');
  if (opened.migration.applied.length) log.info({ applied: opened.migration.applied }, 'applied migrations');
  // PGlite has no autovacuum: a data directory whose tables were never analysed is analysed before serving.
  const analysed = await refreshStatistics(opened.db);
  if (analysed.length) log.info({ tables: analysed.length }, 'refreshed the planner statistics');

  let services: Services;
  let first: FirstRun;
  let app: App;
  let stream: OpenStream | undefined;
  let ownerToken: string | undefined;
  // Links in messages: PATRON_PUBLIC_URL, else the address the server listens at (known once it listens: --port 0).
  let linkBase = config.publicUrl ?? baseUrl(host, port);
  try {
    services = createServices({
      db: opened.db,
      log,
      jobLeaseMs: config.jobLeaseSeconds * 1000,
      ingestQueueLimit: config.ingestQueueLimit,
      staffSessionIdleMinutes: config.staffSessionIdleMinutes,
      secrets: createSecrets(loadSecretKey({ dataDir: config.dataDir })),
      publicUrl: () => linkBase,
      smtpUrl: config.smtpUrl,
      smtpFrom: config.smtpFrom,
    });
    first = await ensureFirstRun(services, config.dataDir);
    // Imports a stopped server was running are marked failed, so they can be started again.
    const interrupted = await services.importUploads.recover();
    if (interrupted) log.warn({ imports: interrupted }, 'imports left unfinished by a stopped server are marked failed');
    ownerToken = await ensureOwnerSetup(services, first.workspaceId, config.ownerEmail);
    // Once the owner has set the password, the link's file goes.
    services.staff.onOwnerSetup(() => writeOwnerSetupUrl(config.dataDir, undefined));
    if (ingest === 'nats') {
      stream = await openStream({ url: config.natsUrl, stream: config.stream, partitions: config.partitions }, 'api');
    }
    app = createApp(services, {
      publisher: stream ? createPublisher({ db: opened.db, stream, events: services.events, members: services.members }) : undefined,
      protect: protectOptions(config),
      trustProxy: config.trustProxy,
      publicUrl: config.publicUrl,
    });
  } catch (e) {
    await stream?.close();
    await opened.close();
    throw e;
  }
  const url = await startServer({
    app,
    opened,
    services,
    log,
    port,
    host,
    jobsIntervalSeconds: config.jobsIntervalSeconds,
    journeysIntervalSeconds: config.journeysIntervalSeconds,
    dispatchIntervalSeconds: config.dispatchIntervalSeconds,
    onClose: stream ? () => stream.close() : undefined,
  });
  linkBase = config.publicUrl ?? url;
  const consoleLink = ownerToken ? setupUrl(config.publicUrl ?? url, ownerToken) : undefined;
  writeOwnerSetupUrl(config.dataDir, consoleLink);
  const program = first.programId ? await services.programs.program(first.programId).catch(() => undefined) : undefined;
  if (stream) out(`Events go through NATS JetStream at ${config.natsUrl} (stream ${config.stream}, ${config.partitions} partitions): run \`patron worker\` to apply them.`);
  for (const line of banner({
    url,
    database: describeDatabase(config),
    first,
    keyFile: first.adminKeyFile ?? join(config.dataDir, 'admin-key'),
    program: program ? `${program.name}, ${program.currency}` : undefined,
    console: consoleLink,
    consoleFile: ownerSetupFile(config.dataDir),
  })) {
    out(line);
  }
}

/**
 * Listens on `host:port`, stops cleanly on SIGINT or SIGTERM (closing the database), and runs the maintenance
 * job every `jobsIntervalSeconds` (0: never). Answers the base URL to show people. `patron demo` uses it too.
 */
export async function startServer(opts: {
  app: App;
  opened: OpenedDb;
  services: Services;
  log: Logger;
  port: number;
  host: string;
  jobsIntervalSeconds: number;
  /** Seconds between the journeys' passes (0: never; `patron demo` passes its own). */
  journeysIntervalSeconds?: number;
  /** How often due messages are handed over (0: never; default 5 s). */
  dispatchIntervalSeconds?: number;
  /** Closed after the HTTP server, before the database (the NATS connection of --ingest=nats). */
  onClose?: () => Promise<void>;
}): Promise<string> {
  const { app, opened, services, log, port, host } = opts;
  try {
    await app.listen({ port, host });
  } catch (e) {
    await opened.close();
    const code = errnoCode(e);
    if (code === 'EADDRINUSE') throw new AppError('conflict', 'server.port_in_use', `Port ${port} on ${host} is already in use; pick another with --port or PORT`);
    if (code === 'EACCES') throw new AppError('forbidden', 'server.port_denied', `Not allowed to listen on port ${port}; use a port above 1023`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new AppError('invalid', 'server.bad_host', `Cannot listen on host ${host}`);
    throw e;
  }

  // Signals are handled from here on, before the banner tells anyone the server is up.
  let jobs: Job[] = [];
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    try {
      await Promise.all(jobs.map((j) => j.stop()));
      await app.close();
      // Analysis jobs this server runs are given up now, not left for their leases to run out.
      await services.analyticsJobs.release();
      services.messaging.close();
      await opts.onClose?.();
      await opened.close();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', (s) => void shutdown(s));
  process.on('SIGTERM', (s) => void shutdown(s));

  if (opts.jobsIntervalSeconds > 0) jobs = maintenanceJobs(services, log, opts.jobsIntervalSeconds);
  // Journeys: happenings read and waits ended every few seconds, by whichever server claims them first.
  const journeysEvery = (opts.journeysIntervalSeconds ?? 0) * 1000;
  if (journeysEvery > 0) jobs.push(startJob({ name: 'journeys', everyMs: journeysEvery, firstRunMs: journeysEvery, log, run: async () => void (await services.journeys.work()) }));
  const dispatchEvery = (opts.dispatchIntervalSeconds ?? 5) * 1000;
  if (dispatchEvery > 0) jobs.push(dispatchJob(services, log, dispatchEvery));

  const address = app.server.address();
  const actualPort = address && typeof address === 'object' ? address.port : port;
  return baseUrl(host, actualPort);
}

/**
 * The maintenance, the daily refit and the recommendations refresh, each tried every interval (the first time soon after start) and run
 * by whichever server's turn it is (see createMaintenance).
 */
function maintenanceJobs(services: Services, log: Logger, everySeconds: number): Job[] {
  const m = createMaintenance(services, log, { everyMs: everySeconds * 1000 });
  const every = { everyMs: everySeconds * 1000, firstRunMs: Math.min(everySeconds * 1000, 1000), log };
  return [
    startJob({ name: 'maintenance', ...every, run: async () => void (await m.maintenance()) }),
    startJob({ name: 'analytics.daily', ...every, run: async () => void (await m.dailyRefit()) }),
    startJob({ name: 'recommendations', ...every, run: async () => void (await m.recommendations()) }),
  ];
}

/**
 * Hands due messages over, every few seconds: a batch at a time until fewer than a batch were due. Several
 * servers may run it at once; their claims (FOR UPDATE SKIP LOCKED) never take the same message.
 */
function dispatchJob(services: Services, log: Logger, everyMs: number): Job {
  return startJob({
    name: 'messaging.dispatch',
    everyMs,
    log,
    run: async () => {
      for (let round = 0; round < 20; round++) {
        const r = await services.messaging.dispatch({ limit: 200 });
        const n = r.sent + r.deferred + r.suppressed + r.failed;
        if (n > 0) log.info({ job: 'messaging.dispatch', ...r }, 'messages dispatched');
        if (n < 200) break;
      }
    },
  });
}
