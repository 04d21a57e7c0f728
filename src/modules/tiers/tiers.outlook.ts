import type { Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import { DAY_MS } from '../../platform/clock.js';
import { invalid } from '../../platform/errors.js';
import type { Program } from '../programs/index.js';
import type { Scheme, TierConfig } from './tiers.config.js';
import { tiersRepo as repo } from './tiers.repo.js';
import { currentWindow, landing, qualifyingLevel, rankOf, reviewWindow } from './tiers.policy.js';

type Metric = (q: Queryable, programId: string, scheme: Scheme, memberId: string, range: { from: Date; to: Date | null }) => Promise<number>;

/** Rows of member_tiers read per database round trip while looking for downgrades. */
const SCAN_BATCH = 200;
/** Most member_tiers rows one request looks at: a page can come back short, its cursor goes on. */
const SCAN_MAX = 1000;

const encodeCursor = (at: Date, memberId: string) => Buffer.from(JSON.stringify([at.toISOString(), memberId]), 'utf8').toString('base64url');
function decodeCursor(cursor: string): { at: Date; memberId: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]))) {
      return { at: new Date(v[0]), memberId: v[1] };
    }
  } catch {
    /* falls through to the refusal */
  }
  throw invalid('tiers.invalid_cursor', 'cursor is not one this API returned', 'cursor');
}

/**
 * What the tier set-up looks like from above: how many members hold each level, and who will drop at their next
 * review if their metric stays where it is (the same arithmetic the review itself runs).
 */
export function createTierOutlook(deps: { clock: Clock; config: { get(q: Queryable, program: Program): Promise<TierConfig> }; metric: Metric }) {
  const { clock, config, metric } = deps;

  return {
    async summary(q: Queryable, program: Program) {
      const cfg = await config.get(q, program);
      const holders = await repo.holders(q, program.id);
      const counts = await repo.memberCounts(q, program.id);
      // A member without a tier row holds the base level when there is one (threshold 0), as everywhere else.
      const base = cfg.levels[0]?.threshold === 0 ? cfg.levels[0] : null;
      const levels = cfg.levels.map((l) => ({
        id: l.id,
        name: l.name,
        rank: l.rank,
        threshold: l.threshold,
        members: Number(holders.get(l.id) ?? 0) + (l === base ? counts.noRow : 0),
      }));
      const held = levels.reduce((n, l) => n + l.members, 0);
      return { members: counts.total, levels, no_tier: Math.max(0, counts.total - held) };
    },

    async downgrades(q: Queryable, program: Program, opts: { within_days: number; limit: number; cursor?: string }) {
      const cfg = await config.get(q, program);
      const scheme = cfg.scheme;
      if (!scheme || cfg.levels.length === 0) return { data: [], next_cursor: null };
      const now = clock.now();
      const until = new Date(now.getTime() + opts.within_days * DAY_MS);
      let after = opts.cursor ? decodeCursor(opts.cursor) : null;
      const data = [];
      let scanned = 0;
      let more = false;
      while (data.length < opts.limit && scanned < SCAN_MAX) {
        const rows = await repo.upcomingReviews(q, program.id, { graceDays: scheme.grace_days, until, after, limit: SCAN_BATCH });
        scanned += rows.length;
        more = rows.length === SCAN_BATCH;
        for (const r of rows) {
          after = { at: r.review_at, memberId: r.member_id };
          const current = cfg.levels.find((l) => l.id === r.level_id);
          if (!current) continue;
          const grant = r.granted_until !== null;
          const range = grant || !r.period_end ? currentWindow(scheme.window, now) : reviewWindow(scheme.window, r.period_end, scheme.grace_days);
          const value = await metric(q, program.id, scheme, r.member_id, range);
          const qualifying = qualifyingLevel(cfg.levels, value);
          if (rankOf(qualifying) >= current.rank) continue;
          const to = landing(cfg.levels, current, qualifying, scheme.soft_landing);
          data.push({
            member_id: r.member_id,
            name: [r.first_name, r.last_name].filter(Boolean).join(' ') || null,
            level: { id: current.id, name: current.name },
            to: to ? { id: to.id, name: to.name } : null,
            review_at: r.review_at.toISOString(),
            reason: grant ? ('grant' as const) : ('period' as const),
            metric_value: value,
            amount_needed: Math.max(0, current.threshold - value),
          });
          if (data.length === opts.limit) {
            more = more || rows.indexOf(r) < rows.length - 1;
            break;
          }
        }
        if (!more) break;
      }
      return { data, next_cursor: more && after ? encodeCursor(after.at, after.memberId) : null };
    },
  };
}
