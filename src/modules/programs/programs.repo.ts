import { pgArray, type Queryable } from '../../platform/db.js';
import type { ApiKey, Program, ProgramSettings, Scope } from './programs.contract.js';

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d === null ? null : String(d));

interface ProgramRow {
  id: string;
  workspace_id: string;
  name: string;
  currency: string;
  point_currencies: string[];
  settings: ProgramSettings;
  status: string;
  config_version: number;
  created_at: Date;
  updated_at: Date;
}

const toProgram = ({ config_version: _, ...r }: ProgramRow): Program => ({
  ...r,
  created_at: iso(r.created_at)!,
  updated_at: iso(r.updated_at)!,
});

interface KeyRow {
  id: string;
  workspace_id: string;
  program_id: string | null;
  name: string;
  secret_hash: string;
  scopes: Scope[];
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface StoredKey extends ApiKey {
  secret_hash: string;
}

const toKey = (r: KeyRow): StoredKey => ({
  ...r,
  created_at: iso(r.created_at)!,
  revoked_at: iso(r.revoked_at),
  last_used_at: iso(r.last_used_at),
});

export const SYSTEM_ACCOUNTS = ['issuance', 'redemption', 'expiry', 'adjustment'] as const;

export function programsRepo(db: Queryable) {
  return {
    async insertWorkspace(q: Queryable, w: { id: string; name: string; now: Date }) {
      await q.query(`insert into workspaces (id, name, created_at) values ($1, $2, $3)`, [w.id, w.name, w.now]);
    },
    async workspaceExists(id: string, q: Queryable = db) {
      return (await q.query(`select 1 from workspaces where id = $1`, [id])).length > 0;
    },
    async firstWorkspace() {
      const rows = await db.query<{ id: string }>(`select id from workspaces order by created_at, id limit 1`);
      return rows[0]?.id;
    },
    async insertProgram(q: Queryable, p: Omit<Program, 'created_at' | 'updated_at' | 'status'> & { now: Date }) {
      await q.query(
        `insert into programs (id, workspace_id, name, currency, point_currencies, settings, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7)`,
        [p.id, p.workspace_id, p.name, p.currency, p.point_currencies, p.settings, p.now],
      );
    },
    /** System accounts per currency; idempotent, so adding a currency later just adds its accounts. */
    async ensureSystemAccounts(q: Queryable, programId: string, currencies: readonly string[]) {
      await q.query(
        `insert into accounts (program_id, owner, kind, currency)
         select $1, 'system', k, c from unnest($2::text[]) c cross join unnest($3::text[]) k
         on conflict do nothing`,
        [programId, currencies, SYSTEM_ACCOUNTS],
      );
    },
    async updateProgram(
      q: Queryable,
      id: string,
      p: { name: string; point_currencies: string[]; settings: ProgramSettings; status: string; now: Date },
    ) {
      const rows = await q.query<ProgramRow>(
        `update programs set name = $2, point_currencies = $3, settings = $4, status = $5, updated_at = $6
         where id = $1 returning *`,
        [id, p.name, p.point_currencies, p.settings, p.status, p.now],
      );
      return rows[0] ? toProgram(rows[0]) : undefined;
    },
    async getProgram(id: string, q: Queryable = db) {
      const rows = await q.query<ProgramRow>(`select * from programs where id = $1`, [id]);
      return rows[0] ? toProgram(rows[0]) : undefined;
    },
    /** The program with the version of its configuration, read in one statement. */
    async programAt(id: string, q: Queryable = db) {
      const rows = await q.query<ProgramRow>(`select * from programs where id = $1`, [id]);
      return rows[0] ? { program: toProgram(rows[0]), version: rows[0].config_version } : undefined;
    },
    /** Raises the configuration version and tells the other processes (the NOTIFY goes out at commit). */
    async bumpConfig(q: Queryable, id: string, channel: string) {
      const rows = await q.query<{ config_version: number }>(
        `update programs set config_version = config_version + 1 where id = $1 returning config_version`,
        [id],
      );
      const version = rows[0]?.config_version;
      if (version !== undefined) await q.query(`select pg_notify($1, $2)`, [channel, `program ${id} ${version}`]);
      return version;
    },
    /** Versions of the configuration of `ids`: the cheap read that catches a notification missed. */
    async configVersions(ids: readonly string[]) {
      return db.query<{ id: string; config_version: number }>(`select id, config_version from programs where id = any($1::text[])`, [pgArray(ids)]);
    },
    async listPrograms(workspaceId: string) {
      const rows = await db.query<ProgramRow>(`select * from programs where workspace_id = $1 order by id`, [workspaceId]);
      return rows.map(toProgram);
    },
    async allProgramIds() {
      return (await db.query<{ id: string }>(`select id from programs order by id`)).map((r) => r.id);
    },
    async insertKey(
      q: Queryable,
      k: { id: string; workspace_id: string; program_id: string | null; name: string; secret_hash: string; scopes: Scope[]; now: Date },
    ) {
      const rows = await q.query<KeyRow>(
        `insert into api_keys (id, workspace_id, program_id, name, secret_hash, scopes, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning *`,
        [k.id, k.workspace_id, k.program_id, k.name, k.secret_hash, k.scopes, k.now],
      );
      return toKey(rows[0]!);
    },
    async getKey(id: string, q: Queryable = db) {
      const rows = await q.query<KeyRow>(`select * from api_keys where id = $1`, [id]);
      return rows[0] ? toKey(rows[0]) : undefined;
    },
    async listKeys(workspaceId: string, programId?: string) {
      const rows = await db.query<KeyRow>(
        `select * from api_keys where workspace_id = $1 and ($2::text is null or program_id = $2) order by id`,
        [workspaceId, programId ?? null],
      );
      return rows.map(toKey);
    },
    async revokeKey(id: string, now: Date, q: Queryable = db) {
      const rows = await q.query<KeyRow>(
        `update api_keys set revoked_at = coalesce(revoked_at, $2) where id = $1 returning *`,
        [id, now],
      );
      return rows[0] ? toKey(rows[0]) : undefined;
    },
    /** Of the keys `ids`, those revoked (checked for keys a process holds in memory). */
    async revokedAmong(ids: readonly string[]) {
      const rows = await db.query<{ id: string }>(`select id from api_keys where id = any($1::text[]) and revoked_at is not null`, [pgArray(ids)]);
      return rows.map((r) => r.id);
    },
    async notify(channel: string, payload: string, q: Queryable = db) {
      await q.query(`select pg_notify($1, $2)`, [channel, payload]);
    },
    async touchKey(id: string, now: Date) {
      await db.query(`update api_keys set last_used_at = $2 where id = $1`, [id, now]);
    },
  };
}
export type ProgramsRepo = ReturnType<typeof programsRepo>;
