import type { Db, Queryable } from '../../platform/db.js';
import { pgArray } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import type { Member, MemberCreate, MemberList, MemberListQuery, MemberRef, MemberStatus, MemberUpdate } from './members.contract.js';
import { membersRepo, type MemberFields } from './members.repo.js';
import {
  checkAttributes,
  checkTags,
  externalValue,
  normaliseBirthdate,
  normaliseCard,
  normaliseChannel,
  normaliseCountry,
  normaliseEmail,
  normaliseExternal,
  normaliseExternalId,
  normaliseLocale,
  normalisePhone,
  normaliseTimeZone,
  parseIdentityFilter,
  type Identity,
  type IdentityType,
} from './members.validate.js';

/** An identity and the request field it came from, so a conflict can name the field. */
interface FieldIdentity extends Identity {
  field: string;
}

const LABEL: Record<IdentityType, string> = { email: 'email', phone: 'phone number', card: 'card number', external: 'external id' };

const BLANK: MemberFields = {
  first_name: null,
  last_name: null,
  birthdate: null,
  locale: null,
  time_zone: null,
  country: null,
  attributes: {},
  tags: [],
  consent: { email: false, sms: false, push: false },
  status: 'active',
};

/** How far ahead of this server's clock a given enrolment time may be (another system's clock may run fast). */
const CLOCK_SKEW_MS = 5 * 60_000;

type ProfileInput = Pick<
  MemberUpdate,
  'first_name' | 'last_name' | 'birthdate' | 'locale' | 'time_zone' | 'country' | 'attributes' | 'consent'
>;

/** `base` with the profile fields the input names: undefined keeps a value, null clears it. */
function applyProfile(base: MemberFields, input: ProfileInput, now: Date): MemberFields {
  const pick = (v: string | null | undefined, current: string | null, normalise: (s: string) => string) =>
    v === undefined ? current : v === null ? null : normalise(v);
  return {
    ...base,
    first_name: input.first_name === undefined ? base.first_name : input.first_name,
    last_name: input.last_name === undefined ? base.last_name : input.last_name,
    birthdate: pick(input.birthdate, base.birthdate, (s) => normaliseBirthdate(s, now)),
    locale: pick(input.locale, base.locale, (s) => normaliseLocale(s)),
    time_zone: pick(input.time_zone, base.time_zone, (s) => normaliseTimeZone(s)),
    country: pick(input.country, base.country, (s) => normaliseCountry(s)),
    attributes: input.attributes === undefined ? base.attributes : checkAttributes(input.attributes),
    consent: {
      email: input.consent?.email ?? base.consent.email,
      sms: input.consent?.sms ?? base.consent.sms,
      push: input.consent?.push ?? base.consent.push,
    },
  };
}

/** Normalised external ids by channel; a channel named twice (Shopify and shopify) is refused. */
function externalIds<V extends string | null>(given: Record<string, V>): Map<string, { id: V; field: string }> {
  const out = new Map<string, { id: V; field: string }>();
  for (const [raw, id] of Object.entries(given)) {
    const field = `external_ids.${raw}`;
    const channel = normaliseChannel(raw, field);
    if (out.has(channel)) throw invalid('member.invalid_external_id', `${field}: channel ${channel} is given twice`, field);
    out.set(channel, { id, field });
  }
  return out;
}

function identityCount(m: Member): number {
  return [m.email, m.phone, m.card_number].filter((v) => v !== null).length + Object.keys(m.external_ids).length;
}

const identityRequired = () =>
  invalid('member.identity_required', 'A member needs at least one of email, phone, card_number or external_ids');

/** A reference's key in `lookup`'s answer: `id:<member id>` or `<identity type>:<normalised value>`; null if malformed. */
export function memberRefKey(ref: MemberRef): string | null {
  if ('id' in ref) return `id:${ref.id}`;
  try {
    const identity = refIdentity(ref);
    return `${identity.type}:${identity.value}`;
  } catch {
    return null;
  }
}

/** Refuses (400, naming the field) a reference whose identity is malformed, as resolving it would. */
export function checkMemberRef(ref: MemberRef): void {
  if (!('id' in ref)) refIdentity(ref);
}

