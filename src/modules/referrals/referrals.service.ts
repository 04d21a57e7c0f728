import { randomInt } from 'node:crypto';
import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import { conflict, invalid, notFound, unprocessable } from '../../platform/errors.js';
import type { ConfigStore, Program } from '../programs/index.js';
import type { MemberCreate, MembersService } from '../members/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { EventsService } from '../events/index.js';
import type {
  MemberReferral,
  Referral,
  ReferralCreate,
  ReferralListQuery,
  TopReferrersQuery,
  ReferralSettings,
  ReferralSettingsValue,
  StoredReferralSettings as Settings,
  Reward,
} from './referrals.contract.js';
import { referralsRepo as repo, type ReferralRow } from './referrals.repo.js';
import { createQualifier } from './referrals.qualify.js';

/** No 0/O, 1/I/L: a code read aloud or typed from a screen is not misread. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CODE_LENGTH = 8;
type SideReward = NonNullable<Settings['referrer_reward']>;

const DEFAULTS: Settings = {
  enabled: false,
  condition: { min_amount: 0, first_purchase: true, within_days: null },
  referrer_reward: null,
  referee_reward: null,
  cap_per_referrer: null,
  ambassador_threshold: null,
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** What a member types: case, spaces and dashes do not matter. */
const normaliseCode = (raw: string) => raw.replace(/[\s-]+/g, '').toUpperCase();

