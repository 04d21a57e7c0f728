import { afterAll, describe, expect, it } from 'vitest';
import { ON_POSTGRES } from '../../../test/cli.js';
import { cleanupStreams, NATS_URL, scaledOut, startWorker } from '../../../test/stream.js';
import { partitionOf } from './stream.nats.js';

// A refund waits behind its purchase, in its partition, however it names the member. Needs PostgreSQL and
// NATS (see stream.test.ts).
afterAll(cleanupStreams);

const PARTITIONS = 8;

describe.runIf(ON_POSTGRES && NATS_URL)('refunds on NATS JetStream', () => {
  it('a refund that names no member is queued in its purchase’s partition and applied after it', async () => {
    const { env, server, api, programId } = await scaledOut(PARTITIONS);
    try {
      const partition = (key: string) => partitionOf(`${programId}\n${key}`, PARTITIONS);
      // Orders whose own key would hash to another partition than their member's: routed by the order, the
      // refund would not wait for its purchase.
      const orderApart = (member: string, from: number) => {
        for (let i = from; ; i++) if (partition(`order:o-${i}`) !== partition(member)) return `o-${i}`;
      };
      const oA = orderApart('email:zoe@example.com', 0);
      const oB = orderApart('email:yan@example.com', 100);

      const purchase = await api('POST', '/v1/events', { type: 'purchase', id: 'pA', member: { email: 'zoe@example.com' }, order_id: oA, amount: 2000, currency: 'GBP' });
      expect(purchase.status).toBe(202);
      const refund = await api('POST', '/v1/events', { type: 'refund', id: 'rA', order_id: oA, amount: 500 });
      expect(refund.status).toBe(202);
      expect(refund.body.partition).toBe(purchase.body.partition);

      // The same within one batch.
      const batch = await api('POST', '/v1/events/batch', {
        events: [
          { type: 'purchase', id: 'pB', member: { email: 'yan@example.com' }, order_id: oB, amount: 3000, currency: 'GBP' },
          { type: 'refund', id: 'rB', order_id: oB, amount: 3000 },
        ],
      });
      expect(batch.status).toBe(202);
      expect(batch.body.results[1].partition ?? null).toBe(batch.body.results[0].partition ?? null);
      const queuedB = await api('GET', '/v1/events/rB');
      expect(queuedB.body).toMatchObject({ status: 'queued' });

      const w = startWorker(env, ['--drain']);
      expect(await w.exited, w.output()).toBe(0);
      expect((await api('GET', '/v1/events/rA')).body).toMatchObject({ id: 'rA', result: { status: 'applied', points: { points: -5 } } });
      expect((await api('GET', '/v1/events/rB')).body).toMatchObject({ id: 'rB', result: { status: 'applied', points: { points: -30 } } });
      expect((await api('GET', `/v1/orders/${oA}`)).body).toMatchObject({ amount: 2000, refunded_amount: 500 });
      expect((await api('GET', `/v1/orders/${oB}`)).body).toMatchObject({ amount: 3000, refunded_amount: 3000 });
    } finally {
      await server.stop();
    }
  }, 120_000);
});
