-- Events a request (or a NATS worker) refused for what they meant: an unknown, suspended or erased member, a
-- refund larger than its order, an unknown order, an id reused with another body, a date too far ahead, …
-- The refused event wrote nothing; this row is the diagnostic that lets staff answer "why did my purchase not
-- earn?" (GET /v1/event-refusals, the console's Events → Refused). Bodies that are not events at all (schema
-- 400s) and import rows (they have rejects.csv) are not kept. The maintenance job deletes rows after 90 days.

create table event_refusals (
  program_id  text not null,
  id          text not null,              -- erf_<ulid>
  event_id    text,                       -- the event's own id
  type        text not null,
  member_id   text,                       -- the member the event named, when one exists
  member_ref  jsonb,                      -- the member as the event named them
  member_key  text,                       -- that reference normalised (email:ann@example.com), for the member filter
  order_id    text,
  payload     jsonb not null,             -- the event as received, after parsing (no request headers)
  status      int not null,
  code        text not null,
  detail      text not null,
  field       text,
  source      text not null check (source in ('api', 'batch', 'stream')),
  occurred_at timestamptz,
  refused_at  timestamptz not null,
  primary key (program_id, id)
);

create index event_refusals_recent on event_refusals (program_id, refused_at desc, id desc);
create index event_refusals_event on event_refusals (program_id, event_id, refused_at);
