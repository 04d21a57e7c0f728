-- Imports uploaded through the API (the console's Imports screen): the file itself is kept in the database, so
-- an upload survives a restart and any server process of the program can run it; what the run found (counts,
-- progress, the rejects file) is kept beside it.

create table imports (
  program_id   text not null references programs(id),
  id           text not null,
  kind         text not null,                 -- members | events
  name         text not null,                 -- the file's name, as uploaded
  format       text not null,                 -- csv | jsonl
  gzip         boolean not null default false,
  size         bigint not null,               -- bytes uploaded
  status       text not null,                 -- uploaded | queued | running | completed | failed
  columns      jsonb not null,                -- the CSV header, or the keys of the sample's JSON lines
  sample       jsonb not null,                -- the first rows, as objects
  total_rows   bigint,                        -- records the file holds (an estimate for gzip: null)
  mapping      jsonb,                         -- Patron field → column, as started
  options      jsonb,                         -- preset, rules, identity, time zone, as started
  progress     jsonb not null default '{}',   -- rows and bytes done so far
  counts       jsonb not null default '{}',   -- read, imported, duplicates, skipped, rejected
  summary      jsonb,                         -- the whole summary of a finished run
  error        jsonb,                         -- why a run failed: { code, message, field? }
  created_by   text not null,                 -- the actor who uploaded it (key or staff id)
  started_by   text,
  created_at   timestamptz not null,
  started_at   timestamptz,
  finished_at  timestamptz,
  -- Renewed while a run goes on: a run whose heartbeat stopped belonged to a process that is gone.
  heartbeat_at timestamptz,
  primary key (program_id, id)
);
create index imports_newest on imports (program_id, id desc);

-- The uploaded bytes, and the rejects file a run wrote (CSV: line, lines, id, code, field, message).
create table import_files (
  program_id text not null,
  import_id  text not null,
  content    bytea not null,
  rejects    bytea,
  primary key (program_id, import_id),
  foreign key (program_id, import_id) references imports (program_id, id) on delete cascade
);
