-- Engagement (issue 13): the happenings outbox, journeys with their versions, and each member's place in them.

-- What other parts react to, written in the transaction that caused it (a transactional outbox): an applied
-- event, a tier change, … `xid` is the writing transaction's id: a consumer reads only rows of transactions
-- older than every one still running (pg_snapshot_xmin), in (xid, seq) order, so a row committed late is
-- never skipped. Consumers keep their place in happening_cursors and move it in the transaction that did the work.
create table happenings (
  program_id  text not null,
  seq         bigserial not null,
  xid         xid8 not null default pg_current_xact_id(),
  kind        text not null,           -- event | tier_changed | …
  member_id   text,
  ref         text,                    -- the event id (kind event), …
  data        jsonb not null default '{}',
  occurred_at timestamptz not null,
  created_at  timestamptz not null,
  primary key (seq)
);
create index happenings_order on happenings (xid, seq);

create table happening_cursors (
  consumer  text primary key,
  last_xid  xid8 not null default '0',
  last_seq  bigint not null default 0,
  updated_at timestamptz not null default now()
);

-- A journey: its name and state; what it does is its current version's definition (steps, trigger, goal).
-- Editing an active journey makes a new version; members in flight finish the version they entered.
create table journeys (
  program_id  text not null,
  id          text not null,           -- jrn_<ulid>
  name        text not null,
  status      text not null check (status in ('draft', 'active', 'paused', 'archived')),
  version     int not null,            -- the version new entrants take
  created_at  timestamptz not null,
  updated_at  timestamptz not null,
  primary key (program_id, id)
);
create unique index journeys_name on journeys (program_id, lower(name)) where status <> 'archived';

create table journey_versions (
  program_id  text not null,
  journey_id  text not null,
  version     int not null,
  definition  jsonb not null,
  created_at  timestamptz not null,
  created_by  text,
  primary key (program_id, journey_id, version)
);

-- A member's pass through a journey (one per entry). `holdout`: chosen deterministically per member and
-- journey; such a run passes through without being contacted. A waiting run is due at `due_at` (a wait, a
-- timeout of a wait for an event, a message held by quiet hours); `waiting_for` names the event type it waits for.
create table journey_runs (
  program_id   text not null,
  id           text not null,          -- jrr_<ulid>
  journey_id   text not null,
  version      int not null,
  member_id    text not null,
  holdout      boolean not null,
  status       text not null check (status in ('active', 'waiting', 'completed', 'exited')),
  step         text,                   -- the step it is at (waiting) or ran last
  visits       int not null default 0, -- steps run: the idempotency key of each step's effect includes it
  due_at       timestamptz,
  waiting_for  text,
  entered_at   timestamptz not null,
  trigger_ref  text,                   -- what let it in (the event id, …)
  goal_until   timestamptz,            -- a conversion counts until then
  converted_at timestamptz,
  conversion_ref text,
  ended_at     timestamptz,
  end_reason   text,                   -- exit step, goal, completed, …
  updated_at   timestamptz not null,
  primary key (program_id, id)
);
create index journey_runs_due on journey_runs (due_at) where status = 'waiting';
create index journey_runs_member on journey_runs (program_id, member_id, journey_id);
create index journey_runs_open on journey_runs (program_id, member_id) where ended_at is null or (converted_at is null and goal_until is not null);
create index journey_runs_journey on journey_runs (program_id, journey_id, entered_at);

-- What each step did for a run, in order: for the report (sends per step, branches taken) and the run's history.
create table journey_steps (
  program_id text not null,
  run_id     text not null,
  visit      int not null,
  step       text not null,
  kind       text not null,
  outcome    jsonb not null default '{}',
  at         timestamptz not null,
  primary key (program_id, run_id, visit)
);
