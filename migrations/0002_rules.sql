-- Earning rules: the rule as it stands (its current version), every version it had, and usage counters for
-- its limits. Rules are data: the definition (trigger, conditions, effects, limits, priority, stacking,
-- effective dates) is one jsonb document validated by the API before it is stored.

create table rules (
  program_id  text not null references programs (id),
  id          text not null,
  version     integer not null,          -- the current version
  status      text not null,             -- draft | active | archived
  definition  jsonb not null,            -- the current version's definition
  created_at  timestamptz not null,
  updated_at  timestamptz not null,
  primary key (program_id, id)
);
create index rules_status on rules (program_id, status, id);

-- Editing an active rule adds a version; a draft is edited in place. The ledger names the version that paid.
create table rule_versions (
  program_id  text not null,
  rule_id     text not null,
  version     integer not null,
  definition  jsonb not null,
  created_at  timestamptz not null,
  primary key (program_id, rule_id, version)
);

-- What a rule has paid, per member and period ('day:2026-01-05', 'week:2026-01-05', 'month:2026-01',
-- 'year:2026', 'lifetime'), and in total for its budget (member_id '' and period 'budget'). Updated in the
-- event's own transaction, under the row lock that insert … on conflict takes.
create table rule_usage (
  program_id  text not null,
  rule_id     text not null,
  member_id   text not null,
  period      text not null,
  points      bigint not null default 0,
  times       bigint not null default 0,
  primary key (program_id, rule_id, member_id, period)
);