function newCode(): string {
  let s = '';
  for (let i = 0; i < CODE_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

function toReferral(r: ReferralRow): Referral {
  return {
    id: r.id,
    referrer_id: r.referrer_id,
    referee_id: r.referee_id,
    code: r.code,
    status: r.status,
    linked_via: r.linked_via,
    linked_at: iso(r.linked_at)!,
    qualified_at: iso(r.qualified_at),
    event_id: r.event_id,
    order_id: r.order_id,
    rewards: r.rewards as Referral['rewards'],
  };
}

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^ref_[0-9a-z]{26}$/.test(id)) throw invalid('referral.invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return id;
}

/**
 * Referrals: every member has a code; a member enrolled (or linked before a first purchase) with a code is
 * the code owner's referee. When the referee's purchase meets the program's condition, both sides are
 * credited, the referrer up to a cap, and a referrer with enough qualified referees becomes an ambassador.
 */
export function createReferralsService(deps: {
  db: Db;
  clock: Clock;
  ids: Ids;
  members: MembersService;
  ledger: LedgerService;
  events: EventsService;
  /** The programs' configuration snapshots: the referral settings are a part of them. */
  config: ConfigStore;
}) {
  const { db, clock, ids, members, ledger, events, config } = deps;
  const part = config.define('referrals', async (q, program): Promise<Settings & { updated_at: Date | null }> => {
    const row = await repo.settings(q, program.id);
    return row ? { ...(row.settings as Settings), updated_at: row.updated_at } : { ...DEFAULTS, updated_at: null };
  });

  /** The settings of the configuration snapshot `program` belongs to; `q` is the caller's transaction, if any. */
  const settingsOf = (q: Queryable, program: Program) => config.read(program, part, q);

  function reward(program: Program, r: Reward | null, field: string): SideReward | null {
    if (!r) return null;
    const currency = r.currency ?? program.point_currencies[0]!;
    if (!program.point_currencies.includes(currency)) {
      throw invalid('referral.unknown_currency', `The program has no point currency "${currency}"`, `${field}.currency`);
    }
    return { points: r.points, currency, pending_days: r.pending_days ?? 0 };
  }

  /** The member's code, made on first ask; a clash with another member's code draws again. */
  async function codeFor(q: Queryable, programId: string, memberId: string): Promise<string> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const have = await repo.codeOf(q, programId, memberId);
      if (have) return have.code;
      await repo.insertCode(q, programId, memberId, newCode(), clock.now());
    }
    throw new Error(`could not find a free referral code for ${memberId}`);
  }

  /**
   * Links `refereeId` to the owner of `rawCode`, refusing unknown codes, self-referral (the same member or a
   * shared identity), a member already referred, a loop, and a referee who has purchased. Errors name
   * `fields.code` or `fields.referee`.
   */
  async function link(
    q: Queryable,
    programId: string,
    refereeId: string,
    rawCode: string,
    via: 'enrolment' | 'link',
    fields: { code: string; referee: string },
  ): Promise<ReferralRow> {
    const code = normaliseCode(rawCode);
    const owner = code ? await repo.byCode(q, programId, code) : null;
    // An erased member's code refers nobody any more.
    const live = owner && (await members.get(programId, owner.member_id, q)).status !== 'erased';
    if (!owner || !live) throw unprocessable('referral.unknown_code', `No member has the referral code "${rawCode}"`, { field: fields.code });
    const referrerId = owner.member_id;
    const self = () => unprocessable('referral.self_referral', 'A member cannot refer themselves', { field: fields.referee });
    if (referrerId === refereeId || (await repo.shareIdentity(q, programId, referrerId, refereeId))) throw self();
    const already = await repo.ofReferee(q, programId, refereeId);
    if (already) {
      throw conflict('referral.already_referred', `The member was already referred (${already.id})`, {
        field: fields.referee,
        referral_id: already.id,
      });
    }
    if (await repo.referredBy(q, programId, referrerId, refereeId)) {
      throw unprocessable('referral.loop', 'The code’s owner was referred, directly or through others, by this member', {
        field: fields.referee,
      });
    }
    if ((await events.purchaseStats(q, programId, refereeId)).count > 0) {
      throw unprocessable('referral.referee_has_purchased', 'Only a member who has not purchased yet can be referred', {
        field: fields.referee,
      });
    }
    const row = await repo.insertReferral(q, {
      program_id: programId,
      id: ids.next('ref'),
      referrer_id: referrerId,
      referee_id: refereeId,
      code,
      linked_via: via,
      linked_at: clock.now(),
    });
    if (!row) throw conflict('referral.already_referred', 'The member was already referred', { field: fields.referee });
    return row;
  }

  return {
    async getSettings(q: Queryable, program: Program): Promise<ReferralSettings> {
      const s = await settingsOf(q, program);
      return { ...s, updated_at: iso(s.updated_at) };
    },

    async putSettings(q: Queryable, program: Program, input: ReferralSettingsValue): Promise<ReferralSettings> {
      const s: Settings = {
        enabled: input.enabled,
        condition: input.condition,
        referrer_reward: reward(program, input.referrer_reward, 'referrer_reward'),
        referee_reward: reward(program, input.referee_reward, 'referee_reward'),
        cap_per_referrer: input.cap_per_referrer,
        ambassador_threshold: input.ambassador_threshold,
      };
      const now = clock.now();
      await repo.saveSettings(q, program.id, s, now);
      await config.bump(q, program.id);
      return { ...s, updated_at: iso(now) };
    },

    async memberReferral(programId: string, memberId: string): Promise<MemberReferral> {
      return db.tx(async (q) => {
        await members.get(programId, memberId, q);
        const code = await codeFor(q, programId, memberId);
        const stats = { referred: 0, pending: 0, qualified: 0, rewarded: 0, capped: 0, lapsed: 0 };
        for (const { status, n } of await repo.stats(q, programId, memberId)) {
          stats.referred += n;
          stats[status] += n;
        }
        const rewarded = stats.qualified;
        stats.qualified = rewarded + stats.capped;
        stats.rewarded = rewarded;
        const by = await repo.ofReferee(q, programId, memberId);
        return {
          member_id: memberId,
          code,
          referred_by: by ? { referral_id: by.id, referrer_id: by.referrer_id, status: by.status } : null,
          stats,
        };
      });
    },

    /** POST /v1/referrals: links an existing member who has not purchased yet. */
    async create(q: Queryable, program: Program, body: ReferralCreate): Promise<Referral> {
      const m = await members.resolve(q, program.id, body.referee, { autoEnrol: false, at: clock.now() });
      if (m.status !== 'active') {
        throw unprocessable(`member.${m.status}`, `The member is ${m.status}`, { field: 'referee' });
      }
      return toReferral(await link(q, program.id, m.memberId, body.code, 'link', { code: 'code', referee: 'referee' }));
    },

    async get(programId: string, id: string): Promise<Referral> {
      const r = await repo.get(db, programId, id);
      if (!r) throw notFound('referral.not_found', `No referral ${id}`, 'referral_id');
      return toReferral(r);
    },

    /** The referrers with the most qualified referees, and how many are ambassadors. */
    async top(program: Program, query: TopReferrersQuery) {
      const { ambassador_threshold: threshold } = await settingsOf(db, program);
      const ambassadors = threshold === null ? 0 : await repo.countReferrers(db, program.id, threshold);
      if (query.only === 'ambassadors' && threshold === null) return { ambassador_threshold: null, ambassadors, data: [] };
      const min = query.only === 'ambassadors' && threshold !== null ? threshold : 1;
      const rows = await repo.top(db, program.id, min, query.limit);
      const data = rows.map((r) => ({
        member_id: r.member_id,
        name: [r.first_name, r.last_name].filter(Boolean).join(' ') || null,
        code: r.code,
        qualified: Number(r.qualified),
        rewarded: Number(r.rewarded),
        points_earned: Object.fromEntries(Object.entries(r.points ?? {}).map(([k, v]) => [k, Number(v)])),
        ambassador: threshold !== null && Number(r.qualified) >= threshold,
      }));
      return { ambassador_threshold: threshold, ambassadors, data };
    },

    async list(programId: string, query: ReferralListQuery) {
      const rows = await repo.list(db, programId, {
        referrer: query.referrer,
        referee: query.referee,
        status: query.status,
        afterId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
        limit: query.limit + 1,
      });
      const name = (first: string | null, last: string | null) => [first, last].filter(Boolean).join(' ') || null;
      const data = rows.slice(0, query.limit).map((r) => ({
        ...toReferral(r),
        referrer_name: name(r.referrer_first, r.referrer_last),
        referee_name: name(r.referee_first, r.referee_last),
      }));
      const last = data.at(-1);
      return { data, next_cursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
    },

    /** Enrolment hook: a `referral_code` links the new member; a refused code refuses the enrolment. */
    async onEnrol(q: Queryable, programId: string, memberId: string, input: MemberCreate) {
      if (input.referral_code === undefined) return;
      await link(q, programId, memberId, input.referral_code, 'enrolment', { code: 'referral_code', referee: 'referral_code' });
    },

    /** Events hook: the referee's qualifying purchase rewards both sides, once. */
    onEvent: createQualifier({ members, ledger, events, settingsOf }),
  };
}

export type ReferralsService = ReturnType<typeof createReferralsService>;
