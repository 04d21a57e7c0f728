import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { expect } from 'vitest';
import { createServices, openDatabase } from '../src/main.js';
import { loadConfig } from '../src/platform/config.js';

// Runs the real `patron` command as a user runs it: `node bin/patron.js …` from the repository root, on a
// fresh PGlite data directory, or on PostgreSQL when the suite runs there (PATRON_TEST_DB=postgres).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'patron.js');
export const ON_POSTGRES = process.env.PATRON_TEST_DB === 'postgres';
const PG_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
/** An API key secret as Patron prints it. */
export const SECRET = /ptn_[0-9a-z]{26}_[0-9a-f]{64}/;
/** For tests that start many PGlite processes, with room for a slow machine. */
export const SLOW = { timeout: 180_000 };

const tmpDirs: string[] = [];
const scratchDbs: string[] = [];
const children = new Set<ChildProcess>();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patron-cli-'));
  tmpDirs.push(dir);
  return dir;
}

/** Stops what the tests left running and removes their directories and databases; call it in afterAll. */
export async function cleanupCli(): Promise<void> {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
  if (scratchDbs.length) {
    const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
    for (const name of scratchDbs) await sql.unsafe(`drop database if exists "${name}" with (force)`);
    await sql.end();
  }
}

export interface Env {
  [k: string]: string | undefined;
}

/** The environment of one installation: its data directory and, on PostgreSQL, its database. */
export function installation(opts: { databaseUrl?: string } = {}): { dataDir: string; env: Env } {
  const dataDir = tempDir();
  // Load shedding measures this machine's event loop, which a loaded test run makes slow: off, as in harness().
  const env: Env = { ...process.env, PATRON_DATA_DIR: dataDir, PATRON_JOBS_INTERVAL: '0', PATRON_MAX_EVENT_LOOP_DELAY: '0', LOG_LEVEL: 'warn', PORT: '0' };
  delete env.DATABASE_URL;
  if (ON_POSTGRES) env.DATABASE_URL = opts.databaseUrl ?? PG_URL;
  return { dataDir, env };
}

/** A PostgreSQL database of the test's own, empty, dropped after the file. */
export async function scratchDatabase(): Promise<string> {
  const name = `patron_cli_${randomBytes(6).toString('hex')}`;
  const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database "${name}"`);
  await sql.end();
  scratchDbs.push(name);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function patron(args: string[], env: Env = installation().env): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export function json<T>(r: Result): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

export interface Server {
  url: string;
  output(): string;
  /** Sends SIGTERM and answers the exit status. */
  stop(): Promise<number | null>;
}

/**
 * Starts a long-running `patron` command and waits until its output matches `ready` (its banner); the child
 * is killed in `cleanupCli` if the test does not stop it.
 */
export function running(args: string[], env: Env, ready: RegExp): Promise<{ match: RegExpExecArray; output(): string; stop(): Promise<number | null> }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = ready.exec(stdout);
      if (match) {
        resolvePromise({
          match,
          output: () => stdout,
          stop: async () => {
            child.kill('SIGTERM');
            const code = await exited;
            children.delete(child);
            return code;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`patron ${args[0]} exited (${code}) before it was ready:\n${stdout}\n${stderr}`)));
  });
}

/** Starts `patron serve` on a free port and waits for the banner that names its URLs. */
export async function serve(env: Env): Promise<Server> {
  const r = await running(['serve', '--host', '127.0.0.1', '--port', '0'], env, /Health\s+(http:\/\/\S+)\/health/);
  return { url: r.match[1]!, output: r.output, stop: r.stop };
}

/** A workspace and program of this test's own, made through the services as an operator's tooling would. */
export async function seedProgram(env: Env): Promise<{ workspaceId: string; programId: string }> {
  const db = await openDatabase(loadConfig(env));
  try {
    const services = createServices({ db });
    const workspaceId = await services.programs.createWorkspace('cli test');
    const program = await services.programs.createProgram(workspaceId, { name: 'CLI test program', currency: 'EUR' });
    return { workspaceId, programId: program.id };
  } finally {
    await db.close();
  }
}
