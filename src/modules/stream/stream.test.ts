import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupCli, installation, ON_POSTGRES, patron, scratchDatabase, SECRET, serve, type Env } from '../../../test/cli.js';

// The scaled-out shape through the real binaries: `patron serve --ingest=nats` queues events on the NATS
// JetStream server at NATS_URL, `patron worker` processes apply them. It needs PostgreSQL (several processes
// share the database), so it runs in the postgres project when NATS_URL is set (.ci/run sets both).
const NATS_URL = process.env.NATS_URL;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const workers = new Set<ChildProcess>();

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await cleanupCli();
});

function startWorker(env: Env): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'patron.js'), 'worker', '--batch', '40'], { cwd: ROOT, env, stdio: 'ignore' });
  workers.add(child);
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe.runIf(ON_POSTGRES && NATS_URL)('scale-out on NATS JetStream', () => {
  it('queues events, shares them between workers, and applies each exactly once when a worker is killed mid-stream', async () => {
    const databaseUrl = await scratchDatabase();
    const base = installation({ databaseUrl }).env;
    const env: Env = { ...base, NATS_URL, PATRON_INGEST: 'nats', PATRON_STREAM: `PATRON_TEST_${randomBytes(4).toString('hex')}`, PATRON_PARTITIONS: '4' };
    const server = await serve(env);
    const key = SECRET.exec(server.output())![0];
    const programId = /program (prg_[0-9a-z]+)/.exec(server.output())![1]!;
    expect(server.output()).toMatch(/Events go through NATS JetStream/);
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${key}`, 'patron-program': programId, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
    try {
      // Bad input is refused at once and queues nothing.
      const bad = await api('POST', '/v1/events', { type: 'purchase', id: 'bad', member: { email: 'x@example.com' }, order_id: 'o', amount: -1, currency: 'GBP' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'validation.too_small', field: 'amount' });

      // Purchases of 40 members; amounts in whole pounds so each earns amount/100 points at the default rate.
      const events = Array.from({ length: 1200 }, (_, i) => ({
        type: 'purchase',
        id: `ev-${i}`,
        member: { external_id: `shop:${i % 40}` },
        order_id: `o-${i}`,
        amount: 100 * (1 + (i % 7)),
        currency: 'GBP',
      }));
      const first = await api('POST', '/v1/events', events[0]);
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ id: 'ev-0', status: 'queued' });
      expect((await api('GET', '/v1/events/ev-0')).body).toEqual({ id: 'ev-0', status: 'queued' });
      // A client's retry of an event still queued is one message in the stream (its message id).
      expect((await api('POST', '/v1/events', events[0])).status).toBe(202);
      for (let i = 0; i < events.length; i += 400) {
        const res = await api('POST', '/v1/events/batch', { events: events.slice(i, i + 400) });
        expect(res.status).toBe(202);
      }
      // A worker refuses this one (the order id is taken): the refusal is kept for whoever asks.
      // Same member as ev-5, so the same partition: it is applied after ev-5, whose order it reuses.
      const dup = await api('POST', '/v1/events', { type: 'purchase', id: 'dup', member: { external_id: 'shop:5' }, order_id: 'o-5', amount: 900, currency: 'GBP' });
      expect(dup.status).toBe(202);

      const applied = async () => Number((await sql`select count(*)::int as n from events`)[0]!.n);
      const a = startWorker(env);
      startWorker(env);
      await until('the workers to start applying', async () => ((await applied()) >= 100 ? true : undefined));
      a.kill('SIGKILL'); // mid-stream: its fetched, unacknowledged messages come back to another worker
      workers.delete(a);
      startWorker(env);

      await until('every event to be applied', async () => ((await applied()) === events.length ? true : undefined));
      const status = await until('the stream to drain', async () => {
        const r = await patron(['stream', 'status', '--json'], env);
        const s = JSON.parse(r.stdout) as { waiting: number };
        return s.waiting === 0 ? s : undefined;
      });
      expect(status.waiting).toBe(0);
      await sleep(500);
      expect(await applied()).toBe(events.length);

      // Exactly once: each member's balance is the sum of its purchases' points, and each order earned once.
      const rows = await sql<{ owner: string; balance: number; external: string }[]>`
        select a.owner, a.balance::int as balance, i.value as external from accounts a
        join member_identities i on i.program_id = a.program_id and i.member_id = a.owner and i.type = 'external'
        where a.kind = 'available' and a.currency = 'points'`;
      expect(rows).toHaveLength(40);
      for (const r of rows) {
        const n = Number(r.external.split(':').pop());
        const expected = events.filter((e) => e.member.external_id === `shop:${n}`).reduce((s, e) => s + e.amount / 100, 0);
        expect(r.balance, r.external).toBe(expected);
      }
      const earnings = await sql`select order_id, count(*)::int as n from transactions where type = 'earn' group by order_id having count(*) > 1`;
      expect(earnings).toEqual([]);
      expect((await api('GET', '/v1/events/ev-7')).body).toMatchObject({ id: 'ev-7', result: { status: 'applied', points: { points: 1 } } });
      expect((await api('GET', '/v1/events/dup')).body).toMatchObject({ id: 'dup', status: 'rejected', error: { code: 'order.duplicate' } });
      // An event already applied is answered from the ledger, not queued again.
      const again = await api('POST', '/v1/events', events[3]);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: 'ev-3', replayed: true });
    } finally {
      await sql.end();
      for (const w of workers) w.kill('SIGTERM');
      await server.stop();
    }
    const verify = await patron(['verify'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 180_000);

  it('refuses to run a worker on the embedded database', async () => {
    const { env } = installation();
    delete env.DATABASE_URL;
    const r = await patron(['worker'], { ...env, NATS_URL });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs PostgreSQL.*\(worker\.needs_postgres\)/);
  });
});
