-- Tiers: a qualification scheme per program, ordered levels, each member's current level and the history of changes.

-- How members qualify: one row per program.
create table tier_schemes (
  program_id     text not null,
  metric         text not null,      -- status_credits | spend | purchases
  window_type    text not null,      -- rolling | calendar_year
  window_months  integer,            -- rolling windows only
  grace_days     integer not null default 0,
  soft_landing   boolean not null default false,
  created_at     timestamptz not null,
  updated_at     timestamptz not null,
  primary key (program_id)
);

-- The levels. Their order (rank) is the order of their thresholds, so it is derived, not stored.
create table tier_levels (
  program_id  text not null,
  id          text not null,
  name        text not null,
  threshold   bigint not null check (threshold >= 0),
  benefits    jsonb not null default '{}',
  created_at  timestamptz not null,
  updated_at  timestamptz not null,
  primary key (program_id, id),
  unique (program_id, threshold)
);
create unique index tier_levels_name on tier_levels (program_id, lower(name));

-- Each member's current level. period_end: when the level is next reviewed (a downgrade can happen then, after
-- the grace period); granted_until: a manual grant holds the level until then.
create table member_tiers (
  program_id     text not null,
  member_id      text not null,
  level_id       text,               -- null: the member has dropped out of every level
  qualified_at   timestamptz not null,
  period_end     timestamptz,
  granted_until  timestamptz,
  grant_reason   text,
  updated_at     timestamptz not null,
  primary key (program_id, member_id)
);
create index member_tiers_level on member_tiers (program_id, level_id);
create index member_tiers_review on member_tiers (program_id, period_end) where level_id is not null;
create index member_tiers_grant on member_tiers (program_id, granted_until) where granted_until is not null;

-- Every change of a member's level, newest last: later journeys react to these.
create table tier_changes (
  program_id     text not null,
  id             text not null,
  member_id      text not null,
  from_level_id  text,
  from_name      text,
  to_level_id    text,
  to_name        text,
  reason         text not null,      -- upgrade | downgrade | grant | expiry
  metric_value   bigint,
  note           text,
  event_id       text,
  at             timestamptz not null,
  primary key (program_id, id)
);
create index tier_changes_member on tier_changes (program_id, member_id, id);
