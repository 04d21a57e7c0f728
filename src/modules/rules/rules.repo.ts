import { pgArray, type Queryable } from '../../platform/db.js';
import type { RuleDefinition } from './rules.contract.js';

export type RuleStatus = 'draft' | 'active' | 'archived';

export interface RuleRow {
  id: string;
  version: number;
  status: RuleStatus;
  definition: RuleDefinition;
  created_at: Date;
  updated_at: Date;
}

export interface VersionRow {
  version: number;
  definition: RuleDefinition;
  created_at: Date;
}

export interface UsageKey {
  member_id: string;
  period: string;
}

export interface UsageRow extends UsageKey {
  points: number;
  times: number;
}

const COLS = 'id, version, status, definition, created_at, updated_at';

export const rulesRepo = {
  async insert(q: Queryable, programId: string, r: { id: string; status: RuleStatus; definition: RuleDefinition; now: Date }) {
    await q.query(
      `insert into rules (program_id, id, version, status, definition, created_at, updated_at) values ($1, $2, 1, $3, $4, $5, $5)`,
      [programId, r.id, r.status, r.definition, r.now],
    );
    await q.query(`insert into rule_versions (program_id, rule_id, version, definition, created_at) values ($1, $2, 1, $3, $4)`, [
      programId,
      r.id,
      r.definition,
      r.now,
    ]);
  },

  async get(q: Queryable, programId: string, id: string, lock = false): Promise<RuleRow | undefined> {
    const rows = await q.query<RuleRow>(`select ${COLS} from rules where program_id = $1 and id = $2${lock ? ' for update' : ''}`, [programId, id]);
    return rows[0];
  },

  async list(q: Queryable, programId: string, opts: { status?: RuleStatus; after?: string; limit: number }): Promise<RuleRow[]> {
    return q.query<RuleRow>(
      `select ${COLS} from rules where program_id = $1 and ($2::text is null or status = $2) and ($3::text is null or id > $3)
       order by id limit $4`,
      [programId, opts.status ?? null, opts.after ?? null, opts.limit],
    );
  },

  async active(q: Queryable, programId: string): Promise<RuleRow[]> {
    return q.query<RuleRow>(`select ${COLS} from rules where program_id = $1 and status = 'active' order by id`, [programId]);
  },

  /** The name of each rule at a version, for the event log. */
  async names(q: Queryable, programId: string, refs: readonly { id: string; version: number }[]) {
    if (refs.length === 0) return [];
    return q.query<{ rule_id: string; version: number; name: string }>(
      `select v.rule_id, v.version, v.definition->>'name' as name
       from rule_versions v join unnest($2::text[], $3::int[]) as r(id, version) on v.rule_id = r.id and v.version = r.version
       where v.program_id = $1`,
      [programId, pgArray(refs.map((r) => r.id)), pgArray(refs.map((r) => r.version))],
    );
  },

  async versions(q: Queryable, programId: string, id: string): Promise<VersionRow[]> {
    return q.query<VersionRow>(
      `select version, definition, created_at from rule_versions where program_id = $1 and rule_id = $2 order by version`,
      [programId, id],
    );
  },

  /** A draft is edited in place: the row and its one version change together. */
  async replaceDraft(q: Queryable, programId: string, id: string, version: number, definition: RuleDefinition, now: Date) {
    await q.query(`update rules set definition = $3, updated_at = $4 where program_id = $1 and id = $2`, [programId, id, definition, now]);
    await q.query(`update rule_versions set definition = $4, created_at = $5 where program_id = $1 and rule_id = $2 and version = $3`, [
      programId,
      id,
      version,
      definition,
      now,
    ]);
  },

  async addVersion(q: Queryable, programId: string, id: string, version: number, definition: RuleDefinition, now: Date) {
    await q.query(`update rules set version = $3, definition = $4, updated_at = $5 where program_id = $1 and id = $2`, [
      programId,
      id,
      version,
      definition,
      now,
    ]);
    await q.query(`insert into rule_versions (program_id, rule_id, version, definition, created_at) values ($1, $2, $3, $4, $5)`, [
      programId,
      id,
      version,
      definition,
      now,
    ]);
  },

  async setStatus(q: Queryable, programId: string, id: string, status: RuleStatus, now: Date) {
    await q.query(`update rules set status = $3, updated_at = $4 where program_id = $1 and id = $2`, [programId, id, status, now]);
  },

  /**
   * Claims the usage rows of every limited rule an event pays (creating missing ones) in one statement, and
   * returns their counts under the row lock that `on conflict do update` takes, so parallel events of one member
   * (or one budget) queue here. Rows are claimed in a fixed order (rule, member, period) so claims cannot deadlock.
   */
  async lockUsage(q: Queryable, programId: string, keys: readonly (UsageKey & { rule_id: string })[]): Promise<(UsageRow & { rule_id: string })[]> {
    if (keys.length === 0) return [];
    return q.query<UsageRow & { rule_id: string }>(
      `insert into rule_usage (program_id, rule_id, member_id, period)
       select $1, k.r, k.m, k.p from unnest($2::text[], $3::text[], $4::text[]) as k(r, m, p) order by k.r, k.m, k.p
       on conflict (program_id, rule_id, member_id, period) do update set points = rule_usage.points
       returning rule_id, member_id, period, points, times`,
      [programId, pgArray(keys.map((k) => k.rule_id)), pgArray(keys.map((k) => k.member_id)), pgArray(keys.map((k) => k.period))],
    );
  },

  /** Reads usage without locking or writing (preview). */
  async readUsage(q: Queryable, programId: string, keys: readonly (UsageKey & { rule_id: string })[]): Promise<(UsageRow & { rule_id: string })[]> {
    if (keys.length === 0) return [];
    return q.query<UsageRow & { rule_id: string }>(
      `select u.rule_id, u.member_id, u.period, u.points, u.times from rule_usage u
       join unnest($2::text[], $3::text[], $4::text[]) as k(r, m, p) on u.rule_id = k.r and u.member_id = k.m and u.period = k.p
       where u.program_id = $1`,
      [programId, pgArray(keys.map((k) => k.rule_id)), pgArray(keys.map((k) => k.member_id)), pgArray(keys.map((k) => k.period))],
    );
  },

  /** Counts what an event's rules paid against their usage rows, all rules in one statement. */
  async addUsage(q: Queryable, programId: string, rows: readonly (UsageKey & { rule_id: string; points: number; times: number })[]) {
    if (rows.length === 0) return;
    await q.query(
      `update rule_usage u set points = u.points + k.pts, times = u.times + k.n
       from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[]) as k(r, m, p, pts, n)
       where u.program_id = $1 and u.rule_id = k.r and u.member_id = k.m and u.period = k.p`,
      [
        programId,
        pgArray(rows.map((k) => k.rule_id)),
        pgArray(rows.map((k) => k.member_id)),
        pgArray(rows.map((k) => k.period)),
        pgArray(rows.map((k) => k.points)),
        pgArray(rows.map((k) => k.times)),
      ],
    );
  },
};
