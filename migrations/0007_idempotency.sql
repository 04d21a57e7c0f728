-- Idempotency records belong to the caller that made them, and live for 24 hours.
--
-- Until now a record was keyed by its program (or workspace) alone, so any key of the program could replay
-- another key's Idempotency-Key and read the stored answer, which for POST /v1/keys held a new key's secret.
-- A record is now owned by a principal (an API key id today; staff users and member sessions later), each
-- principal has its own namespace of Idempotency-Keys, and a record stops answering at expires_at (the
-- maintenance job deletes it then).
--
-- The records written before this migration cannot be attributed to their caller, and some hold secrets in
-- plain text: they are deleted. A retry that spans this upgrade runs as a fresh request.
delete from idempotency_keys;

alter table idempotency_keys drop constraint idempotency_keys_pkey;
alter table idempotency_keys add column principal_id text not null;
alter table idempotency_keys add column expires_at timestamptz not null;
alter table idempotency_keys add primary key (scope, principal_id, key);
create index idempotency_keys_expiry on idempotency_keys (expires_at);
