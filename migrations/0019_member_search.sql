-- Member search by a part of a name or email (the console's Members screen, GET /v1/members?q=) on large
-- programs: trigram indexes answer `ilike '%part%'` without reading every member of the program.
create extension if not exists pg_trgm;
create index members_full_name_trgm on members using gin ((coalesce(first_name, '') || ' ' || coalesce(last_name, '')) gin_trgm_ops);
create index member_identities_email_trgm on member_identities using gin (value gin_trgm_ops) where type = 'email';
