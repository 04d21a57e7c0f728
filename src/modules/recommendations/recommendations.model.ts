import type { RefreshParams } from './recommendations.repo.js';
import type { Similar } from './recommendations.score.js';

/** One order: its id, when, and the skus it kept (after refunds). */
export interface Basket {
  id: string;
  at: Date;
  skus: readonly string[];
}

export interface MemoryModel {
  /** Per sku: baskets of at most maxBasket items holding it (n_i) and orders in the popularity window. */
  items: Map<string, { baskets: number; recent: number }>;
  /** Per sku its kept neighbours, best first. */
  neighbours: Map<string, (Similar & { support: number })[]>;
  popular: { sku: string; recent: number }[];
  popularOrders: number;
  baskets: number;
  skipped: number;
}

/**
 * The co-purchase model computed in memory the way recommendationsRepo.rebuild computes it in SQL (same
 * counts, same cosine, same ranks and ties): for the offline evaluation, which reads a CSV rather than a
 * database, and for the test that checks the two agree.
 */
export function buildModel(baskets: readonly Basket[], p: RefreshParams): MemoryModel {
  const items = new Map<string, { baskets: number; recent: number }>();
  const until = Math.max(...baskets.map((b) => b.at.getTime()), 0);
  const since = until - p.popularDays * 86_400_000;
  const co = new Map<string, Map<string, number>>();
  let kept = 0;
  let skipped = 0;
  let popularOrders = 0;
  for (const b of baskets) {
    const skus = [...new Set(b.skus)].sort();
    if (skus.length === 0) continue;
    const small = skus.length <= p.maxBasket;
    const recent = b.at.getTime() > since;
    if (small) kept++;
    else skipped++;
    if (recent) popularOrders++;
    for (const s of skus) {
      let it = items.get(s);
      if (!it) items.set(s, (it = { baskets: 0, recent: 0 }));
      if (small) it.baskets++;
      if (recent) it.recent++;
    }
    if (!small || skus.length < 2) continue;
    for (let i = 0; i < skus.length; i++) {
      let row = co.get(skus[i]!);
      if (!row) co.set(skus[i]!, (row = new Map()));
      for (let j = i + 1; j < skus.length; j++) row.set(skus[j]!, (row.get(skus[j]!) ?? 0) + 1);
    }
  }
  const all = new Map<string, (Similar & { support: number })[]>();
  const add = (sku: string, other: string, n: number) => {
    const score = n / Math.sqrt(items.get(sku)!.baskets * items.get(other)!.baskets);
    let list = all.get(sku);
    if (!list) all.set(sku, (list = []));
    list.push({ sku, other_sku: other, score, support: n });
  };
  for (const [a, row] of co)
    for (const [b, n] of row)
      if (n >= p.minSupport) {
        add(a, b, n);
        add(b, a, n);
      }
  // The SQL orders text by the database's collation; skus are ASCII codes, compared here by code unit.
  const neighbours = new Map<string, (Similar & { support: number })[]>();
  for (const [sku, list] of all) {
    list.sort((x, y) => y.score - x.score || y.support - x.support || (x.other_sku < y.other_sku ? -1 : 1));
    neighbours.set(sku, list.slice(0, p.topK));
  }
  const popular = [...items]
    .filter(([, v]) => v.recent > 0)
    .map(([sku, v]) => ({ sku, recent: v.recent }))
    .sort((x, y) => y.recent - x.recent || (x.sku < y.sku ? -1 : 1));
  return { items, neighbours, popular, popularOrders, baskets: kept, skipped };
}
