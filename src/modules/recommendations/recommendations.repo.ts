import { pgArray, type Queryable } from '../../platform/db.js';

export interface ModelRow {
  refreshed_at: Date;
  data_until: Date | null;
  baskets: number;
  skipped_baskets: number;
  items: number;
  pairs: number;
  min_support: number;
  top_k: number;
  max_basket: number;
  popular_days: number;
  /** Orders with lines in the popularity window: a popular item's score is its share of them. */
  popular_orders: number;
  duration_ms: number;
}

export interface RefreshParams {
  minSupport: number;
  topK: number;
  maxBasket: number;
  popularDays: number;
}

export interface NeighbourRow {
  sku: string;
  other_sku: string;
  score: number;
  support: number;
}

export interface ItemRow {
  sku: string;
  name: string | null;
  baskets: number;
  recent_orders: number;
}

/** One line of a member's orders, what they kept of it (refunded units taken off). */
export interface BoughtRow {
  order_id: string;
  occurred_at: Date;
  sku: string;
  name: string | null;
}

/**
 * The lines of one program's orders as baskets: one row per (order, sku) with units left after refunds. A
 * session's scratch table, dropped at commit; it is read only by the statements of the same refresh, each of
 * which names the program again in what it writes.
 */
const LINES = `
  create temp table rec_lines on commit drop as
  select o.id as basket, o.occurred_at as at, l ->> 'sku' as sku, max(l ->> 'name') as name
    from orders o cross join lateral jsonb_array_elements(case when jsonb_typeof(o.lines) = 'array' then o.lines else '[]'::jsonb end) l
   where o.program_id = $1
     and (l ->> 'quantity')::bigint > coalesce((l ->> 'refunded_quantity')::bigint, 0)
   group by o.id, o.occurred_at, l ->> 'sku'`;

const BASKETS = `
  create temp table rec_baskets on commit drop as
  select basket, count(*)::int as n from rec_lines group by basket`;

