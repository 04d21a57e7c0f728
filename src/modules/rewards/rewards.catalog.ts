import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import { invalid, notFound, unprocessable } from '../../platform/errors.js';
import type { Program } from '../programs/index.js';
import type { RewardCreate, RewardUpdate } from './rewards.contract.js';
import { rewardsRepo as repo, type RewardRow, type RewardWrite } from './rewards.repo.js';
import { rewardView } from './rewards.views.js';

const date = (s: string | null | undefined) => (s ? new Date(s) : null);

/**
 * Checks what the schema alone cannot: the fields a kind needs, the dates' order, the currency. Runs on the
 * whole reward after a change, so a PATCH cannot leave a reward incomplete either.
 */
function checkReward(program: Program, r: RewardWrite) {
  const need = (ok: unknown, field: string, what: string) => {
    if (!ok) throw invalid(`reward.${field}_required`, `A ${r.kind} reward needs ${what}`, field);
  };
  if (r.kind === 'discount_coupon') need(r.details.discount, 'discount', 'a discount (percent in basis points or an amount)');
  if (r.kind === 'free_product') need(r.details.sku, 'sku', 'the sku of the product');
  if (r.kind === 'partner_voucher') need(r.details.partner, 'partner', 'the partner');
  if (r.kind === 'charity_donation') need(r.details.cause, 'cause', 'the cause the points go to');
  if (r.kind !== 'discount_coupon' && r.details.discount) {
    throw invalid('reward.discount_not_applicable', 'Only a discount_coupon reward has a discount', 'discount');
  }
  if (!program.point_currencies.includes(r.points_currency)) {
    throw invalid('reward.unknown_currency', `The program has no point currency "${r.points_currency}"`, 'points_currency');
  }
  if (r.valid_from && r.valid_to && r.valid_to <= r.valid_from) {
    throw invalid('reward.invalid_validity', 'valid_to must be after valid_from', 'valid_to');
  }
}

export function createCatalog(deps: { db: Db; clock: Clock; ids: Ids }) {
  const { db, clock, ids } = deps;

  async function load(q: Queryable, program: Program, id: string, lock = false): Promise<RewardRow> {
    const r = await repo.getReward(q, program.id, id, lock);
    if (!r) throw notFound('reward.not_found', `No reward ${id}`, 'reward_id');
    return r;
  }

  return {
    load,

    async create(q: Queryable, program: Program, b: RewardCreate) {
      const w: RewardWrite = {
        id: ids.next('rwd'),
        name: b.name,
        description: b.description ?? null,
        kind: b.kind,
        details: { discount: b.discount ?? null, sku: b.sku ?? null, partner: b.partner ?? null, cause: b.cause ?? null },
        points_cost: b.points_cost,
        points_currency: b.points_currency ?? program.point_currencies[0]!,
        stock: b.stock ?? null,
        per_member_limit: b.per_member_limit ?? null,
        tier_level_ids: b.tier_level_ids ?? [],
        valid_from: date(b.valid_from),
        valid_to: date(b.valid_to),
        images: b.images ?? [],
        coupon: { valid_days: b.coupon?.valid_days ?? null, max_uses: b.coupon?.max_uses ?? 1, min_order_amount: b.coupon?.min_order_amount ?? null },
        metadata: b.metadata ?? {},
        status: b.status ?? 'active',
      };
      checkReward(program, w);
      await repo.insertReward(q, program.id, w, clock.now());
      return rewardView((await repo.getReward(q, program.id, w.id))!);
    },

    async update(q: Queryable, program: Program, id: string, b: RewardUpdate) {
      const cur = await load(q, program, id, true);
      const pick = <T,>(v: T | undefined, old: T) => (v === undefined ? old : v);
      const w: RewardWrite = {
        id,
        name: pick(b.name, cur.name),
        description: pick(b.description, cur.description),
        kind: cur.kind,
        details: {
          discount: pick(b.discount, cur.details.discount ?? null),
          sku: pick(b.sku, cur.details.sku ?? null),
          partner: pick(b.partner, cur.details.partner ?? null),
          cause: pick(b.cause, cur.details.cause ?? null),
        },
        points_cost: pick(b.points_cost, cur.points_cost),
        points_currency: pick(b.points_currency, cur.points_currency),
        stock: pick(b.stock, cur.stock),
        per_member_limit: pick(b.per_member_limit, cur.per_member_limit),
        tier_level_ids: pick(b.tier_level_ids, cur.tier_level_ids),
        valid_from: b.valid_from === undefined ? cur.valid_from : date(b.valid_from),
        valid_to: b.valid_to === undefined ? cur.valid_to : date(b.valid_to),
        images: pick(b.images, cur.images),
        coupon: b.coupon ? { ...cur.coupon, ...b.coupon } : cur.coupon,
        metadata: pick(b.metadata, cur.metadata),
        status: pick(b.status, cur.status),
      };
      checkReward(program, w);
      await repo.updateReward(q, program.id, w, clock.now());
      return rewardView((await repo.getReward(q, program.id, id))!);
    },

    async get(program: Program, id: string, q: Queryable = db) {
      return rewardView(await load(q, program, id));
    },

    async list(program: Program, f: { status?: string; kind?: string; limit: number; cursor?: string }) {
      const rows = await repo.listRewards(db, program.id, { status: f.status, kind: f.kind, after: f.cursor, limit: f.limit + 1 });
      const page = rows.slice(0, f.limit);
      return { data: page.map(rewardView), next_cursor: rows.length > f.limit ? page.at(-1)!.id : null };
    },

    /** Adds codes to a reward's pool; codes already pooled or already used as a coupon are skipped and listed. */
    async uploadCodes(q: Queryable, program: Program, id: string, codes: readonly string[]) {
      const r = await load(q, program, id, true);
      if (r.kind !== 'discount_coupon' && r.kind !== 'free_product' && r.kind !== 'partner_voucher') {
        throw unprocessable('reward.no_codes', `A ${r.kind} reward issues no coupon codes`, { field: 'reward_id' });
      }
      const unique = [...new Set(codes)];
      const added = new Set(await repo.insertCodes(q, program.id, id, unique, clock.now()));
      const after = (await repo.getReward(q, program.id, id))!;
      return { reward_id: id, added: added.size, skipped: unique.filter((c) => !added.has(c)), available: after.codes_available };
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
