import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type Db } from './db.js';
import { refreshStatistics } from './statistics.js';

describe('planner statistics on PGlite (no autovacuum)', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openPglite();
    await db.exec(`create table filled (id int primary key, v text); create table empty_one (id int)`);
  });
  afterAll(() => db.close());

  it('analyses a table never analysed that holds rows, then only one that grew much', async () => {
    await db.query(`insert into filled select g, 'x' from generate_series(1, 500) g`);
    expect(await refreshStatistics(db)).toEqual(['filled']);
    const [row] = await db.query<{ reltuples: number }>(`select reltuples::int as reltuples from pg_class where relname = 'filled'`);
    expect(row!.reltuples).toBe(500);
    expect(await refreshStatistics(db)).toEqual([]);
    // 20 more rows stay in the table's pages; 5,000 more are many pages more.
    await db.query(`insert into filled select g, 'y' from generate_series(501, 520) g`);
    expect(await refreshStatistics(db)).toEqual([]);
    await db.query(`insert into filled select g, 'z' from generate_series(521, 5520) g`);
    expect(await refreshStatistics(db)).toEqual(['filled']);
  });
});