export const recommendationsRepo = {
  async model(q: Queryable, programId: string): Promise<ModelRow | null> {
    const [r] = await q.query<ModelRow>(`select * from recommendation_models where program_id = $1`, [programId]);
    return r ?? null;
  },

  /**
   * Rebuilds the program's model in the caller's transaction: item counts and popularity, then the pair
   * counting as a self-join of each basket's lines (baskets over maxBasket items are skipped: a basket of n
   * items makes n(n-1)/2 pairs, and the few huge wholesale orders say little about what goes with what).
   */
  async rebuild(q: Queryable, programId: string, p: RefreshParams) {
    await q.query(LINES, [programId]);
    await q.query(BASKETS);
    await q.query(`delete from item_similarities where program_id = $1`, [programId]);
    await q.query(`delete from recommendation_items where program_id = $1`, [programId]);
    const [span] = await q.query<{ data_until: Date | null; baskets: number; skipped: number }>(
      `select (select max(at) from rec_lines) as data_until,
              (select count(*) from rec_baskets where n <= $1)::int as baskets,
              (select count(*) from rec_baskets where n > $1)::int as skipped`,
      [p.maxBasket],
    );
    const since = new Date((span!.data_until ?? new Date(0)).getTime() - p.popularDays * 86_400_000);
    const [recent] = await q.query<{ n: number }>(`select count(distinct basket)::int as n from rec_lines where at > $1`, [since]);
    await q.query(
      `insert into recommendation_items (program_id, sku, name, baskets, recent_orders)
       select $1, l.sku, max(l.name), count(*) filter (where b.n <= $2)::int,
              count(*) filter (where l.at > $3)::int
         from rec_lines l join rec_baskets b on b.basket = l.basket
        group by l.sku`,
      [programId, p.maxBasket, since],
    );
    await q.query(
      `with kept as (
         select l.basket, l.sku from rec_lines l join rec_baskets b on b.basket = l.basket where b.n between 2 and $2
       ), pairs as (
         select a.sku as a, b.sku as b, count(*)::int as co
           from kept a join kept b on b.basket = a.basket and a.sku < b.sku
          group by a.sku, b.sku
         having count(*) >= $3
       ), directed as (
         select a as sku, b as other_sku, co from pairs union all select b, a, co from pairs
       ), scored as (
         select d.sku, d.other_sku, d.co, d.co / sqrt(i.baskets::float8 * j.baskets::float8) as score
           from directed d
           join recommendation_items i on i.program_id = $1 and i.sku = d.sku
           join recommendation_items j on j.program_id = $1 and j.sku = d.other_sku
       ), ranked as (
         select *, row_number() over (partition by sku order by score desc, co desc, other_sku) as rank from scored
       )
       insert into item_similarities (program_id, sku, other_sku, score, support)
       select $1, sku, other_sku, score, co from ranked where rank <= $4`,
      [programId, p.maxBasket, p.minSupport, p.topK],
    );
    const [counts] = await q.query<{ items: number; pairs: number }>(
      `select (select count(*) from recommendation_items where program_id = $1)::int as items,
              (select count(*) from item_similarities where program_id = $1)::int as pairs`,
      [programId],
    );
    return {
      data_until: span!.data_until,
      baskets: span!.baskets,
      skipped_baskets: span!.skipped,
      popular_orders: recent!.n,
      items: counts!.items,
      pairs: counts!.pairs,
    };
  },

  async saveModel(q: Queryable, programId: string, m: ModelRow) {
    await q.query(
      `insert into recommendation_models (program_id, refreshed_at, data_until, baskets, skipped_baskets, items, pairs, min_support, top_k, max_basket, popular_days, popular_orders, duration_ms)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       on conflict (program_id) do update set refreshed_at = excluded.refreshed_at, data_until = excluded.data_until, baskets = excluded.baskets,
         skipped_baskets = excluded.skipped_baskets, items = excluded.items, pairs = excluded.pairs, min_support = excluded.min_support,
         top_k = excluded.top_k, max_basket = excluded.max_basket, popular_days = excluded.popular_days, popular_orders = excluded.popular_orders,
         duration_ms = excluded.duration_ms`,
      [programId, m.refreshed_at, m.data_until, m.baskets, m.skipped_baskets, m.items, m.pairs, m.min_support, m.top_k, m.max_basket, m.popular_days, m.popular_orders, m.duration_ms],
    );
  },

  /**
   * Programs whose model is missing or older than `before` and that have had orders since it was made (or
   * ever, for a missing one): what the periodic round refreshes.
   */
  async due(q: Queryable, before: Date, programId?: string) {
    return q.query<{ id: string }>(
      `select p.id from programs p
        left join recommendation_models m on m.program_id = p.id
        where p.status = 'active' and ($2::text is null or p.id = $2)
          and (m.program_id is null or m.refreshed_at < $1)
          and exists (select 1 from orders o where o.program_id = p.id and (m.program_id is null or o.created_at > m.refreshed_at))
        order by p.id`,
      [before, programId ?? null],
    );
  },

  /** The lines of a member's most recent `orders` orders, newest first, with the units refunds left. */
  async bought(q: Queryable, programId: string, memberId: string, orders: number): Promise<BoughtRow[]> {
    return q.query<BoughtRow>(
      `select o.id as order_id, o.occurred_at, l ->> 'sku' as sku, l ->> 'name' as name
         from (select id, occurred_at, lines from orders where program_id = $1 and member_id = $2
                order by occurred_at desc, id desc limit $3) o
        cross join lateral jsonb_array_elements(case when jsonb_typeof(o.lines) = 'array' then o.lines else '[]'::jsonb end) l
        where (l ->> 'quantity')::bigint > coalesce((l ->> 'refunded_quantity')::bigint, 0)
        order by o.occurred_at desc, o.id desc`,
      [programId, memberId, orders],
    );
  },

  async neighbours(q: Queryable, programId: string, skus: readonly string[]): Promise<NeighbourRow[]> {
    if (skus.length === 0) return [];
    return q.query<NeighbourRow>(
      `select sku, other_sku, score, support from item_similarities where program_id = $1 and sku = any($2::text[])
        order by sku, score desc, other_sku`,
      [programId, pgArray(skus)],
    );
  },

  async items(q: Queryable, programId: string, skus: readonly string[]): Promise<ItemRow[]> {
    if (skus.length === 0) return [];
    return q.query<ItemRow>(`select sku, name, baskets, recent_orders from recommendation_items where program_id = $1 and sku = any($2::text[])`, [
      programId,
      pgArray(skus),
    ]);
  },

  /** The most-bought items of the last days of data, most orders first. */
  async popular(q: Queryable, programId: string, limit: number): Promise<ItemRow[]> {
    return q.query<ItemRow>(
      `select sku, name, baskets, recent_orders from recommendation_items where program_id = $1 and recent_orders > 0
        order by recent_orders desc, sku limit $2`,
      [programId, limit],
    );
  },
};
