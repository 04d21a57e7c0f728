import type { Queryable } from '../../platform/db.js';
import type { Locale, Role, Staff } from './staff.contract.js';

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d === null || d === undefined ? null : new Date(String(d)).toISOString());

interface StaffRow {
  id: string;
  workspace_id: string;
  email: string;
  name: string;
  role: Role;
  program_ids: string[] | null;
  locale: Locale;
  password_hash: string | null;
  disabled: boolean;
  created_at: Date;
  last_sign_in_at: Date | null;
}

export interface StoredStaff extends Staff {
  password_hash: string | null;
}

const toStaff = (r: StaffRow): StoredStaff => ({
  ...r,
  created_at: iso(r.created_at)!,
  last_sign_in_at: iso(r.last_sign_in_at),
});

export interface SessionRow {
  id: string;
  staff_id: string;
  csrf_hash: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export function staffRepo(db: Queryable) {
  return {
    async insertStaff(
      q: Queryable,
      s: { id: string; workspace_id: string; email: string; name: string; role: Role; program_ids: string[] | null; now: Date },
    ) {
      const rows = await q.query<StaffRow>(
        `insert into staff_users (id, workspace_id, email, name, role, program_ids, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict (workspace_id, email) do nothing returning *`,
        [s.id, s.workspace_id, s.email, s.name, s.role, s.program_ids, s.now],
      );
      return rows[0] ? toStaff(rows[0]) : undefined;
    },
    async get(id: string, q: Queryable = db) {
      const rows = await q.query<StaffRow>(`select * from staff_users where id = $1`, [id]);
      return rows[0] ? toStaff(rows[0]) : undefined;
    },
    /** Staff users with this email, in every workspace (sign-in names no workspace). */
    async byEmail(email: string) {
      const rows = await db.query<StaffRow>(`select * from staff_users where email = $1 order by created_at, id`, [email]);
      return rows.map(toStaff);
    },
    async byWorkspaceEmail(workspaceId: string, email: string) {
      const rows = await db.query<StaffRow>(`select * from staff_users where workspace_id = $1 and email = $2`, [workspaceId, email]);
      return rows[0] ? toStaff(rows[0]) : undefined;
    },
    async list(workspaceId: string, after: string | undefined, limit: number, q: Queryable = db) {
      const rows = await q.query<StaffRow>(
        `select * from staff_users where workspace_id = $1 and ($2::text is null or id > $2) order by id limit $3`,
        [workspaceId, after ?? null, limit],
      );
      return rows.map(toStaff);
    },
    async countOwners(q: Queryable, workspaceId: string) {
      const rows = await q.query<{ n: number }>(
        `select count(*)::int as n from staff_users where workspace_id = $1 and role = 'owner' and not disabled`,
        [workspaceId],
      );
      return rows[0]!.n;
    },
    async hasOwner(workspaceId: string) {
      const rows = await db.query(`select 1 from staff_users where workspace_id = $1 and role = 'owner' limit 1`, [workspaceId]);
      return rows.length > 0;
    },
    /** Locks the workspace's owners, so two changes cannot each take away one of the last two. */
    async lockOwners(q: Queryable, workspaceId: string) {
      await q.query(`select id from staff_users where workspace_id = $1 and role = 'owner' for update`, [workspaceId]);
    },
    async update(
      q: Queryable,
      id: string,
      p: { name: string; role: Role; program_ids: string[] | null; disabled: boolean; locale: Locale },
    ) {
      const rows = await q.query<StaffRow>(
        `update staff_users set name = $2, role = $3, program_ids = $4, disabled = $5, locale = $6 where id = $1 returning *`,
        [id, p.name, p.role, p.program_ids, p.disabled, p.locale],
      );
      return rows[0] ? toStaff(rows[0]) : undefined;
    },
    async setPassword(q: Queryable, id: string, hash: string) {
      await q.query(`update staff_users set password_hash = $2 where id = $1`, [id, hash]);
    },
    async signedIn(q: Queryable, id: string, now: Date) {
      await q.query(`update staff_users set last_sign_in_at = $2 where id = $1`, [id, now]);
    },

    async insertSession(q: Queryable, s: { id: string; staff_id: string; token_hash: string; csrf_hash: string; now: Date; expires_at: Date }) {
      await q.query(
        `insert into staff_sessions (id, staff_id, token_hash, csrf_hash, created_at, last_seen_at, expires_at)
         values ($1, $2, $3, $4, $5, $5, $6)`,
        [s.id, s.staff_id, s.token_hash, s.csrf_hash, s.now, s.expires_at],
      );
    },
    async sessionByToken(tokenHash: string) {
      const rows = await db.query<SessionRow>(`select * from staff_sessions where token_hash = $1`, [tokenHash]);
      return rows[0];
    },
    async touchSession(id: string, now: Date) {
      await db.query(`update staff_sessions set last_seen_at = $2 where id = $1 and last_seen_at < $2`, [id, now]);
    },
    async revokeSession(id: string, now: Date) {
      await db.query(`update staff_sessions set revoked_at = coalesce(revoked_at, $2) where id = $1`, [id, now]);
    },
    async revokeAllSessions(q: Queryable, staffId: string, now: Date) {
      await q.query(`update staff_sessions set revoked_at = $2 where staff_id = $1 and revoked_at is null`, [staffId, now]);
    },

    async insertSetupToken(q: Queryable, t: { token_hash: string; staff_id: string; purpose: 'owner' | 'invite' | 'reset'; now: Date; expires_at: Date }) {
      await q.query(
        `insert into staff_setup_tokens (token_hash, staff_id, purpose, created_at, expires_at) values ($1, $2, $3, $4, $5)`,
        [t.token_hash, t.staff_id, t.purpose, t.now, t.expires_at],
      );
    },
    /** Ends the staff user's links not yet used: a new one replaces them. */
    async dropOpenTokens(q: Queryable, staffId: string, now: Date) {
      await q.query(`update staff_setup_tokens set used_at = $2 where staff_id = $1 and used_at is null`, [staffId, now]);
    },
    /** Uses the link, once: answers its staff id, or nothing when it is unknown, used or expired. */
    async useSetupToken(q: Queryable, tokenHash: string, now: Date) {
      const rows = await q.query<{ staff_id: string; purpose: string }>(
        `update staff_setup_tokens set used_at = $2 where token_hash = $1 and used_at is null and expires_at > $2 returning staff_id, purpose`,
        [tokenHash, now],
      );
      return rows[0];
    },
    async openOwnerToken(workspaceId: string, now: Date) {
      const rows = await db.query(
        `select 1 from staff_setup_tokens t join staff_users s on s.id = t.staff_id
         where s.workspace_id = $1 and t.purpose = 'owner' and t.used_at is null and t.expires_at > $2 limit 1`,
        [workspaceId, now],
      );
      return rows.length > 0;
    },
  };
}
