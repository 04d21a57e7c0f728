import type { Db } from './db.js';

/**
 * The planner's statistics on PGlite, which has no autovacuum: without them it plans every table as one row
 * (an unanalysed demo program's KPIs take twice as long). PostgreSQL's autovacuum keeps its own, so there this
 * does nothing.
 *
 * A table is analysed when it was never analysed and holds rows, or when it grew by more than a tenth (and
 * 8 pages) since its last analysis, read off the size of its file against the pages that analysis counted —
 * cheap, and right after a restart too (PGlite's change counters are neither kept nor reported promptly).
 * Returns the tables analysed.
 */
export async function refreshStatistics(db: Db): Promise<string[]> {
  if (db.kind !== 'pglite') return [];
  const stale = await db.query<{ name: string }>(
    `select c.relname as name
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     cross join (select current_setting('block_size')::int as block) b
     where n.nspname = 'public' and c.relkind = 'r'
       and ((c.reltuples < 0 and pg_relation_size(c.oid) > 0)
            or pg_relation_size(c.oid) / b.block > c.relpages * 1.1 + 8)
     order by 1`,
  );
  if (stale.length === 0) return [];
  const names = stale.map((s) => `"${s.name.replace(/"/g, '""')}"`);
  await db.exec(`analyze ${names.join(', ')}`);
  return stale.map((s) => s.name);
}
