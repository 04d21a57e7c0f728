import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { expect } from 'vitest';
import { cleanupCli, installation, patron, scratchDatabase, SECRET, serve, type Env } from './cli.js';

// The scaled-out shape through the real binaries: `patron serve --ingest=nats` queues events on a NATS
// JetStream server and `patron worker` processes apply them. Each test has a stream of its own
// (PATRON_STREAM), deleted by `cleanupStreams`.
export const NATS_URL = process.env.NATS_URL;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const children = new Set<ChildProcess>();
const streams: { url: string; name: string }[] = [];

/** Kills what the tests left running and deletes their streams (call in afterAll). */
export async function cleanupStreams() {
  for (const c of children) c.kill('SIGKILL');
  await cleanupCli();
  for (const url of new Set(streams.map((s) => s.url))) {
    const nc = await connect({ servers: url, timeout: 2_000 }).catch(() => null);
    if (!nc) continue;
    const jsm = await jetstreamManager(nc);
    for (const { name: s } of streams.filter((x) => x.url === url)) {
      for (const name of [s, `KV_${s}_status`, `KV_${s}_leases`]) await jsm.streams.delete(name).catch(() => false);
    }
    await nc.close();
  }
}

export interface Worker {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

export function startWorker(env: Env, args: string[] = []): Worker {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'patron.js'), 'worker', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  void exited.then(() => children.delete(child));
  return { child, exited, output: () => output };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** An installation on a scratch database with a stream of its own, and `patron serve --ingest=nats` on it. */
export async function scaledOut(partitions = 4, natsUrl = NATS_URL!) {
  const databaseUrl = await scratchDatabase();
  const stream = `PATRON_TEST_${randomBytes(4).toString('hex')}`;
  streams.push({ url: natsUrl, name: stream });
  const env: Env = { ...installation({ databaseUrl }).env, NATS_URL: natsUrl, PATRON_STREAM: stream, PATRON_PARTITIONS: String(partitions), LOG_LEVEL: 'info' };
  const server = await serve({ ...env, PATRON_INGEST: 'nats', LOG_LEVEL: 'warn' });
  const key = SECRET.exec(server.output())![0];
  const programId = /program (prg_[0-9a-z]+)/.exec(server.output())![1]!;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'patron-program': programId, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const waiting = async () => {
    const r = await patron(['stream', 'status', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { waiting: number }).waiting;
  };
  return { env, server, api, waiting, databaseUrl, stream, programId };
}
