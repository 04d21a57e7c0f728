import type { Queryable } from '../../platform/db.js';

/** Row shapes and SQL of tiers. No decisions here. */

export interface SchemeRow {
  program_id: string;
  metric: 'status_credits' | 'spend' | 'purchases';
  window_type: 'rolling' | 'calendar_year';
  window_months: number | null;
  grace_days: number;
  soft_landing: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface LevelRow {
  id: string;
  name: string;
  threshold: number;
  benefits: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface MemberTierRow {
  member_id: string;
  level_id: string | null;
  qualified_at: Date;
  period_end: Date | null;
  granted_until: Date | null;
  grant_reason: string | null;
  updated_at: Date;
}

export interface TierChangeRow {
  id: string;
  member_id: string;
  from_level_id: string | null;
  from_name: string | null;
  to_level_id: string | null;
  to_name: string | null;
  reason: 'upgrade' | 'downgrade' | 'grant' | 'expiry';
  metric_value: number | null;
  note: string | null;
  event_id: string | null;
  at: Date;
}

export const tiersRepo = {
  async scheme(q: Queryable, programId: string) {
    const rows = await q.query<SchemeRow>(`select * from tier_schemes where program_id = $1`, [programId]);
    return rows[0];
  },

  async putScheme(q: Queryable, programId: string, s: Omit<SchemeRow, 'program_id' | 'created_at' | 'updated_at'>, now: Date) {
    const rows = await q.query<SchemeRow>(
      `insert into tier_schemes (program_id, metric, window_type, window_months, grace_days, soft_landing, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $7)
       on conflict (program_id) do update set metric = excluded.metric, window_type = excluded.window_type,
         window_months = excluded.window_months, grace_days = excluded.grace_days, soft_landing = excluded.soft_landing,
         updated_at = excluded.updated_at
       returning *`,
      [programId, s.metric, s.window_type, s.window_months, s.grace_days, s.soft_landing, now],
    );
    return rows[0]!;
  },

  /** Serialises tier configuration changes of one program until the transaction ends. */
  async lockConfig(q: Queryable, programId: string) {
    await q.query(`select pg_advisory_xact_lock(hashtext('tiers:' || $1))`, [programId]);
  },

  /** The levels, lowest threshold first. */
  async levels(q: Queryable, programId: string) {
    return q.query<LevelRow>(
      `select id, name, threshold, benefits, created_at, updated_at from tier_levels where program_id = $1 order by threshold`,
      [programId],
    );
  },

  async insertLevel(q: Queryable, programId: string, l: LevelRow) {
    const rows = await q.query<LevelRow>(
      `insert into tier_levels (program_id, id, name, threshold, benefits, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7) returning id, name, threshold, benefits, created_at, updated_at`,
      [programId, l.id, l.name, l.threshold, l.benefits, l.created_at, l.updated_at],
    );
    return rows[0]!;
  },

  async updateLevel(q: Queryable, programId: string, l: LevelRow) {
    const rows = await q.query<LevelRow>(
      `update tier_levels set name = $3, threshold = $4, benefits = $5, updated_at = $6
       where program_id = $1 and id = $2 returning id, name, threshold, benefits, created_at, updated_at`,
      [programId, l.id, l.name, l.threshold, l.benefits, l.updated_at],
    );
    return rows[0]!;
  },

  async deleteLevel(q: Queryable, programId: string, id: string) {
    await q.query(`delete from tier_levels where program_id = $1 and id = $2`, [programId, id]);
  },

  /** How many members hold each level now. */
  async holders(q: Queryable, programId: string) {
    const rows = await q.query<{ level_id: string; n: number }>(
      `select level_id, count(*)::bigint as n from member_tiers where program_id = $1 and level_id is not null group by level_id`,
      [programId],
    );
    return new Map(rows.map((r) => [r.level_id, r.n]));
  },

  async memberTier(q: Queryable, programId: string, memberId: string, lock = false) {
    const rows = await q.query<MemberTierRow>(
      `select member_id, level_id, qualified_at, period_end, granted_until, grant_reason, updated_at
       from member_tiers where program_id = $1 and member_id = $2${lock ? ' for update' : ''}`,
      [programId, memberId],
    );
    return rows[0];
  },

  /** Makes the member's row exist (no level), so it can be locked. */
  async ensureMemberTier(q: Queryable, programId: string, memberId: string, now: Date) {
    await q.query(
      `insert into member_tiers (program_id, member_id, level_id, qualified_at, updated_at) values ($1, $2, null, $3, $3)
       on conflict (program_id, member_id) do nothing`,
      [programId, memberId, now],
    );
  },

  async setMemberTier(q: Queryable, programId: string, t: MemberTierRow) {
    await q.query(
      `update member_tiers set level_id = $3, qualified_at = $4, period_end = $5, granted_until = $6, grant_reason = $7,
         updated_at = $8
       where program_id = $1 and member_id = $2`,
      [programId, t.member_id, t.level_id, t.qualified_at, t.period_end, t.granted_until, t.grant_reason, t.updated_at],
    );
  },

  async insertChange(q: Queryable, programId: string, c: TierChangeRow) {
    await q.query(
      `insert into tier_changes (program_id, id, member_id, from_level_id, from_name, to_level_id, to_name, reason,
         metric_value, note, event_id, at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [programId, c.id, c.member_id, c.from_level_id, c.from_name, c.to_level_id, c.to_name, c.reason, c.metric_value, c.note, c.event_id, c.at],
    );
  },

  async changes(q: Queryable, programId: string, memberId: string, opts: { limit: number; cursor?: string }) {
    return q.query<TierChangeRow>(
      `select id, member_id, from_level_id, from_name, to_level_id, to_name, reason, metric_value, note, event_id, at
       from tier_changes where program_id = $1 and member_id = $2 and ($3::text is null or id < $3)
       order by id desc limit $4`,
      [programId, memberId, opts.cursor ?? null, opts.limit],
    );
  },

  async programsWithScheme(q: Queryable) {
    const rows = await q.query<{ program_id: string }>(`select program_id from tier_schemes order by program_id`);
    return rows.map((r) => r.program_id);
  },

  /**
   * Members whose level is due for review at `now`: a grant that has ended, or (without a live grant) a period
   * whose end plus the grace period has passed. By member id after `after`, `limit` at a time.
   */
  async due(q: Queryable, programId: string, now: Date, graceDays: number, after: string, limit: number) {
    const rows = await q.query<{ member_id: string }>(
      `select member_id from member_tiers
       where program_id = $1 and level_id is not null and member_id > $5
         and ((granted_until is not null and granted_until <= $2)
           or (granted_until is null and period_end is not null and period_end + make_interval(days => $3) <= $2))
       order by member_id limit $4`,
      [programId, now, graceDays, limit, after],
    );
    return rows.map((r) => r.member_id);
  },

  /** Members of the program, and those with a tier row but no level, and those with no tier row at all. */
  async memberCounts(q: Queryable, programId: string) {
    const rows = await q.query<{ total: number; no_row: number; no_level: number }>(
      `select count(*)::bigint as total,
         count(*) filter (where t.member_id is null)::bigint as no_row,
         count(*) filter (where t.member_id is not null and t.level_id is null)::bigint as no_level
       from members m left join member_tiers t on t.program_id = m.program_id and t.member_id = m.id
       where m.program_id = $1`,
      [programId],
    );
    const r = rows[0];
    return { total: Number(r?.total ?? 0), noRow: Number(r?.no_row ?? 0), noLevel: Number(r?.no_level ?? 0) };
  },

  /**
   * Members on a level whose review (a grant's end, or a period's end plus the grace days) falls before `until`,
   * in review order after the (review_at, member_id) cursor, with their names.
   */
  async upcomingReviews(q: Queryable, programId: string, f: { graceDays: number; until: Date; after: { at: Date; memberId: string } | null; limit: number }) {
    return q.query<MemberTierRow & { review_at: Date; first_name: string | null; last_name: string | null }>(
      `select * from (
         select t.member_id, t.level_id, t.qualified_at, t.period_end, t.granted_until, t.grant_reason, t.updated_at,
           coalesce(t.granted_until, t.period_end + make_interval(days => $2)) as review_at, m.first_name, m.last_name
         from member_tiers t join members m on m.program_id = t.program_id and m.id = t.member_id
         where t.program_id = $1 and t.level_id is not null and (t.granted_until is not null or t.period_end is not null)
       ) r
       where r.review_at <= $3 and ($4::timestamptz is null or (r.review_at, r.member_id) > ($4::timestamptz, $5::text))
       order by r.review_at, r.member_id limit $6`,
      [programId, f.graceDays, f.until, f.after?.at ?? null, f.after?.memberId ?? null, f.limit],
    );
  },
};
