-- The version of a program's configuration (settings, rules, tiers, stamp cards, referral settings): every
-- configuration write raises it in its own transaction, and every process compares it with the snapshot it
-- holds, so a change made through one process is in force in all of them.
-- Not part of any key or index: raising it takes no lock that event ingestion (which references the program
-- row) waits for.

alter table programs add column config_version bigint not null default 1;
