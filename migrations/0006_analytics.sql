-- Analytics: guest purchases and the channel of each order, analysis jobs with their cached results,
-- per-member scores (RFM, churn, lifetime value) and saved segments.

-- A purchase without a member (a guest checkout) is kept for participation and guest-vs-member figures; it earns nothing.
alter table orders alter column member_id drop not null;
alter table orders add column channel text;
alter table orders add column store_id text;
create index orders_time on orders (program_id, occurred_at);

-- A long analysis (a model fit on a large program) runs as a job; its result is the cache for the same parameters.
create table analytics_jobs (
  program_id   text not null,
  id           text not null,
  kind         text not null,            -- clv | rfm | ...
  params       jsonb not null,
  params_key   text not null,            -- canonical form of params: equal parameters share a cached result
  status       text not null,            -- queued | running | succeeded | failed
  progress     jsonb not null default '{}',  -- {step, done, total}
  result       jsonb,
  error        jsonb,                    -- {code, message}
  created_at   timestamptz not null,
  started_at   timestamptz,
  finished_at  timestamptz,
  primary key (program_id, id)
);
create index analytics_jobs_cache on analytics_jobs (program_id, kind, params_key, finished_at desc);

-- Each member's latest scores, written by the clv job and the rfm scoring; segments and journeys read them.
create table member_scores (
  program_id          text not null,
  member_id           text not null,
  as_of               timestamptz not null,   -- the end of the data the scores describe
  computed_at         timestamptz not null,
  job_id              text,
  recency_score       smallint,               -- RFM quintile scores 1..5 (5 = most recent / most frequent / most spent)
  frequency_score     smallint,
  monetary_score      smallint,
  rfm_segment         text,
  repeat_purchases    integer,                -- x: purchase days after the first
  p_alive             double precision,       -- probabilities and expectations, not balances
  expected_purchases  double precision,       -- over the job's horizon
  expected_spend      bigint,                 -- expected average order value, minor units
  clv                 bigint,                 -- discounted lifetime value over the horizon, minor units
  churn_risk          text,                   -- low | medium | high | lost
  primary key (program_id, member_id)         -- no foreign key: derived data, rewritten by each scoring run
) with (fillfactor = 50);
-- Half-full pages let a scoring run update every row in place (HOT: no index entry written); the only index
-- is the key, as segments read scores by member.

create table segments (
  program_id   text not null,
  id           text not null,
  name         text not null,
  description  text,
  conditions   jsonb not null,
  created_at   timestamptz not null,
  updated_at   timestamptz not null,
  primary key (program_id, id),
  unique (program_id, name)
);
