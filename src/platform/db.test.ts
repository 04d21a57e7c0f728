import { describe, expect, it } from 'vitest';
import { openPostgres } from './db.js';

const DATABASE_URL = process.env.DATABASE_URL;

// A connection PostgreSQL cuts (an operator's pg_terminate_backend, a failover, a proxy timing out) fails the
// work on it with an error the caller can catch; it never takes the process down.
describe.runIf(DATABASE_URL)('PostgreSQL connections that are cut', () => {
  it('a lock whose holding connection is terminated mid-job ends the job cleanly, and the lock is free again', async () => {
    const db = await openPostgres(DATABASE_URL!, 2);
    const admin = await openPostgres(DATABASE_URL!, 1);
    const name = `cut-${process.pid}-${Date.now()}`;
    try {
      const holder = async () => {
        const [row] = await admin.query<{ pid: number }>(
          `select l.pid from pg_locks l, (select hashtextextended($1, 0) as h) k
            where l.locktype = 'advisory' and l.objsubid = 1 and l.granted
              and l.classid::bigint = (k.h >> 32) & 4294967295 and l.objid::bigint = k.h & 4294967295`,
          [`patron:${name}`],
        );
        return row?.pid;
      };
      const first = await db.tryLock(name, async () => {
        const pid = await holder();
        expect(pid).toBeGreaterThan(0);
        await admin.query('select pg_terminate_backend($1)', [pid]);
        // Let the close reach the client before the job ends and unlocks.
        await new Promise((r) => setTimeout(r, 300));
        return 'done';
      });
      expect(first).toEqual({ acquired: true, value: 'done' });
      await new Promise((r) => setTimeout(r, 100));
      // The backend that held the lock is gone, and with it the lock.
      expect(await holder()).toBeUndefined();
      expect(await db.tryLock(name, async () => 'again')).toEqual({ acquired: true, value: 'again' });
      // The pool goes on serving.
      expect(await db.query<{ one: number }>('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
      await admin.close();
    }
  });
});
