-- The event log of the console (GET /v1/events): newest first by when the event happened, optionally of one
-- type. The member filter uses events_member (0001).
create index events_recent on events (program_id, occurred_at desc, id desc);
create index events_type_recent on events (program_id, type, occurred_at desc, id desc);
