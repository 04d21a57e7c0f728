import type { Queryable } from '../../platform/db.js';
import type { ReferralStatus } from './referrals.contract.js';

export interface ReferralRow {
  program_id: string;
  id: string;
  referrer_id: string;
  referee_id: string;
  code: string;
  status: ReferralStatus;
  linked_via: 'enrolment' | 'link';
  linked_at: Date;
  qualified_at: Date | null;
  event_id: string | null;
  order_id: string | null;
  rewards: Record<string, unknown>;
}

export interface CodeRow {
  member_id: string;
  code: string;
  qualified: number;
  rewarded: number;
}

/** SQL only: referral settings, codes and links. */
export const referralsRepo = {
  async settings(q: Queryable, programId: string) {
    const rows = await q.query<{ settings: unknown; updated_at: Date }>(
      `select settings, updated_at from referral_settings where program_id = $1`,
      [programId],
    );
    return rows[0] ?? null;
  },

  async saveSettings(q: Queryable, programId: string, settings: object, now: Date) {
    await q.query(
      `insert into referral_settings (program_id, settings, updated_at) values ($1, $2, $3)
       on conflict (program_id) do update set settings = excluded.settings, updated_at = excluded.updated_at`,
      [programId, settings, now],
    );
  },

  async codeOf(q: Queryable, programId: string, memberId: string) {
    const rows = await q.query<CodeRow>(
      `select member_id, code, qualified, rewarded from referral_codes where program_id = $1 and member_id = $2`,
      [programId, memberId],
    );
    return rows[0] ?? null;
  },

  async byCode(q: Queryable, programId: string, code: string) {
    const rows = await q.query<CodeRow>(
      `select member_id, code, qualified, rewarded from referral_codes where program_id = $1 and code = $2`,
      [programId, code],
    );
    return rows[0] ?? null;
  },

  /** Inserts a code unless the member already has one or the code is taken; true when it was inserted. */
  async insertCode(q: Queryable, programId: string, memberId: string, code: string, now: Date) {
    const rows = await q.query(
      `insert into referral_codes (program_id, member_id, code, created_at) values ($1, $2, $3, $4)
       on conflict do nothing returning member_id`,
      [programId, memberId, code, now],
    );
    return rows.length === 1;
  },

  /** The referrer's counters, locked until the transaction ends: referees of one referrer qualify one at a time. */
  async lockCounts(q: Queryable, programId: string, referrerId: string) {
    const rows = await q.query<{ qualified: number; rewarded: number }>(
      `select qualified, rewarded from referral_codes where program_id = $1 and member_id = $2 for update`,
      [programId, referrerId],
    );
    return rows[0] ?? null;
  },

  /** One more qualified referee for the referrer, and one more rewarded when `rewarded`; returns the new counts. */
  async countQualified(q: Queryable, programId: string, referrerId: string, rewarded: boolean) {
    const rows = await q.query<{ qualified: number; rewarded: number }>(
      `update referral_codes set qualified = qualified + 1, rewarded = rewarded + $3
       where program_id = $1 and member_id = $2 returning qualified, rewarded`,
      [programId, referrerId, rewarded ? 1 : 0],
    );
    return rows[0] ?? { qualified: 0, rewarded: 0 };
  },

  async insertReferral(q: Queryable, r: Omit<ReferralRow, 'qualified_at' | 'event_id' | 'order_id' | 'rewards' | 'status'>) {
    const rows = await q.query<ReferralRow>(
      `insert into referrals (program_id, id, referrer_id, referee_id, code, status, linked_via, linked_at)
       values ($1, $2, $3, $4, $5, 'pending', $6, $7)
       on conflict (program_id, referee_id) do nothing returning *`,
      [r.program_id, r.id, r.referrer_id, r.referee_id, r.code, r.linked_via, r.linked_at],
    );
    return rows[0] ?? null;
  },

  async get(q: Queryable, programId: string, id: string) {
    const rows = await q.query<ReferralRow>(`select * from referrals where program_id = $1 and id = $2`, [programId, id]);
    return rows[0] ?? null;
  },

  async ofReferee(q: Queryable, programId: string, refereeId: string) {
    const rows = await q.query<ReferralRow>(`select * from referrals where program_id = $1 and referee_id = $2`, [
      programId,
      refereeId,
    ]);
    return rows[0] ?? null;
  },

  /**
   * Moves a pending referral to `status`, only if it is still pending: of two purchases qualifying one referee
   * at once, exactly one gets the row back.
   */
  async settle(
    q: Queryable,
    programId: string,
    id: string,
    s: { status: ReferralStatus; qualifiedAt: Date | null; eventId: string; orderId: string | null },
  ) {
    const rows = await q.query<ReferralRow>(
      `update referrals set status = $3, qualified_at = $4, event_id = $5, order_id = $6
       where program_id = $1 and id = $2 and status = 'pending' returning *`,
      [programId, id, s.status, s.qualifiedAt, s.eventId, s.orderId],
    );
    return rows[0] ?? null;
  },

  async setOutcome(q: Queryable, programId: string, id: string, status: ReferralStatus, rewards: object) {
    await q.query(`update referrals set status = $3, rewards = $4 where program_id = $1 and id = $2`, [programId, id, status, rewards]);
  },

  /** Whether `start` was referred, directly or through a chain of referrers, by `ancestor`. */
  async referredBy(q: Queryable, programId: string, start: string, ancestor: string) {
    const rows = await q.query<{ found: boolean }>(
      `with recursive up(member_id, depth) as (
         select referrer_id, 1 from referrals where program_id = $1 and referee_id = $2
         union all
         select r.referrer_id, up.depth + 1 from referrals r join up on r.program_id = $1 and r.referee_id = up.member_id
         where up.depth < 10000
       )
       select exists (select 1 from up where member_id = $3) as found`,
      [programId, start, ancestor],
    );
    return rows[0]?.found ?? false;
  },

  /**
   * Whether two members share an identity value: the same email (compared without a +tag in its local part),
   * phone, card number or external id.
   */
  async shareIdentity(q: Queryable, programId: string, a: string, b: string) {
    const canon = (t: string) => `case when ${t}.type = 'email' then regexp_replace(${t}.value, '\\+[^@]*@', '@') else ${t}.value end`;
    const rows = await q.query<{ shared: boolean }>(
      `select exists (
         select 1 from member_identities x join member_identities y
           on y.program_id = x.program_id and y.type = x.type and ${canon('y')} = ${canon('x')}
         where x.program_id = $1 and x.member_id = $2 and y.member_id = $3
       ) as shared`,
      [programId, a, b],
    );
    return rows[0]?.shared ?? false;
  },

  async stats(q: Queryable, programId: string, referrerId: string) {
    return q.query<{ status: ReferralStatus; n: number }>(
      `select status, count(*)::bigint as n from referrals where program_id = $1 and referrer_id = $2 group by status`,
      [programId, referrerId],
    );
  },

  async list(
    q: Queryable,
    programId: string,
    f: { referrer?: string; referee?: string; status?: ReferralStatus; afterId?: string; limit: number },
  ) {
    return q.query<ReferralRow & { referrer_first: string | null; referrer_last: string | null; referee_first: string | null; referee_last: string | null }>(
      `select r.*, a.first_name as referrer_first, a.last_name as referrer_last, b.first_name as referee_first, b.last_name as referee_last
       from referrals r
       left join members a on a.program_id = r.program_id and a.id = r.referrer_id
       left join members b on b.program_id = r.program_id and b.id = r.referee_id
       where r.program_id = $1 and ($2::text is null or r.referrer_id = $2) and ($3::text is null or r.referee_id = $3)
         and ($4::text is null or r.status = $4) and ($5::text is null or r.id > $5)
       order by r.id limit $6`,
      [programId, f.referrer ?? null, f.referee ?? null, f.status ?? null, f.afterId ?? null, f.limit],
    );
  },

  /** Referrers with at least `min` qualified referees, most first, with what they earned as referrers. */
  async top(q: Queryable, programId: string, min: number, limit: number) {
    return q.query<CodeRow & { first_name: string | null; last_name: string | null; points: Record<string, number> | null }>(
      `select c.member_id, c.code, c.qualified, c.rewarded, m.first_name, m.last_name,
         (select jsonb_object_agg(x.currency, x.points) from (
            select r.rewards->'referrer'->>'currency' as currency, sum((r.rewards->'referrer'->>'points')::bigint) as points
            from referrals r
            where r.program_id = c.program_id and r.referrer_id = c.member_id and r.rewards->'referrer'->>'points' is not null
            group by 1) x) as points
       from referral_codes c left join members m on m.program_id = c.program_id and m.id = c.member_id
       where c.program_id = $1 and c.qualified >= $2
       order by c.qualified desc, c.member_id limit $3`,
      [programId, min, limit],
    );
  },

  async countReferrers(q: Queryable, programId: string, min: number) {
    const rows = await q.query<{ n: number }>(`select count(*)::bigint as n from referral_codes where program_id = $1 and qualified >= $2`, [programId, min]);
    return Number(rows[0]?.n ?? 0);
  },
};
