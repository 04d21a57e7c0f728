/**
 * Offline evaluation of the co-purchase recommendations on Online Retail (datasets/online-retail), with a
 * time split: the model and each customer's history are the invoices up to 2011-09-30; what a customer bought
 * after is the test. For every customer with history and at least one item in the test they had not bought
 * before, ten recommendations are made and scored against those new items:
 *   hit rate@10  share of customers with at least one of their new items among the ten;
 *   recall@10    mean share of a customer's new items found among the ten.
 * Against the most-popular baseline (the items in most orders of the last 90 days of training data, less
 * what the customer bought: the same exclusion the recommender has).
 *
 * The model is built in memory (recommendations.model.ts: the same counts, cosine, ranks and ties as the
 * SQL refresh, checked against it in recommendations.model.test.ts) and members are ranked by the very code
 * the API uses (rankForMember). With `--sql` the training orders are also written to an in-memory PGlite and
 * the SQL refresh is timed and compared with the in-memory model.
 *
 *   npm run eval:recommendations [-- --sql] [--min-support 3] [--top-k 20] [--max-basket 100]
 *
 * Prints JSON lines. Baskets are invoices (the unit the shop recorded; a customer's day merges invoices
 * rarely); cancellations (C…) and lines with no positive quantity are left out.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { buildModel, type Basket } from '../src/modules/recommendations/recommendations.model.js';
import { rankForMember, type Bought } from '../src/modules/recommendations/recommendations.score.js';
import { DEFAULT_PARAMS } from '../src/modules/recommendations/recommendations.service.js';
import type { RefreshParams } from '../src/modules/recommendations/recommendations.repo.js';

const FILE = 'datasets/online-retail/online-retail.csv.gz';
const SPLIT = '2011-10-01'; // train: invoices dated before (to 2011-09-30 inclusive)
const K = 10;
const HISTORY_ORDERS = 50;

const args = process.argv.slice(2);
const arg = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const params: RefreshParams = {
  minSupport: arg('--min-support', DEFAULT_PARAMS.minSupport),
  topK: arg('--top-k', DEFAULT_PARAMS.topK),
  maxBasket: arg('--max-basket', DEFAULT_PARAMS.maxBasket),
  popularDays: DEFAULT_PARAMS.popularDays,
};
const emit = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

interface Invoice {
  id: string;
  at: Date;
  customer: string | null;
  lines: Map<string, string>; // sku → description
}

function load(): Invoice[] {
  const rows = parse(gunzipSync(readFileSync(FILE)), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const byId = new Map<string, Invoice>();
  for (const r of rows) {
    const id = r.InvoiceNo!;
    if (id.startsWith('C') || !(Number(r.Quantity) > 0)) continue;
    let inv = byId.get(id);
    if (!inv) {
      // UK local time; as UTC the order of invoices, the split and the 90 days are all the same to a day.
      inv = { id, at: new Date(`${r.InvoiceDate!.replace(' ', 'T')}Z`), customer: r.CustomerID ? String(Math.round(Number(r.CustomerID))) : null, lines: new Map() };
      byId.set(id, inv);
    }
    inv.lines.set(r.StockCode!, r.Description ?? '');
  }
  return [...byId.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : 1));
}

const t0 = performance.now();
const invoices = load();
const split = new Date(`${SPLIT}T00:00:00Z`);
const train = invoices.filter((i) => i.at < split);
const test = invoices.filter((i) => i.at >= split);
const baskets: Basket[] = train.map((i) => ({ id: i.id, at: i.at, skus: [...i.lines.keys()] }));
emit({ bench: 'recommendations', step: 'load', invoices: invoices.length, train_invoices: train.length, test_invoices: test.length, seconds: +((performance.now() - t0) / 1000).toFixed(2) });

const t1 = performance.now();
const model = buildModel(baskets, params);
let pairs = 0;
for (const l of model.neighbours.values()) pairs += l.length;
emit({ bench: 'recommendations', step: 'model', engine: 'memory', ...params, baskets: model.baskets, skipped_baskets: model.skipped, items: model.items.size, pairs, seconds: +((performance.now() - t1) / 1000).toFixed(2) });

// Each customer's training history, newest first, and their test items.
const history = new Map<string, Invoice[]>();
for (const i of train) if (i.customer) (history.get(i.customer) ?? history.set(i.customer, []).get(i.customer)!).push(i);
const later = new Map<string, Set<string>>();
for (const i of test) if (i.customer) for (const s of i.lines.keys()) (later.get(i.customer) ?? later.set(i.customer, new Set()).get(i.customer)!).add(s);

function popularFill(out: string[], taken: Set<string>) {
  for (const p of model.popular) {
    if (out.length >= K) break;
    if (!taken.has(p.sku) && !out.includes(p.sku)) out.push(p.sku);
  }
  return out;
}

const score = { recommender: { hits: 0, recall: 0, from_similar: 0 }, popular: { hits: 0, recall: 0 } };
let members = 0;
let members_all = 0;
for (const [customer, orders] of history) {
  const bought = new Set(orders.flatMap((o) => [...o.lines.keys()]));
  const target = [...(later.get(customer) ?? [])].filter((s) => !bought.has(s));
  if (later.has(customer)) members_all++;
  if (target.length === 0) continue;
  members++;
  const recent: Bought[] = orders
    .slice(-HISTORY_ORDERS)
    .reverse()
    .flatMap((o) => [...o.lines.keys()].map((sku) => ({ order_id: o.id, occurred_at: o.at, sku })));
  const neighbours = [...new Set(recent.map((b) => b.sku))].flatMap((s) => model.neighbours.get(s) ?? []);
  const ranked = rankForMember(recent, neighbours, { limit: K, includePurchased: false });
  const recs = ranked.items.map((r) => r.sku);
  score.recommender.from_similar += recs.length;
  popularFill(recs, ranked.excluded);
  const base = popularFill([], bought);
  const tally = (list: string[], into: { hits: number; recall: number }) => {
    const found = list.filter((s) => target.includes(s)).length;
    if (found > 0) into.hits++;
    into.recall += found / target.length;
  };
  tally(recs, score.recommender);
  tally(base, score.popular);
}

const result = (name: string, s: { hits: number; recall: number }) => ({
  bench: 'recommendations',
  step: 'evaluation',
  method: name,
  split: SPLIT,
  k: K,
  members,
  hit_rate_at_10: +(s.hits / members).toFixed(4),
  recall_at_10: +(s.recall / members).toFixed(4),
});
emit({ ...result('co-purchase', score.recommender), similar_share: +(score.recommender.from_similar / (members * K)).toFixed(4) });
emit(result('most-popular', score.popular));
emit({
  bench: 'recommendations',
  step: 'summary',
  members_with_history_and_test: members_all,
  members_evaluated: members,
  hit_rate_lift: +(score.recommender.hits / score.popular.hits).toFixed(3),
  recall_lift: +(score.recommender.recall / score.popular.recall).toFixed(3),
  beats_baseline: score.recommender.hits > score.popular.hits && score.recommender.recall > score.popular.recall,
});

if (args.includes('--sql')) await sqlRefresh();

/** Writes the training invoices as orders to an in-memory PGlite, times the SQL refresh, compares the models. */
async function sqlRefresh() {
  const { openDb } = await import('../src/platform/db.js');
  const { migrate } = await import('../src/platform/migrate.js');
  const { recommendationsRepo } = await import('../src/modules/recommendations/recommendations.repo.js');
  const db = await openDb({});
  await migrate(db);
  const pid = 'prg_eval';
  const tw = performance.now();
  for (let i = 0; i < train.length; i += 2000) {
    const chunk = train.slice(i, i + 2000).map((o) => ({
      id: o.id,
      member_id: o.customer ? `online-retail:${o.customer}` : null,
      at: o.at.toISOString(),
      lines: [...o.lines].map(([sku, name]) => ({ sku, name, quantity: 1, unit_price: 0, refunded_quantity: 0 })),
    }));
    await db.query(
      `insert into orders (program_id, id, member_id, event_id, currency, amount, lines, occurred_at, created_at)
       select $1, x.id, x.member_id, x.id, 'GBP', 0, x.lines, x.at, x.at from jsonb_to_recordset($2::jsonb) as x(id text, member_id text, at timestamptz, lines jsonb)`,
      [pid, JSON.stringify(chunk)],
    );
  }
  emit({ bench: 'recommendations', step: 'sql_load', orders: train.length, seconds: +((performance.now() - tw) / 1000).toFixed(1) });
  const ts = performance.now();
  const built = await db.tx((q) => recommendationsRepo.rebuild(q, pid, params));
  const seconds = +((performance.now() - ts) / 1000).toFixed(1);
  const rows = await db.query<{ sku: string; other_sku: string; score: number; support: number }>(
    `select sku, other_sku, score, support from item_similarities where program_id = $1 order by sku, score desc, support desc, other_sku`,
    [pid],
  );
  let same = rows.length === pairs;
  const bySku = new Map<string, typeof rows>();
  for (const r of rows) (bySku.get(r.sku) ?? bySku.set(r.sku, []).get(r.sku)!).push(r);
  for (const [sku, list] of model.neighbours) {
    const got = bySku.get(sku) ?? [];
    if (got.length !== list.length || list.some((n, i) => n.other_sku !== got[i]!.other_sku || n.support !== got[i]!.support || Math.abs(n.score - got[i]!.score) > 1e-12)) same = false;
  }
  emit({ bench: 'recommendations', step: 'model', engine: 'sql (PGlite)', ...params, baskets: built.baskets, skipped_baskets: built.skipped_baskets, items: built.items, pairs: built.pairs, seconds, agrees_with_memory: same });
  await db.close();
}
