import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { installation, ON_POSTGRES, patron } from '../../../test/cli.js';
import { cleanupStreams, NATS_URL, scaledOut, startWorker, until } from '../../../test/stream.js';

// The scaled-out shape through the real binaries (see test/stream.ts). Several processes share the
// database, so this needs PostgreSQL: it runs in the postgres project when NATS_URL is set (.ci/run sets
// both).
if (!NATS_URL) console.warn('stream.test.ts: the scaled-out tests are skipped: NATS_URL is not set (they need NATS with JetStream)');
else if (!ON_POSTGRES) console.warn('stream.test.ts: the scaled-out tests run in the postgres project only (PGlite serves one process)');

afterAll(cleanupStreams);

describe.runIf(ON_POSTGRES && NATS_URL)('scale-out on NATS JetStream', () => {
  it('queues events (202), applies each exactly once in member order while a worker is killed mid-stream, and verify passes', async () => {
    const { env, server, api, waiting, databaseUrl } = await scaledOut(4);
    expect(server.output()).toMatch(/Events go through NATS JetStream/);
    const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
    try {
      // Bad input is refused at once and queues nothing.
      const bad = await api('POST', '/v1/events', { type: 'purchase', id: 'bad', member: { email: 'x@example.com' }, order_id: 'o', amount: -1, currency: 'GBP' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'validation.too_small', field: 'amount' });
      expect((await api('GET', '/v1/events/bad')).status).toBe(404);
      expect(await waiting()).toBe(0);

      // 61 members; purchases of whole pounds earn amount/100 points each. Every tenth event refunds that
      // member's purchase of 61 events before in full: applied out of order, the refund would find no order.
      const MEMBERS = 61;
      const events = Array.from({ length: 2400 }, (_, i) => {
        const member = { external_id: `shop:${i % MEMBERS}` };
        const amount = (n: number) => 100 * (1 + (n % 7));
        if (i % 10 === 9 && i >= MEMBERS) return { type: 'refund', id: `ev-${i}`, member, order_id: `o-${i - MEMBERS}`, amount: amount(i - MEMBERS) };
        return { type: 'purchase', id: `ev-${i}`, member, order_id: `o-${i}`, amount: amount(i), currency: 'GBP' };
      });
      const refunded = new Set(events.filter((e) => e.type === 'refund').map((e) => e.order_id));
      const expected = new Map<string, number>();
      for (const e of events) {
        if (e.type !== 'purchase' || refunded.has(e.order_id)) continue;
        expected.set(e.member.external_id, (expected.get(e.member.external_id) ?? 0) + e.amount! / 100);
      }

      const first = await api('POST', '/v1/events', events[0]);
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ id: 'ev-0', status: 'queued' });
      expect((await api('GET', '/v1/events/ev-0')).body).toEqual({ id: 'ev-0', status: 'queued' });
      // A client's retry of an event still queued is one message in the stream (its message id).
      expect((await api('POST', '/v1/events', events[0])).status).toBe(202);
      expect(await waiting()).toBe(1);

      // Two workers start while the events are still coming in, so members are enrolled as their later
      // events queue up behind them.
      const a = startWorker(env, ['--batch', '50']);
      const b = startWorker(env, ['--batch', '50']);
      const post = async (from: number, to: number) => {
        for (let i = from; i < to; i += 300) {
          const res = await api('POST', '/v1/events/batch', { events: events.slice(i, Math.min(i + 300, to)) });
          expect(res.status).toBe(202);
          expect(res.body.rejected).toBe(0);
        }
      };
      await post(1, 1200);
      // A worker refuses this one (its order id is taken): the refusal is kept for whoever asks.
      const dup = await api('POST', '/v1/events', { type: 'purchase', id: 'dup', member: { external_id: 'shop:5' }, order_id: 'o-5', amount: 900, currency: 'GBP' });
      expect(dup.status).toBe(202);

      const count = async () => Number((await sql`select count(*)::int as n from events`)[0]!.n);
      await until('the workers to start applying', async () => ((await count()) >= 200 ? true : undefined));
      a.child.kill('SIGKILL'); // mid-stream: what it was handed and did not acknowledge goes to another worker
      await post(1200, events.length);
      const c = startWorker(env, ['--batch', '50']);

      await until('the stream to drain', async () => ((await waiting()) === 0 ? true : undefined), 90_000);
      expect(await count()).toBe(events.length);

      // Exactly once, in order: each member's balance is its purchases' points less the refunded ones,
      // every refund found its order, and no order earned twice.
      const balances = await sql<{ external: string; balance: number }[]>`
        select i.value as external, a.balance::int as balance from accounts a
        join member_identities i on i.program_id = a.program_id and i.member_id = a.owner and i.type = 'external'
        where a.kind = 'available' and a.currency = 'points'`;
      expect(balances).toHaveLength(MEMBERS);
      for (const r of balances) expect(r.balance, r.external).toBe(expected.get(r.external) ?? 0);
      expect(await sql`select order_id from transactions where type = 'earn' group by order_id having count(*) > 1`).toEqual([]);
      expect((await api('GET', '/v1/events/ev-7')).body).toMatchObject({ id: 'ev-7', result: { status: 'applied', points: { points: 1 } } });
      expect((await api('GET', '/v1/events/ev-79')).body).toMatchObject({ id: 'ev-79', type: 'refund', result: { status: 'applied' } });
      const refused = await api('GET', '/v1/events/dup');
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({ id: 'dup', status: 'rejected', error: { status: 409, code: 'order.duplicate', field: 'order_id' } });
      // The console's list of refused events has it too, kept by the worker that refused it.
      const kept = await api('GET', '/v1/event-refusals?event_id=dup');
      expect(kept.status).toBe(200);
      expect(kept.body.data).toMatchObject([{ event_id: 'dup', source: 'stream', member_ref: { external_id: 'shop:5' }, order_id: 'o-5', problem: { status: 409, code: 'order.duplicate', field: 'order_id' } }]);
      // An event already applied is answered from the ledger, not queued again.
      const again = await api('POST', '/v1/events', events[3]);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: 'ev-3', replayed: true });

      // A refund without a member goes to its order's member's partition, and is applied.
      const refund = await api('POST', '/v1/events', { type: 'refund', id: 'late-refund', order_id: 'o-3', amount: 400 });
      expect(refund.status).toBe(202);
      const late = await until('the refund to be applied', async () => {
        const r = await api('GET', '/v1/events/late-refund');
        return r.body.status === 'queued' ? undefined : r.body;
      });
      expect(late).toMatchObject({ id: 'late-refund', result: { status: 'applied', points: { points: -4 } } });

      // SIGTERM: the workers finish what they hold and stop cleanly.
      for (const w of [b, c]) w.child.kill('SIGTERM');
      for (const w of [b, c]) expect(await w.exited, w.output()).toBe(0);
      expect(c.output()).toMatch(/"msg":"took a partition"/);
    } finally {
      await sql.end();
      await server.stop();
    }
    const verify = await patron(['verify'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 180_000);

  it('a worker with --drain applies what waits and stops', async () => {
    const { env, server, api, waiting } = await scaledOut(2);
    try {
      const res = await api('POST', '/v1/events/batch', {
        events: [
          { type: 'signup', id: 's-1', member: { email: 'ann@example.com' } },
          { type: 'purchase', id: 'p-1', member: { email: 'ann@example.com' }, order_id: 'p-1', amount: 2500, currency: 'GBP' },
          { type: 'purchase', id: 'p-2', member: { email: 'bob@example.com' }, order_id: 'p-2', amount: -5, currency: 'GBP' },
        ],
      });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ queued: 2, rejected: 1, results: [{ status: 'queued' }, { status: 'queued' }, { index: 2, status: 'rejected', error: { field: 'events.2.amount' } }] });
      expect(await waiting()).toBe(2);
      // A process configured with another number of partitions would miss events: it is refused.
      const other = await patron(['worker', '--partitions', '3'], env);
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/has 2 partitions and 2 events waiting, but PATRON_PARTITIONS is 3.*\(stream\.partitions_mismatch\)/);
      const w = startWorker(env, ['--drain']);
      expect(await w.exited, w.output()).toBe(0);
      expect(await waiting()).toBe(0);
      expect((await api('GET', '/v1/events/p-1')).body).toMatchObject({ id: 'p-1', result: { status: 'applied', points: { points: 25 } } });
      expect((await api('GET', '/v1/events/p-2')).status).toBe(404);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('the scaled-out shape without PostgreSQL or NATS', () => {
  // Runs once, in the PGlite project: it needs neither a NATS server nor PostgreSQL.
  it.runIf(!ON_POSTGRES)('refuses the embedded database, and says when NATS is away', async () => {
    const { env } = installation();
    delete env.DATABASE_URL;
    const worker = await patron(['worker'], env);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/needs PostgreSQL.*\(worker\.needs_postgres\)/);
    const api = await patron(['serve', '--ingest=nats'], env);
    expect(api.code).toBe(1);
    expect(api.stderr).toMatch(/needs PostgreSQL.*\(ingest\.needs_postgres\)/);
    const away = await patron(['stream', 'status'], { ...env, NATS_URL: 'nats://127.0.0.1:1' });
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/Cannot reach NATS at nats:\/\/127\.0\.0\.1:1.*\(nats\.unavailable\)/);
  });
});
