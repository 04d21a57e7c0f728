import type { Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import { conflict, invalid, notFound, unprocessable } from '../../platform/errors.js';
import type { ConfigStore, Program } from '../programs/index.js';
import type { LevelCreate, LevelUpdate, SchemePut } from './tiers.contract.js';
import { tiersRepo as repo, type LevelRow, type SchemeRow } from './tiers.repo.js';
import type { RankedLevel, TierWindow } from './tiers.policy.js';

/** The point currency the status_credits metric counts. */
export const STATUS_CURRENCY = 'status_credits';

export interface Scheme {
  metric: SchemeRow['metric'];
  window: TierWindow;
  grace_days: number;
  soft_landing: boolean;
  created_at: Date;
  updated_at: Date;
}

export type Level = RankedLevel & { created_at: Date; updated_at: Date };

/** A program's tier set-up: the scheme (null until PUT) and the levels, lowest first, ranked 1…n. */
/** Which of some reward ids name no reward of the program (the rewards module answers). */
export type UnknownRewards = (q: Queryable, programId: string, ids: readonly string[]) => Promise<Set<string>>;

export interface TierConfig {
  scheme: Scheme | null;
  levels: Level[];
}

const iso = (d: Date) => d.toISOString();

function schemeOf(r: SchemeRow): Scheme {
  return {
    metric: r.metric,
    window: r.window_type === 'rolling' ? { type: 'rolling', months: r.window_months ?? 12 } : { type: 'calendar_year' },
    grace_days: r.grace_days,
    soft_landing: r.soft_landing,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

const ranked = (rows: LevelRow[]): Level[] => rows.map((r, i) => ({ ...r, rank: i + 1 }));

export const schemeView = (s: Scheme) => ({ ...s, created_at: iso(s.created_at), updated_at: iso(s.updated_at) });
export const levelView = (l: Level, members?: number) => ({
  id: l.id,
  name: l.name,
  threshold: l.threshold,
  rank: l.rank,
  benefits: l.benefits,
  ...(members !== undefined ? { members } : {}),
  created_at: iso(l.created_at),
  updated_at: iso(l.updated_at),
});

/**
 * Tier configuration as data: the scheme and levels of each program, a part of its configuration snapshot.
 * Every change raises the program's configuration version in its transaction. Writes read the database under a
 * lock, never the snapshot.
 */
export function createTierConfig(deps: { clock: Clock; ids: Ids; config: ConfigStore; unknownRewards?: UnknownRewards }) {
  const { clock, ids, config } = deps;

  /** The rewards a level's benefits name must be the program's: refused when written, naming the benefit. */
  async function checkBenefits(q: Queryable, programId: string, benefits: Record<string, unknown> | undefined) {
    if (!benefits || !deps.unknownRewards) return;
    const refs: { id: string; field: string }[] = [];
    if (typeof benefits.birthday_gift_reward_id === 'string') refs.push({ id: benefits.birthday_gift_reward_id, field: 'benefits.birthday_gift_reward_id' });
    if (Array.isArray(benefits.reward_ids)) {
      benefits.reward_ids.forEach((id, i) => typeof id === 'string' && refs.push({ id, field: `benefits.reward_ids.${i}` }));
    }
    if (!refs.length) return;
    const missing = await deps.unknownRewards(q, programId, refs.map((r) => r.id));
    const bad = refs.find((r) => missing.has(r.id));
    if (bad) throw invalid('tiers.unknown_reward', `The program has no reward ${bad.id}`, bad.field);
  }

  async function read(q: Queryable, programId: string, lock = false): Promise<TierConfig> {
    if (lock) await repo.lockConfig(q, programId);
    const s = await repo.scheme(q, programId);
    return { scheme: s ? schemeOf(s) : null, levels: ranked(await repo.levels(q, programId)) };
  }

  const part = config.define('tiers', (q, program) => read(q, program.id));
  const changed = (q: Queryable, programId: string) => config.bump(q, programId);

  async function findLevel(q: Queryable, programId: string, id: string, lock = false) {
    const cfg = await read(q, programId, lock);
    const level = cfg.levels.find((l) => l.id === id);
    if (!level) throw notFound('tiers.level_not_found', `No tier level ${id}`, 'level_id');
    return { cfg, level };
  }

  function checkUnique(levels: readonly Level[], l: { id?: string; name: string; threshold: number }) {
    const others = levels.filter((o) => o.id !== l.id);
    if (others.some((o) => o.name.toLowerCase() === l.name.toLowerCase())) {
      throw conflict('tiers.level_name_taken', `A level is already called "${l.name}"`, { field: 'name' });
    }
    if (others.some((o) => o.threshold === l.threshold)) {
      throw conflict('tiers.threshold_taken', `Another level already has threshold ${l.threshold}`, { field: 'threshold' });
    }
  }

  /** Where a threshold lands among `levels` (1 = lowest). */
  const positionOf = (levels: readonly Level[], threshold: number) => levels.filter((o) => o.threshold < threshold).length + 1;

  function orderError(levels: readonly Level[], rank: number) {
    const below = levels[rank - 2];
    const above = levels[rank - 1];
    const range = [below ? `above ${below.threshold} (${below.name})` : undefined, above ? `below ${above.threshold} (${above.name})` : undefined]
      .filter(Boolean)
      .join(' and ');
    return unprocessable('tiers.threshold_order', `A level at rank ${rank} needs a threshold ${range || 'of any value'}`, {
      field: 'threshold',
      rank,
    });
  }

  return {
    /** The tier configuration of the snapshot `program` belongs to; `q` is the caller's transaction, if any. */
    get: (q: Queryable, program: Program): Promise<TierConfig> => config.read(program, part, q),

    /** The tier configuration in force for a program known by id (maintenance). */
    async current(programId: string): Promise<TierConfig> {
      return part.of(await config.get(programId));
    },

    async putScheme(q: Queryable, program: Program, s: SchemePut) {
      await repo.lockConfig(q, program.id);
      if (s.metric === 'status_credits' && !program.point_currencies.includes(STATUS_CURRENCY)) {
        throw unprocessable('tiers.no_status_credits', `The program has no "${STATUS_CURRENCY}" point currency to qualify on`, {
          field: 'metric',
        });
      }
      const row = await repo.putScheme(
        q,
        program.id,
        {
          metric: s.metric,
          window_type: s.window.type,
          window_months: s.window.type === 'rolling' ? s.window.months : null,
          grace_days: s.grace_days,
          soft_landing: s.soft_landing,
        },
        clock.now(),
      );
      await changed(q, program.id);
      return schemeView(schemeOf(row));
    },

    async scheme(q: Queryable, programId: string) {
      const cfg = await read(q, programId);
      if (!cfg.scheme) throw notFound('tiers.no_scheme', 'This program has no tier scheme yet: PUT /v1/tiers/scheme', 'scheme');
      return schemeView(cfg.scheme);
    },

    async levels(q: Queryable, programId: string) {
      const cfg = await read(q, programId);
      const holders = await repo.holders(q, programId);
      return cfg.levels.map((l) => levelView(l, holders.get(l.id) ?? 0));
    },

    async level(q: Queryable, programId: string, id: string) {
      const { level } = await findLevel(q, programId, id);
      return levelView(level, (await repo.holders(q, programId)).get(id) ?? 0);
    },

    /** Adds a level anywhere in the order; a given rank must agree with where the threshold puts it. */
    async createLevel(q: Queryable, programId: string, c: LevelCreate) {
      const cfg = await read(q, programId, true);
      checkUnique(cfg.levels, c);
      await checkBenefits(q, programId, c.benefits);
      const position = positionOf(cfg.levels, c.threshold);
      if (c.rank !== undefined && c.rank !== position) throw orderError(cfg.levels, Math.min(c.rank, cfg.levels.length + 1));
      const now = clock.now();
      await repo.insertLevel(q, programId, { id: ids.next('tir'), name: c.name, threshold: c.threshold, benefits: c.benefits ?? {}, created_at: now, updated_at: now });
      await changed(q, programId);
      const after = await read(q, programId);
      return levelView(after.levels[position - 1]!, 0);
    },

    /** Edits a level in place: a new threshold must keep the level's rank (members' order never flips). */
    async updateLevel(q: Queryable, programId: string, id: string, u: LevelUpdate) {
      const { cfg, level } = await findLevel(q, programId, id, true);
      const next = { ...level, name: u.name ?? level.name, threshold: u.threshold ?? level.threshold, benefits: u.benefits ?? level.benefits };
      checkUnique(cfg.levels, next);
      await checkBenefits(q, programId, u.benefits);
      const others = cfg.levels.filter((l) => l.id !== id);
      if (positionOf(others, next.threshold) !== level.rank) throw orderError(others, level.rank);
      await repo.updateLevel(q, programId, { ...next, updated_at: clock.now() });
      await changed(q, programId);
      const after = await findLevel(q, programId, id);
      return levelView(after.level, (await repo.holders(q, programId)).get(id) ?? 0);
    },

    /** Removes a level nobody holds; its past appearances in tier history keep their names. */
    async deleteLevel(q: Queryable, programId: string, id: string) {
      await findLevel(q, programId, id, true);
      const holders = (await repo.holders(q, programId)).get(id) ?? 0;
      if (holders > 0) {
        throw conflict('tiers.level_in_use', `${holders} member${holders === 1 ? ' holds' : 's hold'} this level; move them first`, {
          field: 'level_id',
          members: holders,
        });
      }
      await repo.deleteLevel(q, programId, id);
      await changed(q, programId);
      return { id, deleted: true as const };
    },
  };
}

export type TierConfigStore = ReturnType<typeof createTierConfig>;
