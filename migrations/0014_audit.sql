-- The audit log: who changed what, when, with the state before and after. One row per configuration change
-- or manual operation, written in the same transaction as the change. Append-only: a trigger refuses every
-- update and delete. Secrets and members' personal fields are redacted before a row is written.

create table audit_log (
  id           text primary key,          -- aud_<ulid>: sorts by time of writing
  workspace_id text not null,
  program_id   text,                      -- null for workspace-level changes (programs, workspace keys, staff)
  at           timestamptz not null,
  actor_kind   text not null check (actor_kind in ('key', 'staff', 'system')),
  actor_id     text not null,             -- key_…, stf_…, or the system's name (cli)
  actor_label  text not null,             -- the key's name, the staff user's email, "cli"
  action       text not null,             -- dotted: rule.update, member.erase, key.revoke…
  target_type  text not null,
  target_id    text,
  before       jsonb,
  after        jsonb,
  request_id   text
);

create index audit_log_workspace on audit_log (workspace_id, id desc);
create index audit_log_program on audit_log (program_id, id desc);
create index audit_log_actor on audit_log (workspace_id, actor_id, id desc);
create index audit_log_target on audit_log (workspace_id, target_type, target_id, id desc);
create index audit_log_action on audit_log (workspace_id, action text_pattern_ops, id desc);
create index audit_log_at on audit_log (workspace_id, at);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end
$$;

create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function audit_log_append_only();
