import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

export interface MigrationResult {
  applied: string[];
  current: string | undefined;
}

/**
 * Applies the numbered .sql files not yet applied, in order, in one transaction. A transaction-scoped
 * advisory lock makes a second process that starts at the same time wait, then find nothing left to do.
 * A landed migration whose file changed is refused: migrations are never edited once landed.
 */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort();
  return db.tx(async (q) => {
    await q.query(`select pg_advisory_xact_lock(7140117)`);
    await q.exec(`create table if not exists schema_migrations (
      version text primary key, checksum text not null, applied_at timestamptz not null default now())`);
    const done = new Map(
      (await q.query<{ version: string; checksum: string }>(`select version, checksum from schema_migrations`)).map(
        (r) => [r.version, r.checksum],
      ),
    );
    const applied: string[] = [];
    for (const file of files) {
      const script = readFileSync(join(dir, file), 'utf8');
      const checksum = createHash('sha256').update(script).digest('hex');
      const version = file.replace(/\.sql$/, '');
      const seen = done.get(version);
      if (seen !== undefined) {
        if (seen !== checksum) throw new Error(`migration ${file} was edited after it was applied; add a new one instead`);
        continue;
      }
      await q.exec(script);
      await q.query(`insert into schema_migrations (version, checksum) values ($1, $2)`, [version, checksum]);
      applied.push(version);
    }
    return { applied, current: files.at(-1)?.replace(/\.sql$/, '') };
  });
}
