import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './db.js';
import { testDb, onPostgres } from '../../test/harness.js';
import { consumeHappenings, recordHappenings, type Happening } from './happenings.js';

const at = new Date('2026-05-01T10:00:00Z');
const row = (ref: string) => ({ program_id: 'prg_test_happenings', kind: 'event', member_id: 'mbr_x', ref, data: { n: ref }, occurred_at: at });

describe('the happenings outbox', () => {
  let db: Db;
  beforeAll(async () => {
    db = await testDb();
    await db.query(`delete from happenings where program_id = 'prg_test_happenings'`);
  });
  afterAll(() => db.close());

  const drain = async (consumer: string) => {
    const seen: Happening[] = [];
    while ((await consumeHappenings(db, consumer, async (_q, rows) => void seen.push(...rows))) > 0);
    return seen.filter((h) => h.program_id === 'prg_test_happenings').map((h) => h.ref);
  };

  it('hands each consumer every committed happening once, in order; a rolled-back one never', async () => {
    const consumer = `test-${Date.now()}`;
    await db.tx((q) => recordHappenings(q, [row('a'), row('b')], at));
    await db.tx(async (q) => {
      await recordHappenings(q, [row('lost')], at);
      throw new Error('roll back');
    }).catch(() => undefined);
    await db.tx((q) => recordHappenings(q, [row('c')], at));
    expect(await drain(consumer)).toEqual(['a', 'b', 'c']);
    expect(await drain(consumer)).toEqual([]);
    await db.tx((q) => recordHappenings(q, [row('d')], at));
    expect(await drain(consumer)).toEqual(['d']);
    // Another consumer has its own cursor.
    expect(await drain(`${consumer}-2`)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a handler that fails leaves the cursor where it was', async () => {
    const consumer = `fail-${Date.now()}`;
    await drain(consumer);
    await db.tx((q) => recordHappenings(q, [row('e')], at));
    await expect(consumeHappenings(db, consumer, async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await drain(consumer)).toEqual(['e']);
  });

  it.runIf(onPostgres)('does not skip a row whose transaction commits after a later one', async () => {
    const consumer = `late-${Date.now()}`;
    await drain(consumer);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const inside = new Promise<void>((r) => (started = r));
    const slow = db.tx(async (q) => {
      await recordHappenings(q, [row('early-but-slow')], at);
      started();
      await held;
    });
    await inside;
    await db.tx((q) => recordHappenings(q, [row('later-but-quick')], at));
    // The slow transaction is still open: nothing after it is handed out yet.
    expect(await drain(consumer)).toEqual([]);
    release();
    await slow;
    expect(await drain(consumer)).toEqual(['early-but-slow', 'later-but-quick']);
  });
});