function refIdentity(ref: Exclude<MemberRef, { id: string }>): Identity {
  if ('email' in ref) return { type: 'email', value: normaliseEmail(ref.email, 'member.email') };
  if ('phone' in ref) return { type: 'phone', value: normalisePhone(ref.phone, null, 'member.phone') };
  if ('card_number' in ref) return { type: 'card', value: normaliseCard(ref.card_number, 'member.card_number') };
  return { type: 'external', value: normaliseExternal(ref.external_id, 'member.external_id') };
}

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^mbr_[0-9a-z]{26}$/.test(id)) throw invalid('member.invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return id;
}

/** Called inside an enrolment's transaction with the new member's id and the request (referral codes, …). */
export type EnrolHook = (q: Queryable, programId: string, memberId: string, input: MemberCreate) => Promise<void>;

export function createMembersService(deps: { db: Db; clock: Clock; ids: Ids }) {
  const { db, clock, ids } = deps;
  const repo = membersRepo(db);
  /** Run inside every enrolment's transaction after the member is written (referrals); a throw refuses it. */
  const enrolHooks: EnrolHook[] = [];
  /** Joins the caller's transaction when given one, else runs in a new one. */
  const inTx = <T>(q: Queryable | undefined, fn: (q: Queryable) => Promise<T>) => (q ? fn(q) : db.tx(fn));

  async function mustGet(q: Queryable, programId: string, memberId: string, lock = false): Promise<Member> {
    const m = await repo.getMember(programId, memberId, q, { lock });
    if (!m) throw notFound('member.not_found', `No member ${memberId}`, 'member_id');
    return m;
  }

  async function claim(q: Queryable, programId: string, memberId: string, identities: FieldIdentity[], now: Date) {
    const inserted = await repo.insertIdentities(q, programId, memberId, identities, now);
    const won = new Set(inserted.map((i) => `${i.type}\n${i.value}`));
    const taken = identities.find((i) => !won.has(`${i.type}\n${i.value}`));
    if (taken) {
      throw conflict('member.identity_taken', `Another member already has this ${LABEL[taken.type]}`, { field: taken.field });
    }
  }

  return {
    /** Adds a hook that runs inside every enrolment's transaction, after the member and identities are written. */
    addEnrolHook(hook: EnrolHook) {
      enrolHooks.push(hook);
    },

    /** Enrols a member with at least one identity; 409 names the first identity another member holds. */
    async enrol(programId: string, input: MemberCreate, q?: Queryable): Promise<Member> {
      const now = clock.now();
      const fields: MemberFields = { ...applyProfile(BLANK, input, now), tags: checkTags(input.tags ?? []) };
      const identities: FieldIdentity[] = [];
      if (input.email != null) identities.push({ type: 'email', value: normaliseEmail(input.email), field: 'email' });
      if (input.phone != null) identities.push({ type: 'phone', value: normalisePhone(input.phone, fields.country), field: 'phone' });
      if (input.card_number != null) {
        identities.push({ type: 'card', value: normaliseCard(input.card_number), field: 'card_number' });
      }
      for (const [channel, { id, field }] of externalIds(input.external_ids ?? {})) {
        identities.push({ type: 'external', value: externalValue(channel, normaliseExternalId(id, field)), field });
      }
      if (identities.length === 0) throw identityRequired();
      const enrolledAt = input.enrolled_at === undefined ? now : new Date(input.enrolled_at);
      if (enrolledAt.getTime() > now.getTime() + CLOCK_SKEW_MS || enrolledAt.getUTCFullYear() < 1900) {
        throw invalid('member.invalid_enrolled_at', 'enrolled_at must be in the past', 'enrolled_at');
      }
      const id = ids.next('mbr');
      return inTx(q, async (t) => {
        await repo.insertMember(t, {
          ...fields,
          program_id: programId,
          id,
          enrolment_channel: input.enrolment_channel ?? null,
          enrolled_at: enrolledAt,
          now,
        });
        await claim(t, programId, id, identities, now);
        for (const hook of enrolHooks) await hook(t, programId, id, input);
        return mustGet(t, programId, id);
      });
    },

    async get(programId: string, memberId: string, q: Queryable = db): Promise<Member> {
      return mustGet(q, programId, memberId);
    },

    /**
     * Adds and removes tags in the caller's transaction (rules, referrals): one statement, no read-modify-write.
     * Returns whether the member's tags changed.
     */
    async changeTags(q: Queryable, programId: string, memberId: string, change: { add?: readonly string[]; remove?: readonly string[] }) {
      const add = checkTags([...(change.add ?? [])]);
      const remove = checkTags([...(change.remove ?? [])]);
      return repo.changeTags(q, programId, memberId, add, remove, clock.now());
    },

    /** Changes the profile and identities in one go; an erased member cannot be changed. */
    async update(programId: string, memberId: string, patch: MemberUpdate, q?: Queryable): Promise<Member> {
      const now = clock.now();
      return inTx(q, async (t) => {
        const cur = await mustGet(t, programId, memberId, true);
        if (cur.status === 'erased') throw conflict('member.erased', `Member ${memberId} was erased`, { field: 'member_id' });
        const fields = applyProfile(cur, patch, now);
        const removed = new Set(patch.remove_tags ?? []);
        fields.tags = checkTags([...(patch.tags ?? cur.tags), ...(patch.add_tags ?? [])].filter((tag) => !removed.has(tag)));
        fields.status = patch.status ?? cur.status;

        const remove: Identity[] = [];
        const add: FieldIdentity[] = [];
        const change = (type: IdentityType, field: string, current: string | null, next: string | null | undefined) => {
          if (next === undefined || next === current) return;
          if (current !== null) remove.push({ type, value: current });
          if (next !== null) add.push({ type, value: next, field });
        };
        change('email', 'email', cur.email, patch.email == null ? patch.email : normaliseEmail(patch.email));
        change('phone', 'phone', cur.phone, patch.phone == null ? patch.phone : normalisePhone(patch.phone, fields.country));
        change('card', 'card_number', cur.card_number, patch.card_number == null ? patch.card_number : normaliseCard(patch.card_number));
        for (const [channel, { id, field }] of externalIds(patch.external_ids ?? {})) {
          const current = cur.external_ids[channel];
          const next = id === null ? null : externalValue(channel, normaliseExternalId(id, field));
          change('external', field, current === undefined ? null : externalValue(channel, current), next);
        }
        if (identityCount(cur) - remove.length + add.length === 0) throw identityRequired();

        await repo.deleteIdentities(t, programId, memberId, remove);
        await claim(t, programId, memberId, add, now);
        await repo.updateMember(t, programId, memberId, { ...fields, now });
        return mustGet(t, programId, memberId);
      });
    },

    /**
     * GDPR erasure: the profile, tags, attributes and every identity go, consents turn off. The id stays so
     * the ledger still balances. Erasing an erased member changes nothing.
     */
    async erase(programId: string, memberId: string, q?: Queryable): Promise<Member> {
      const now = clock.now();
      return inTx(q, async (t) => {
        const cur = await mustGet(t, programId, memberId, true);
        if (cur.status === 'erased') return cur;
        // The refused events that named the member carry what they sent (an email, a phone): they go too.
        await repo.deleteRefusalsOf(t, programId, memberId);
        await repo.deleteAllIdentities(t, programId, memberId);
        await repo.updateMember(t, programId, memberId, { ...BLANK, status: 'erased', now });
        return mustGet(t, programId, memberId);
      });
    },

    async list(programId: string, query: MemberListQuery): Promise<MemberList> {
      const rows = await repo.listMembers(programId, {
        afterId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
        status: query.status,
        tag: query.tag,
        tier: query.tier,
        search: query.q,
        identity: query.identity === undefined ? undefined : parseIdentityFilter(query.identity),
        limit: query.limit + 1,
      });
      const data = rows.slice(0, query.limit);
      const last = data.at(-1);
      return { data, next_cursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
    },

    /**
     * The member an identity names, inside the caller's transaction: one query when the member exists. An
     * unknown identity enrols a member when `autoEnrol` (never for an id). Concurrent resolves of one new
     * identity end with one member: the identity is claimed with ON CONFLICT DO NOTHING and the loser re-reads.
     */
    /**
     * The existing members these references name, in two queries at most, keyed by `memberRefKey`; references
     * that name nobody, or are not well-formed, are left out. Batches use it to lock their members' accounts up
     * front and to skip resolving each event's member on its own.
     */
    async lookup(q: Queryable, programId: string, refs: readonly MemberRef[]): Promise<Map<string, { memberId: string; status: MemberStatus }>> {
      const found = new Map<string, { memberId: string; status: MemberStatus }>();
      const ids: string[] = [];
      const types: string[] = [];
      const values: string[] = [];
      for (const ref of refs) {
        if ('id' in ref) {
          ids.push(ref.id);
          continue;
        }
        try {
          const identity = refIdentity(ref);
          types.push(identity.type);
          values.push(identity.value);
        } catch {
          /* a malformed identity is refused when its event runs */
        }
      }
      if (ids.length) {
        for (const m of await repo.statusesByIds(q, programId, ids)) found.set(`id:${m.id}`, { memberId: m.id, status: m.status });
      }
      if (types.length) {
        for (const m of await repo.byIdentities(q, programId, types, values)) {
          found.set(`${m.type}:${m.value}`, { memberId: m.id, status: m.status });
        }
      }
      return found;
    },

    /**
     * A key per reference (by `memberRefKey`) that stays the same for one member from before its enrolment on:
     * the member's oldest identity, which is the identity an event enrolled it by, or its id if it has none;
     * a reference that names nobody yet keys by itself. Used to keep one member's queued events in order.
     */
    async routingKeys(q: Queryable, programId: string, refs: readonly MemberRef[]): Promise<Map<string, string>> {
      const keys = new Map<string, string>();
      const ids: string[] = [];
      const types: string[] = [];
      const values: string[] = [];
      for (const ref of refs) {
        const key = memberRefKey(ref);
        if (!key) continue;
        keys.set(key, key);
        if ('id' in ref) ids.push(ref.id);
        else {
          const identity = refIdentity(ref);
          types.push(identity.type);
          values.push(identity.value);
        }
      }
      if (keys.size === 0) return keys;
      for (const r of await repo.routingKeys(q, programId, ids, types, values)) keys.set(`${r.type}:${r.value}`, r.key);
      return keys;
    },

    /**
     * Sets the country of members whose country is unknown (an import that learns it from the orders); a
     * country the member already has is left as it is. `countries`: member id → ISO 3166-1 alpha-2 code.
     */
    async fillCountries(q: Queryable, programId: string, countries: ReadonlyMap<string, string>): Promise<number> {
      if (countries.size === 0) return 0;
      const rows = await q.query(
        `update members m set country = c.country, updated_at = $4
         from unnest($2::text[], $3::text[]) as c(id, country)
         where m.program_id = $1 and m.id = c.id and m.country is null and m.status <> 'erased'
         returning m.id`,
        [programId, pgArray([...countries.keys()]), pgArray([...countries.values()]), clock.now()],
      );
      return rows.length;
    },

    async resolve(
      q: Queryable,
      programId: string,
      ref: MemberRef,
      opts: { autoEnrol: boolean; channel?: string; at: Date },
    ): Promise<{ memberId: string; status: MemberStatus; enrolled: boolean }> {
      const unknown = () => notFound('member.not_found', 'No member has this identity', 'member');
      if ('id' in ref) {
        const m = await repo.findById(q, programId, ref.id);
        if (!m) throw unknown();
        return { memberId: m.id, status: m.status, enrolled: false };
      }
      const identity = refIdentity(ref);
      const found = await repo.findByIdentity(q, programId, identity);
      if (found) return { memberId: found.id, status: found.status, enrolled: false };
      if (!opts.autoEnrol) throw unknown();
      // A second round only if the member that won the race lost the identity again before we read it.
      for (let round = 0; round < 3; round++) {
        const id = ids.next('mbr');
        const enrolled = await repo.enrolWithIdentity(q, {
          program_id: programId,
          id,
          identity,
          enrolment_channel: opts.channel ?? null,
          enrolled_at: opts.at,
          now: clock.now(),
        });
        if (enrolled) return { memberId: id, status: 'active', enrolled: true };
        const winner = await repo.findByIdentity(q, programId, identity);
        if (winner) return { memberId: winner.id, status: winner.status, enrolled: false };
      }
      throw new Error(`member identity ${identity.type} kept changing hands while resolving it`);
    },
  };
}

export type MembersService = ReturnType<typeof createMembersService>;
