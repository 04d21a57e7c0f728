import { afterAll, describe, expect, it } from 'vitest';
import { ON_POSTGRES } from '../../../test/cli.js';
import { cleanupStreams, NATS_URL, scaledOut, startWorker } from '../../../test/stream.js';
import { partitionOf } from './stream.nats.js';

// A refund is never applied before its purchase, however it names the member. Needs PostgreSQL and NATS
// (see stream.test.ts).
afterAll(cleanupStreams);

const PARTITIONS = 8;

describe.runIf(ON_POSTGRES && NATS_URL)('refunds on NATS JetStream', () => {
  it('a refund queued in another partition than its purchase waits for the purchase; one of an unknown order is refused', async () => {
    const { env, server, api, programId } = await scaledOut(PARTITIONS);
    try {
      const partition = (key: string) => partitionOf(`${programId}\n${key}`, PARTITIONS);
      const zoe = partition('email:zoe@example.com');
      // An order whose own key hashes to another partition than its member's: the refund, naming no member,
      // is queued there, apart from its purchase.
      let oA = '';
      for (let i = 0; !oA; i++) if (partition(`order:o-${i}`) !== zoe) oA = `o-${i}`;
      // A backlog ahead of the purchase in its partition, so that the refund's partition comes first.
      const crowd: string[] = [];
      for (let i = 0; crowd.length < 150; i++) if (partition(`email:c${i}@example.com`) === zoe) crowd.push(`c${i}@example.com`);
      const backlog = await api('POST', '/v1/events/batch', {
        events: crowd.map((email, i) => ({ type: 'purchase', id: `c-${i}`, member: { email }, order_id: `oc-${i}`, amount: 100, currency: 'GBP' })),
      });
      expect(backlog.status).toBe(202);

      const purchase = await api('POST', '/v1/events', { type: 'purchase', id: 'pA', member: { email: 'zoe@example.com' }, order_id: oA, amount: 2000, currency: 'GBP' });
      expect(purchase.status).toBe(202);
      expect(purchase.body.partition).toBe(zoe);
      const refund = await api('POST', '/v1/events', { type: 'refund', id: 'rA', order_id: oA, amount: 500 });
      expect(refund.status).toBe(202);
      expect(refund.body.partition).toBe(partition(`order:${oA}`));
      expect(refund.body.partition).not.toBe(zoe);
      const never = await api('POST', '/v1/events', { type: 'refund', id: 'rX', order_id: 'o-never-sold', amount: 100 });
      expect(never.status).toBe(202);

      // Within one batch a refund follows its purchase into its partition.
      const batch = await api('POST', '/v1/events/batch', {
        events: [
          { type: 'purchase', id: 'pB', member: { email: 'yan@example.com' }, order_id: 'oB', amount: 3000, currency: 'GBP' },
          { type: 'refund', id: 'rB', order_id: 'oB', amount: 3000 },
        ],
      });
      expect(batch.status).toBe(202);
      expect(batch.body.results[1].partition).toBe(batch.body.results[0].partition);
      expect((await api('GET', '/v1/events/rB')).body).toMatchObject({ status: 'queued' });

      // One event per transaction: the backlog takes a while, the refund's partition is read at once.
      const w = startWorker(env, ['--drain', '--batch', '1', '--concurrency', String(PARTITIONS)]);
      expect(await w.exited, w.output()).toBe(0);
      const stopped = w
        .output()
        .split('\n')
        .map((l) => (l.startsWith('{') ? JSON.parse(l) : {}))
        .find((l) => l.msg === 'worker stopped');
      // The refund was held back at least once (else this test did not race it against its purchase).
      expect(stopped?.deferred, w.output()).toBeGreaterThan(0);

      expect((await api('GET', '/v1/events/rA')).body).toMatchObject({ id: 'rA', result: { status: 'applied', points: { points: -5 } } });
      expect((await api('GET', `/v1/orders/${oA}`)).body).toMatchObject({ amount: 2000, refunded_amount: 500 });
      expect((await api('GET', '/v1/events/rB')).body).toMatchObject({ id: 'rB', result: { status: 'applied', points: { points: -30 } } });
      expect((await api('GET', '/v1/orders/oB')).body).toMatchObject({ amount: 3000, refunded_amount: 3000 });
      expect((await api('GET', '/v1/events/rX')).body).toMatchObject({ status: 'rejected', error: { code: 'order.not_found', field: 'order_id' } });
    } finally {
      await server.stop();
    }
  }, 120_000);
});
