-- Recommendations: item-to-item co-purchase similarity, made from order lines by a refresh (a round of
-- `patron serve`, POST /v1/recommendations/refresh or `patron recommend`), read per member by
-- GET /v1/members/{id}/recommendations. Everything here is derived data, rewritten whole by each refresh.

-- One row per program: when the model was last made, from what, and the parameters the next refresh reuses.
create table recommendation_models (
  program_id        text not null primary key,
  refreshed_at      timestamptz not null,
  data_until        timestamptz,              -- the last order the model saw; null: no orders
  baskets           integer not null,         -- orders with at least one kept line and at most max_basket items
  skipped_baskets   integer not null,         -- orders over max_basket items, left out of the pair counting
  items             integer not null,
  pairs             integer not null,         -- pairs at or over min_support (both directions)
  min_support       integer not null,
  top_k             integer not null,
  max_basket        integer not null,
  popular_days      integer not null,
  popular_orders    integer not null,         -- orders in the last popular_days days of data
  duration_ms       integer not null
);

-- What the model knows of each item: a display name (the latest the lines carried), in how many baskets it
-- is, and in how many orders of the last `popular_days` days of data (the popularity fallback).
create table recommendation_items (
  program_id      text not null,
  sku             text not null,
  name            text,
  baskets         integer not null,
  recent_orders   integer not null,
  primary key (program_id, sku)
);
create index recommendation_items_popular on recommendation_items (program_id, recent_orders desc, sku);

-- The top K neighbours of each item: cosine over baskets, co(i,j) / sqrt(n_i * n_j), kept when the two were
-- bought together in at least min_support baskets.
create table item_similarities (
  program_id  text not null,
  sku         text not null,
  other_sku   text not null,
  score       double precision not null,   -- a similarity in (0, 1], not money
  support     integer not null,            -- baskets holding both
  primary key (program_id, sku, other_sku)
);
