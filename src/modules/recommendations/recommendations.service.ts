import type { Db } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { notFound } from '../../platform/errors.js';
import type { Program } from '../programs/index.js';
import type { MembersService } from '../members/index.js';
import type { RecommendationModel, RecommendationsQuery, RefreshInput } from './recommendations.contract.js';
import { recommendationsRepo as repo, type ModelRow, type RefreshParams } from './recommendations.repo.js';
import { rankForMember } from './recommendations.score.js';

export const DEFAULT_PARAMS: RefreshParams = { minSupport: 3, topK: 20, maxBasket: 100, popularDays: 90 };
/** The periodic round remakes a model at most this often, and only after new orders came in. */
export const REFRESH_EVERY_MS = 24 * 3_600_000;
/** How many of a member's latest orders their recommendations are made from. */
const HISTORY_ORDERS = 50;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function modelView(m: ModelRow): RecommendationModel {
  return { ...m, refreshed_at: iso(m.refreshed_at)!, data_until: iso(m.data_until) };
}

/**
 * Item-to-item co-purchase recommendations: a refresh counts, per program, which items are bought together
 * in the same order (the basket) and keeps each item's top K neighbours by cosine similarity; a member's
 * recommendations add up the neighbours of what they bought.
 */
export function createRecommendationsService(deps: { db: Db; clock: Clock; members: MembersService; log: Logger }) {
  const { db, clock, members, log } = deps;

  async function refresh(programId: string, input: RefreshInput = {}): Promise<RecommendationModel> {
    return db.tx(async (q) => {
      // One refresh of a program at a time: a second one waits, then makes the model again from the data.
      await q.query(`select pg_advisory_xact_lock(hashtext('recommendations.refresh:' || $1::text))`, [programId]);
      const prev = await repo.model(q, programId);
      const p: RefreshParams = {
        minSupport: input.min_support ?? prev?.min_support ?? DEFAULT_PARAMS.minSupport,
        topK: input.top_k ?? prev?.top_k ?? DEFAULT_PARAMS.topK,
        maxBasket: input.max_basket ?? prev?.max_basket ?? DEFAULT_PARAMS.maxBasket,
        popularDays: input.popular_days ?? prev?.popular_days ?? DEFAULT_PARAMS.popularDays,
      };
      const started = performance.now();
      const built = await repo.rebuild(q, programId, p);
      const m: ModelRow = {
        refreshed_at: clock.now(),
        ...built,
        min_support: p.minSupport,
        top_k: p.topK,
        max_basket: p.maxBasket,
        popular_days: p.popularDays,
        duration_ms: Math.round(performance.now() - started),
      };
      await repo.saveModel(q, programId, m);
      return modelView(m);
    });
  }

  return {
    refresh,

    async model(programId: string) {
      const m = await repo.model(db, programId);
      return { model: m ? modelView(m) : null };
    },

    /** The periodic round: remakes the models that are a day old and have new orders (or were never made). */
    async refreshDue(opts: { programId?: string } = {}) {
      const due = await repo.due(db, new Date(clock.now().getTime() - REFRESH_EVERY_MS), opts.programId);
      const done: { program_id: string; pairs: number; duration_ms: number }[] = [];
      for (const { id } of due) {
        const m = await refresh(id);
        log.debug({ program_id: id, pairs: m.pairs, duration_ms: m.duration_ms }, 'recommendations refreshed');
        done.push({ program_id: id, pairs: m.pairs, duration_ms: m.duration_ms });
      }
      return done;
    },

    async item(programId: string, sku: string) {
      const [item] = await repo.items(db, programId, [sku]);
      if (!item) throw notFound('recommendations.item_not_found', `The model knows no item ${sku}`, 'sku');
      const rows = await repo.neighbours(db, programId, [sku]);
      const names = new Map((await repo.items(db, programId, rows.map((r) => r.other_sku))).map((i) => [i.sku, i.name]));
      return {
        ...item,
        neighbours: rows.map((r) => ({ sku: r.other_sku, name: names.get(r.other_sku) ?? null, score: r.score, support: r.support })),
      };
    },

    async forMember(program: Program, memberId: string, query: RecommendationsQuery) {
      await members.get(program.id, memberId);
      const model = await repo.model(db, program.id);
      if (!model) return { member_id: memberId, refreshed_at: null, data: [] };
      const bought = await repo.bought(db, program.id, memberId, HISTORY_ORDERS);
      const skus = [...new Set(bought.map((b) => b.sku))];
      const neighbours = await repo.neighbours(db, program.id, skus);
      const ranked = rankForMember(bought, neighbours, { limit: query.limit, includePurchased: query.include_purchased === 'true' });
      const data = [];
      const names = new Map((await repo.items(db, program.id, ranked.items.map((r) => r.sku))).map((i) => [i.sku, i.name]));
      for (const r of ranked.items) data.push({ sku: r.sku, name: names.get(r.sku) ?? null, score: r.score, reason: 'similar' as const, because: r.because });
      if (data.length < query.limit) {
        const taken = new Set([...ranked.excluded, ...data.map((d) => d.sku)]);
        const popular = await repo.popular(db, program.id, query.limit + taken.size);
        for (const p of popular) {
          if (data.length >= query.limit) break;
          if (taken.has(p.sku)) continue;
          const share = model.popular_orders > 0 ? p.recent_orders / model.popular_orders : 0;
          data.push({ sku: p.sku, name: p.name, score: Math.round(share * 1e6) / 1e6, reason: 'popular' as const, because: [] });
        }
      }
      return { member_id: memberId, refreshed_at: iso(model.refreshed_at), data };
    },
  };
}

export type RecommendationsService = ReturnType<typeof createRecommendationsService>;
