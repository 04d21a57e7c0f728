/**
 * How a member's purchases become recommendations, apart from the database so that the offline evaluation
 * (bench/recommendations.eval.ts) ranks with the very same code.
 */

/** Purchases count half as much for every this many days they are older than the member's latest order. */
export const HALF_LIFE_DAYS = 90;
/** The member's skus named in `because`, the largest contributions first. */
const BECAUSE = 3;

export interface Bought {
  order_id: string;
  occurred_at: Date;
  sku: string;
}

export interface Similar {
  sku: string;
  other_sku: string;
  score: number;
}

/**
 * Scores every neighbour of what the member bought: Σ over the member's items i of weight(i) × sim(i, c),
 * where weight(i) sums 0.5^(age / HALF_LIFE_DAYS) over the orders holding i, the age counted back from the
 * member's latest order (a common factor for every candidate, so measuring from today ranks the same).
 * The items of the latest order are never recommended; with `includePurchased` false nothing bought is.
 * `bought` is newest order first.
 */
export function rankForMember(
  bought: readonly Bought[],
  neighbours: readonly Similar[],
  opts: { limit: number; includePurchased: boolean },
): { items: { sku: string; score: number; because: string[] }[]; excluded: Set<string> } {
  const excluded = new Set<string>();
  const weight = new Map<string, number>();
  if (bought.length === 0) return { items: [], excluded };
  const last = bought[0]!;
  const lastAt = new Date(last.occurred_at).getTime();
  const seen = new Set<string>();
  for (const b of bought) {
    if (b.order_id === last.order_id || opts.includePurchased === false) excluded.add(b.sku);
    const key = `${b.order_id}\u0000${b.sku}`;
    if (seen.has(key)) continue; // the same sku twice in one order counts once
    seen.add(key);
    const ageDays = Math.max(0, (lastAt - new Date(b.occurred_at).getTime()) / 86_400_000);
    weight.set(b.sku, (weight.get(b.sku) ?? 0) + 0.5 ** (ageDays / HALF_LIFE_DAYS));
  }
  const scores = new Map<string, { score: number; from: Map<string, number> }>();
  for (const n of neighbours) {
    const w = weight.get(n.sku);
    if (w === undefined || excluded.has(n.other_sku)) continue;
    let s = scores.get(n.other_sku);
    if (!s) scores.set(n.other_sku, (s = { score: 0, from: new Map() }));
    s.score += w * n.score;
    s.from.set(n.sku, (s.from.get(n.sku) ?? 0) + w * n.score);
  }
  const items = [...scores]
    .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1))
    .slice(0, opts.limit)
    .map(([sku, s]) => ({
      sku,
      score: Math.round(s.score * 1e6) / 1e6,
      because: [...s.from]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, BECAUSE)
        .map(([k]) => k),
    }));
  return { items, excluded };
}
