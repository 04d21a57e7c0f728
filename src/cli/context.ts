import { join } from 'node:path';
import pino from 'pino';
import { connectDatabase, createServices, type Services } from '../main.js';
import { loadConfig, type Config } from '../platform/config.js';
import type { Db } from '../platform/db.js';
import { AppError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { migrate, type MigrationResult } from '../platform/migrate.js';
import type { Program } from '../modules/programs/index.js';
import { lockDataDir } from './lock.js';
import { errnoCode } from './output.js';

/** The environment's configuration; a bad value is a clear error, not a stack trace. */
export function cliConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    throw new AppError('invalid', 'config.invalid', e instanceof Error ? e.message : String(e));
  }
  if (!(config.logLevel in pino.levels.values) && config.logLevel !== 'silent') {
    const levels = [...Object.keys(pino.levels.values), 'silent'].join(', ');
    throw new AppError('invalid', 'config.invalid', `LOG_LEVEL must be one of ${levels}, got "${config.logLevel}"`);
  }
  return config;
}

/**
 * The logger of the one-shot commands: JSON on stderr, so that stdout carries only the command's output
 * (`--json` stays parseable). Quiet unless LOG_LEVEL asks for more.
 */
export function commandLogger(config: Config, env: NodeJS.ProcessEnv = process.env): Logger {
  return pino({ level: env.LOG_LEVEL ? config.logLevel : 'warn', base: { service: 'patron' } }, pino.destination(2));
}

/** Where the data lives, for people: never prints a password. */
export function describeDatabase(config: Config): string {
  if (!config.databaseUrl) return `PGlite in ${join(config.dataDir, 'pglite')}`;
  try {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL at ${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

export interface OpenedDb {
  db: Db;
  /** What `migrate` did on the way in (nothing applied when the schema was up to date). */
  migration: MigrationResult;
  close(): Promise<void>;
}

/**
 * Opens the configured database for one command and brings its schema up to date. On PGlite it first
 * takes the data directory's lock, because a second process on the same files would corrupt them.
 */
export async function openForCommand(config: Config, command: string): Promise<OpenedDb> {
  const lock = config.databaseUrl ? undefined : lockDataDir(config.dataDir, command);
  let db: Db;
  try {
    db = await connectDatabase(config);
  } catch (e) {
    lock?.release();
    const why = e instanceof Error ? e.message || errnoCode(e) || e.name : String(e);
    throw new AppError('invalid', 'db.unavailable', `Cannot open the database (${describeDatabase(config)}): ${why}`);
  }
  const close = async () => {
    try {
      await db.close();
    } finally {
      lock?.release();
    }
  };
  try {
    return { db, migration: await migrate(db), close };
  } catch (e) {
    await close();
    throw new AppError('conflict', 'db.migration_failed', `Cannot migrate the database (${describeDatabase(config)}): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Runs `fn` with the services over a freshly opened database, and closes it whatever happens. */
export async function withServices<T>(
  command: string,
  fn: (ctx: { config: Config; services: Services }) => Promise<T>,
): Promise<T> {
  const config = cliConfig();
  const opened = await openForCommand(config, command);
  try {
    return await fn({ config, services: createServices({ db: opened.db, log: commandLogger(config), jobLeaseMs: config.jobLeaseSeconds * 1000 }) });
  } finally {
    await opened.close();
  }
}

/** The program named by `--program`, else the only one there is. */
export async function programOf(services: Services, id: string | undefined): Promise<Program> {
  if (id) return services.programs.program(id);
  const ids = await services.programs.allProgramIds();
  if (ids.length === 1) return services.programs.program(ids[0]!);
  throw new AppError(
    'invalid',
    'cli.program_required',
    ids.length === 0 ? 'There is no program yet' : `There are ${ids.length} programs: name one with --program prg_…`,
    { field: 'program' },
  );
}
