import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ON_POSTGRES, patron } from '../../../test/cli.js';
import { cleanupStreams, scaledOut, sleep, startWorker, until } from '../../../test/stream.js';

// A NATS server of the test's own, killed with SIGKILL mid-stream and started again on the same store:
// nothing accepted is stuck or lost. Needs PostgreSQL and the nats-server binary.
const NATS_SERVER = (() => {
  try {
    return execFileSync('which', ['nats-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
})();
if (!NATS_SERVER) console.warn('stream.restart.test.ts: skipped: no nats-server on the PATH');

const servers = new Set<ChildProcess>();
const dirs: string[] = [];
afterAll(async () => {
  await cleanupStreams();
  for (const s of servers) s.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** nats-server with JetStream on `port`, storing in `dir`; answers once it takes connections. */
async function natsServer(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(NATS_SERVER!, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
  servers.add(child);
  child.on('exit', () => servers.delete(child));
  await until('nats-server to start', async () => {
    const nc = await connect({ servers: `nats://127.0.0.1:${port}`, timeout: 500 }).catch(() => null);
    if (!nc) return undefined;
    await nc.close();
    return true;
  });
  return child;
}

describe.runIf(ON_POSTGRES && NATS_SERVER)('NATS killed with SIGKILL', () => {
  it('after a restart on the same store, status returns to 0 waiting, --drain exits, and every event is applied once', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'patron-nats-'));
    dirs.push(dir);
    let nats = await natsServer(port, dir);
    const { env, server, api, waiting, databaseUrl } = await scaledOut(4, `nats://127.0.0.1:${port}`);
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const MEMBERS = 17;
      const events = Array.from({ length: 1500 }, (_, i) => ({
        type: 'purchase',
        id: `ev-${i}`,
        member: { external_id: `shop:${i % MEMBERS}` },
        order_id: `o-${i}`,
        amount: 100 * (1 + (i % 5)),
        currency: 'GBP',
      }));
      const expected = new Map<string, number>();
      for (const e of events) expected.set(e.member.external_id, (expected.get(e.member.external_id) ?? 0) + e.amount / 100);
      const post = async (from: number, to: number) => {
        for (let i = from; i < to; i += 250) {
          const batch = events.slice(i, Math.min(i + 250, to));
          // While NATS is coming back the API answers 503 (nothing queued): a client retries.
          await until('the batch to be queued', async () => {
            const res = await api('POST', '/v1/events/batch', { events: batch });
            return res.status === 202 && res.body.rejected === 0 ? true : undefined;
          });
        }
      };
      await post(0, 1000);
      const w = startWorker(env, ['--batch', '20']);
      const count = async () => Number((await sql`select count(*)::int as n from events`)[0]!.n);
      await until('the worker to start applying', async () => ((await count()) >= 100 ? true : undefined));

      nats.kill('SIGKILL');
      await new Promise((r) => nats.once('exit', r));
      await sleep(1_500);
      nats = await natsServer(port, dir);
      // The server and the worker reconnect by themselves; more events are accepted.
      await post(1000, events.length);

      await until('status to show nothing waiting', async () => ((await waiting()) === 0 ? true : undefined), 90_000);
      expect(await count()).toBe(events.length);
      const d = startWorker(env, ['--drain']);
      expect(await d.exited, d.output()).toBe(0);
      w.child.kill('SIGTERM');
      expect(await w.exited, w.output()).toBe(0);

      const balances = await sql<{ external: string; balance: number }[]>`
        select i.value as external, a.balance::int as balance from accounts a
        join member_identities i on i.program_id = a.program_id and i.member_id = a.owner and i.type = 'external'
        where a.kind = 'available' and a.currency = 'points'`;
      expect(balances).toHaveLength(MEMBERS);
      for (const r of balances) expect(r.balance, r.external).toBe(expected.get(r.external));
      expect(await sql`select order_id from transactions where type = 'earn' group by order_id having count(*) > 1`).toEqual([]);
    } finally {
      await sql.end();
      await server.stop();
    }
    const verify = await patron(['verify'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 180_000);
});
