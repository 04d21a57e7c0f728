import { pgArray, type Queryable } from '../../platform/db.js';
import type { Consent, Member, MemberStatus } from './members.contract.js';
import type { Identity, IdentityType } from './members.validate.js';

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

/** What a member is apart from its ids, identities and times: the columns an update writes. */
export interface MemberFields {
  first_name: string | null;
  last_name: string | null;
  birthdate: string | null;
  locale: string | null;
  time_zone: string | null;
  country: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  consent: Consent;
  status: MemberStatus;
}

interface MemberRow {
  program_id: string;
  id: string;
  first_name: string | null;
  last_name: string | null;
  birthdate: string | null;
  locale: string | null;
  time_zone: string | null;
  country: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  consent_email: boolean;
  consent_sms: boolean;
  consent_push: boolean;
  status: MemberStatus;
  enrolment_channel: string | null;
  enrolled_at: Date;
  created_at: Date;
  updated_at: Date;
  identities: [IdentityType, string][];
}

function toMember(r: MemberRow): Member {
  const one = (type: IdentityType) => r.identities.find(([t]) => t === type)?.[1] ?? null;
  const external_ids: Record<string, string> = {};
  for (const [type, value] of r.identities) {
    if (type !== 'external') continue;
    const at = value.indexOf(':');
    external_ids[value.slice(0, at)] = value.slice(at + 1);
  }
  return {
    id: r.id,
    program_id: r.program_id,
    email: one('email'),
    phone: one('phone'),
    card_number: one('card'),
    external_ids,
    first_name: r.first_name,
    last_name: r.last_name,
    birthdate: r.birthdate,
    locale: r.locale,
    time_zone: r.time_zone,
    country: r.country,
    attributes: r.attributes,
    tags: r.tags,
    consent: { email: r.consent_email, sms: r.consent_sms, push: r.consent_push },
    status: r.status,
    enrolment_channel: r.enrolment_channel,
    enrolled_at: iso(r.enrolled_at),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

// The birthdate is read as text so no driver turns it into a midnight in some time zone.
const MEMBER = `
  select m.program_id, m.id, m.first_name, m.last_name, to_char(m.birthdate, 'YYYY-MM-DD') as birthdate,
         m.locale, m.time_zone, m.country, m.attributes, m.tags, m.consent_email, m.consent_sms, m.consent_push,
         m.status, m.enrolment_channel, m.enrolled_at, m.created_at, m.updated_at,
         coalesce((select json_agg(json_build_array(i.type, i.value) order by i.type, i.value)
                   from member_identities i where i.program_id = m.program_id and i.member_id = m.id), '[]') as identities
  from members m`;

/** `%`, `_` and `\` match themselves in a LIKE pattern built from what a user typed. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface MemberFilter {
  afterId?: string;
  status?: MemberStatus;
  tag?: string;
  /** The id of the tier level the member is in now. */
  tier?: string;
  /** Part of the first name, last name or email, any case. */
  search?: string;
  identity?: Identity;
  limit: number;
}

export function membersRepo(db: Queryable) {
  return {
    async getMember(programId: string, id: string, q: Queryable = db, opts: { lock?: boolean } = {}) {
      const rows = await q.query<MemberRow>(
        `${MEMBER} where m.program_id = $1 and m.id = $2${opts.lock ? ' for update of m' : ''}`,
        [programId, id],
      );
      return rows[0] ? toMember(rows[0]) : undefined;
    },

    /** Members in id order (ids sort by creation), after `afterId`, matching every filter given. */
    async listMembers(programId: string, f: MemberFilter) {
      const params: unknown[] = [programId];
      const p = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      // The filters on the member row, for alias `a` (a search applies them inside each of its branches).
      const filters = (a: string) => {
        const w = [`${a}.program_id = $1`];
        if (f.afterId !== undefined) w.push(`${a}.id > ${p(f.afterId)}`);
        if (f.status !== undefined) w.push(`${a}.status = ${p(f.status)}`);
        if (f.tag !== undefined) w.push(`${a}.tags @> array[${p(f.tag)}::text]`);
        if (f.tier !== undefined) {
          // A member without a tier record holds the base level (threshold 0) when there is one, as the tiers module reads it.
          const level = p(f.tier);
          w.push(`(exists (select 1 from member_tiers t where t.program_id = $1 and t.member_id = ${a}.id and t.level_id = ${level})
                   or (not exists (select 1 from member_tiers t where t.program_id = $1 and t.member_id = ${a}.id)
                       and exists (select 1 from tier_levels l where l.program_id = $1 and l.id = ${level} and l.threshold = 0)))`);
        }
        if (f.identity !== undefined) {
          w.push(`${a}.id = (select member_id from member_identities
                             where program_id = $1 and type = ${p(f.identity.type)} and value = ${p(f.identity.value)})`);
        }
        return w.join(' and ');
      };
      const limit = p(f.limit);
      let where: string;
      if (f.search !== undefined) {
        const pattern = p(`%${likeEscape(f.search)}%`);
        // Two branches, each the first page of its own matches in id order (trigram indexes on the full name and
        // on email identities, migration 0019): a common name part reads a page of rows, not every member who
        // has it; a rare one is two index lookups, not a scan of the program.
        where = `m.program_id = $1 and m.id in (
                   select * from (select n.id from members n
                                  where ${filters('n')} and coalesce(n.first_name, '') || ' ' || coalesce(n.last_name, '') ilike ${pattern}
                                  order by n.id limit ${limit}) by_name
                   union all
                   select * from (select e.member_id from member_identities e join members n on n.program_id = e.program_id and n.id = e.member_id
                                  where e.program_id = $1 and e.type = 'email' and e.value ilike ${pattern} and ${filters('n')}
                                  order by e.member_id limit ${limit}) by_email)`;
      } else where = filters('m');
      const rows = await db.query<MemberRow>(`${MEMBER} where ${where} order by m.id limit ${limit}`, params);
      return rows.map(toMember);
    },

    async insertMember(
      q: Queryable,
      m: MemberFields & { program_id: string; id: string; enrolment_channel: string | null; enrolled_at: Date; now: Date },
    ) {
      await q.query(
        `insert into members (program_id, id, first_name, last_name, birthdate, locale, time_zone, country, attributes, tags,
                              consent_email, consent_sms, consent_push, status, enrolment_channel, enrolled_at, created_at, updated_at)
         values ($1, $2, $3, $4, $5::date, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)`,
        [
          m.program_id,
          m.id,
          m.first_name,
          m.last_name,
          m.birthdate,
          m.locale,
          m.time_zone,
          m.country,
          m.attributes,
          m.tags,
          m.consent.email,
          m.consent.sms,
          m.consent.push,
          m.status,
          m.enrolment_channel,
          m.enrolled_at,
          m.now,
        ],
      );
    },

    async changeTags(q: Queryable, programId: string, id: string, add: string[], remove: string[], now: Date) {
      const rows = await q.query<{ changed: boolean }>(
        `with cur as (select tags from members where program_id = $1 and id = $2 for update),
         nxt as (
           select coalesce(array_agg(t order by first_seen), '{}') as tags
           from (select t, min(o) as first_seen
                 from unnest((select tags from cur) || $3::text[]) with ordinality as x(t, o)
                 where t <> all($4::text[]) group by t) u
         )
         update members m set tags = nxt.tags, updated_at = case when m.tags = nxt.tags then m.updated_at else $5 end
         from nxt, cur where m.program_id = $1 and m.id = $2
         returning cur.tags <> nxt.tags as changed`,
        [programId, id, pgArray(add), pgArray(remove), now],
      );
      return rows[0]?.changed ?? false;
    },

    async updateMember(q: Queryable, programId: string, id: string, m: MemberFields & { now: Date }) {
      await q.query(
        `update members set first_name = $3, last_name = $4, birthdate = $5::date, locale = $6, time_zone = $7, country = $8,
                attributes = $9, tags = $10, consent_email = $11, consent_sms = $12, consent_push = $13, status = $14,
                updated_at = $15
         where program_id = $1 and id = $2`,
        [
          programId,
          id,
          m.first_name,
          m.last_name,
          m.birthdate,
          m.locale,
          m.time_zone,
          m.country,
          m.attributes,
          m.tags,
          m.consent.email,
          m.consent.sms,
          m.consent.push,
          m.status,
          m.now,
        ],
      );
    },

    /** Inserts the identities nobody holds yet and returns those; one another member holds is left out. */
    async insertIdentities(q: Queryable, programId: string, memberId: string, identities: readonly Identity[], now: Date) {
      if (identities.length === 0) return [];
      return q.query<Identity>(
        `insert into member_identities (program_id, type, value, member_id, created_at)
         select $1, x.type, x.value, $2, $3 from unnest($4::text[], $5::text[]) as x(type, value)
         on conflict do nothing
         returning type, value`,
        [programId, memberId, now, identities.map((i) => i.type), identities.map((i) => i.value)],
      );
    },

    async deleteIdentities(q: Queryable, programId: string, memberId: string, identities: readonly Identity[]) {
      if (identities.length === 0) return;
      await q.query(
        `delete from member_identities
         where program_id = $1 and member_id = $2 and (type, value) in (select * from unnest($3::text[], $4::text[]))`,
        [programId, memberId, identities.map((i) => i.type), identities.map((i) => i.value)],
      );
    },

    /** The member's rows of the events module's refusals (event_refusals, 0020): by member, or by an identity they hold. */
    async deleteRefusalsOf(q: Queryable, programId: string, memberId: string) {
      await q.query(
        `delete from event_refusals where program_id = $1
           and (member_id = $2 or member_key = 'id:' || $2
                or member_key in (select type || ':' || value from member_identities where program_id = $1 and member_id = $2))`,
        [programId, memberId],
      );
    },

    async deleteAllIdentities(q: Queryable, programId: string, memberId: string) {
      await q.query(`delete from member_identities where program_id = $1 and member_id = $2`, [programId, memberId]);
    },

    async findById(q: Queryable, programId: string, id: string) {
      const rows = await q.query<{ id: string; status: MemberStatus }>(
        `select id, status from members where program_id = $1 and id = $2`,
        [programId, id],
      );
      return rows[0];
    },

    async byIdentities(q: Queryable, programId: string, types: readonly string[], values: readonly string[]) {
      return q.query<{ type: string; value: string; id: string; status: MemberStatus }>(
        `select i.type, i.value, m.id, m.status from member_identities i
         join unnest($2::text[], $3::text[]) as x(type, value) on i.type = x.type and i.value = x.value
         join members m on m.program_id = i.program_id and m.id = i.member_id
         where i.program_id = $1`,
        [programId, pgArray(types), pgArray(values)],
      );
    },

    /**
     * For each existing member named by an identity (`types`/`values`) or an id: its oldest identity as
     * `<type>:<value>` (ties broken by type and value), or `id:<member id>` if it has none.
     */
    async routingKeys(q: Queryable, programId: string, ids: readonly string[], types: readonly string[], values: readonly string[]) {
      return q.query<{ type: string; value: string; key: string }>(
        `with named as (
           select x.type, x.value, i.member_id from unnest($3::text[], $4::text[]) as x(type, value)
           join member_identities i on i.program_id = $1 and i.type = x.type and i.value = x.value
           union all
           select 'id', m.id, m.id from members m where m.program_id = $1 and m.id = any($2::text[])
         )
         select n.type, n.value,
                coalesce((select o.type || ':' || o.value from member_identities o
                          where o.program_id = $1 and o.member_id = n.member_id
                          order by o.created_at, o.type, o.value limit 1), 'id:' || n.member_id) as key
         from named n`,
        [programId, pgArray(ids), pgArray(types), pgArray(values)],
      );
    },

    async statusesByIds(q: Queryable, programId: string, ids: readonly string[]) {
      return q.query<{ id: string; status: MemberStatus }>(
        `select id, status from members where program_id = $1 and id = any($2::text[])`,
        [programId, pgArray(ids)],
      );
    },

    async findByIdentity(q: Queryable, programId: string, identity: Identity) {
      const rows = await q.query<{ id: string; status: MemberStatus }>(
        `select m.id, m.status from member_identities i
         join members m on m.program_id = i.program_id and m.id = i.member_id
         where i.program_id = $1 and i.type = $2 and i.value = $3`,
        [programId, identity.type, identity.value],
      );
      return rows[0];
    },

    /**
     * Enrols a bare member holding `identity`, in one statement: the identity is claimed first and the member
     * row is only written if the claim won (the foreign key is checked at the end of the statement). Returns
     * false if another member holds the identity, having waited for a concurrent claim to commit or roll back.
     */
    async enrolWithIdentity(
      q: Queryable,
      m: { program_id: string; id: string; identity: Identity; enrolment_channel: string | null; enrolled_at: Date; now: Date },
    ) {
      const rows = await q.query(
        `with claimed as (
           insert into member_identities (program_id, type, value, member_id, created_at)
           values ($1, $3, $4, $2, $6) on conflict do nothing returning member_id
         )
         insert into members (program_id, id, status, enrolment_channel, enrolled_at, created_at, updated_at)
         select $1, member_id, 'active', $5, $7, $6, $6 from claimed
         returning id`,
        [m.program_id, m.id, m.identity.type, m.identity.value, m.enrolment_channel, m.now, m.enrolled_at],
      );
      return rows.length > 0;
    },
  };
}
export type MembersRepo = ReturnType<typeof membersRepo>;
