import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ON_POSTGRES, patron } from '../../../test/cli.js';
import { cleanupStreams, NATS_URL, scaledOut, startWorker, until } from '../../../test/stream.js';

// Events a worker cannot apply must not hold up the partition behind them, and the API refuses at once
// whatever a worker would refuse for its input. Needs PostgreSQL and NATS (see stream.test.ts).
afterAll(cleanupStreams);

const purchase = (id: string, amount: number, extra: Record<string, unknown> = {}) => ({
  type: 'purchase',
  id,
  member: { external_id: 'shop:ann' },
  order_id: `o-${id}`,
  amount,
  currency: 'GBP',
  ...extra,
});

describe.runIf(ON_POSTGRES && NATS_URL)('poison events on NATS JetStream', () => {
  it('a poison message between good ones is rejected with its problem, the good ones apply, and --drain exits', async () => {
    // One partition: everything below queues behind everything before it.
    const { env, server, api, waiting, databaseUrl, stream, programId } = await scaledOut(1);
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const nc = await connect({ servers: NATS_URL });
    try {
      // The API refuses at once what a worker would refuse for its input, and queues nothing.
      for (const [body, code, field, status = 400] of [
        [purchase('nul', 100, { properties: { note: 'a\u0000b' } }), 'request.invalid_text', 'properties.note'],
        [purchase('sur', 100, { properties: { note: '\ud800' } }), 'request.invalid_text', 'properties.note'],
        [purchase('y0', 100, { occurred_at: '0000-06-01T00:00:00Z' }), 'validation.year_out_of_range', 'occurred_at'],
        [purchase('y1', 100, { occurred_at: '1900-01-01T00:00:00+14:00' }), 'validation.year_out_of_range', 'occurred_at'],
        [purchase('fut', 100, { occurred_at: '2999-01-01T00:00:00Z' }), 'event.occurred_in_future', 'occurred_at'],
        [purchase('ext', 100, { member: { external_id: 'no-channel' } }), 'member.invalid_external_id', 'member.external_id'],
        [purchase('eur', 100, { currency: 'EUR' }), 'event.currency_mismatch', 'currency', 422],
        [{ type: 'refund', id: 'both', order_id: 'o-x', amount: 1, lines: [{ sku: 'a', quantity: 1 }] }, 'refund.amount_or_lines', 'amount'],
      ] as const) {
        const res = await api('POST', '/v1/events', body);
        expect(res.status, JSON.stringify(res.body)).toBe(status);
        expect(res.body).toMatchObject({ code, field });
        const batch = await api('POST', '/v1/events/batch', { events: [body] });
        expect(batch.body.results[0]).toMatchObject({ status: 'rejected', error: { code, field: `events.0.${field}` } });
      }
      let deep: unknown = 1;
      for (let i = 0; i < 2000; i++) deep = { d: deep };
      const tooDeep = await api('POST', '/v1/events', purchase('deep', 100, { properties: { deep } }));
      expect(tooDeep.status).toBe(400);
      expect(tooDeep.body.code).toMatch(/^request\./);
      expect(await waiting()).toBe(0);

      // The database itself refuses one order (a constraint the API cannot know of).
      await sql`alter table orders add constraint no_cursed_orders check (id <> 'o-cursed')`;

      // Straight into the stream, as a producer other than the API could, between good events of one member.
      const js = jetstream(nc);
      const put = (e: Record<string, unknown>) =>
        js.publish(`${stream}.${programId}.0.${Buffer.from(String(e.id)).toString('base64url')}`, JSON.stringify({ program_id: programId, event: e }));
      expect((await api('POST', '/v1/events', purchase('g1', 1000))).status).toBe(202);
      await put(purchase('nul', 9900, { properties: { note: 'a\u0000b' } }));
      await put(purchase('y0', 9900, { occurred_at: '0000-06-01T00:00:00Z' }));
      await put(purchase('deep', 9900, { properties: { deep } }));
      await put(purchase('g2', 2000));
      await put(purchase('cursed', 9900));
      await js.publish(`${stream}.${programId}.0.garbage`, 'not json');
      expect((await api('POST', '/v1/events', purchase('g3', 3000))).status).toBe(202);
      expect(await waiting()).toBe(8);

      const w = startWorker(env, ['--drain', '--batch', '50']);
      expect(await w.exited, w.output()).toBe(0);
      expect(await waiting()).toBe(0);

      for (const [id, points] of [['g1', 10], ['g2', 20], ['g3', 30]] as const) {
        expect((await api('GET', `/v1/events/${id}`)).body, id).toMatchObject({ id, result: { status: 'applied', points: { points } } });
      }
      for (const [id, status, code] of [
        ['nul', 400, 'request.invalid_text'],
        ['y0', 400, 'validation.year_out_of_range'],
        ['deep', 400, 'request.too_deep'],
        ['cursed', 409, 'event.constraint_violation'],
      ] as const) {
        const res = await api('GET', `/v1/events/${id}`);
        expect(res.status, id).toBe(200);
        expect(res.body, id).toMatchObject({ id, status: 'rejected', error: { status, code } });
        expect(res.body.error.detail, id).toEqual(expect.any(String));
      }
      const [ann] = await sql<{ balance: number }[]>`
        select a.balance::int as balance from accounts a
        join member_identities i on i.program_id = a.program_id and i.member_id = a.owner and i.type = 'external' and i.value = 'shop:ann'
        where a.kind = 'available' and a.currency = 'points'`;
      expect(ann!.balance).toBe(60);
    } finally {
      await nc.close();
      await sql.end();
      await server.stop();
    }
    const verify = await patron(['verify'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 120_000);

  it('a transient error (a lock the worker cannot get in time) is retried, not rejected: every event applies once', async () => {
    const { env, server, api, databaseUrl } = await scaledOut(1);
    const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
    try {
      expect((await api('POST', '/v1/events', purchase('t-0', 100))).status).toBe(202);
      const first = startWorker(env, ['--drain']);
      expect(await first.exited, first.output()).toBe(0);
      // The worker's connections give up on a lock after 200 ms (55P03), while another transaction holds
      // the member's accounts.
      const db = (await sql<{ db: string }[]>`select current_database() as db`)[0]!.db;
      await sql.unsafe(`alter database "${db}" set lock_timeout = '200ms'`);
      let release: () => void = () => {};
      const released = new Promise<void>((r) => (release = r));
      let locked: () => void = () => {};
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = sql.begin(async (t) => {
        await t`select id from accounts where kind = 'available' for update`;
        locked();
        await released;
      });
      await isLocked;
      for (let i = 1; i <= 5; i++) expect((await api('POST', '/v1/events', purchase(`t-${i}`, 100 * i))).status).toBe(202);
      const w = startWorker(env, ['--drain']);
      await until('the worker to meet the lock twice', async () => ((w.output().match(/could not apply a batch/g) ?? []).length >= 2 ? true : undefined));
      release();
      await holder;
      expect(await w.exited, w.output()).toBe(0);
      expect(w.output()).toMatch(/lock timeout/);
      expect(w.output()).not.toMatch(/refused an event/);
      for (let i = 0; i <= 5; i++) {
        expect((await api('GET', `/v1/events/t-${i}`)).body).toMatchObject({ id: `t-${i}`, result: { status: 'applied', points: { points: i || 1 } } });
      }
    } finally {
      await sql.end();
      await server.stop();
    }
  }, 120_000);

  it('the same event id with another body while the first is queued is a 409; a batch of replays only is a 200', async () => {
    const { env, server, api, waiting } = await scaledOut(2);
    try {
      expect((await api('POST', '/v1/events', purchase('e1', 1000))).status).toBe(202);
      // Another body under the same id, while the first still waits for a worker: refused as inline.
      const other = await api('POST', '/v1/events', purchase('e1', 5000));
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ code: 'event.id_reused', field: 'id' });
      const otherInBatch = await api('POST', '/v1/events/batch', { events: [purchase('e1', 5000), purchase('e2', 2000)] });
      expect(otherInBatch.status).toBe(202);
      expect(otherInBatch.body).toMatchObject({ queued: 1, rejected: 1, results: [{ status: 'rejected', error: { code: 'event.id_reused', field: 'events.0.id' } }, { status: 'queued' }] });
      // The same body again is a client's retry: still queued, once.
      expect((await api('POST', '/v1/events', purchase('e1', 1000))).status).toBe(202);
      expect(await waiting()).toBe(2);

      const w = startWorker(env, ['--drain']);
      expect(await w.exited, w.output()).toBe(0);
      expect((await api('GET', '/v1/events/e1')).body).toMatchObject({ result: { status: 'applied', points: { points: 10 } } });

      // Nothing of this batch is queued: it is answered 200.
      const replays = await api('POST', '/v1/events/batch', { events: [purchase('e1', 1000), purchase('e2', 2000)] });
      expect(replays.status).toBe(200);
      expect(replays.body).toMatchObject({ queued: 0, replayed: 2, rejected: 0 });
      const mixed = await api('POST', '/v1/events/batch', { events: [purchase('e1', 1000), purchase('e3', 3000)] });
      expect(mixed.status).toBe(202);
      expect(mixed.body).toMatchObject({ queued: 1, replayed: 1 });
      expect((await api('POST', '/v1/events', purchase('e2', 9999))).status).toBe(409);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
