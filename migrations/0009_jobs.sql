-- Jobs across processes: analysis jobs are owned through a lease in the database, every job keeps the
-- scores it made under its own id, one pointer per program names the scores that are current, and the
-- periodic work of `patron serve` (maintenance, the daily refit) records who ran it last.

-- Who runs a job and until when they are trusted to: the owner renews `lease_until` while it works; once it
-- has passed, any process may mark the job interrupted. `origin`: request (API, CLI) or daily (the refit).
-- `scores`: what became of the per-member scores the job writes (writing | kept | discarded).
alter table analytics_jobs add column owner text;
alter table analytics_jobs add column lease_until timestamptz;
alter table analytics_jobs add column origin text not null default 'request';
alter table analytics_jobs add column scores text;

-- Jobs left unfinished by processes of an earlier version have no lease anyone renews.
update analytics_jobs
   set status = 'failed', finished_at = now(),
       error = '{"code": "analytics.job_interrupted", "message": "The process running this job stopped before it finished; ask again"}'
 where status in ('queued', 'running');
update analytics_jobs set scores = 'kept' where status = 'succeeded' and kind = 'clv';

-- At most one unfinished job of a kind per program, whichever process started it: two asks at once for the
-- same work get the same job, and a second fit never runs beside the first.
create unique index analytics_jobs_unfinished on analytics_jobs (program_id, kind) where status in ('queued', 'running');

-- Scores are kept per job, so a job writes its own rows in short batches beside the current ones and a
-- fit for a past as_of never overwrites (nor is overwritten by) the daily refit's.
delete from member_scores where job_id is null;
alter table member_scores drop constraint member_scores_pkey;
alter table member_scores alter column job_id set not null;
alter table member_scores add column model text;
alter table member_scores add primary key (program_id, job_id, member_id);
-- Rows are now inserted by a new job and deleted whole when it is superseded, never updated in place.
alter table member_scores set (fillfactor = 100);

-- The scores segments, member figures and GET /v1/analytics/clv read: switched in one short transaction
-- when a job finishes, so nobody ever reads a half-written set.
create table member_scores_current (
  program_id  text primary key,
  job_id      text not null,
  as_of       timestamptz not null,
  origin      text not null,
  set_at      timestamptz not null
);
insert into member_scores_current (program_id, job_id, as_of, origin, set_at)
select distinct on (program_id) program_id, job_id, as_of, 'request', computed_at
  from member_scores order by program_id, computed_at desc;
update member_scores s set model = j.params ->> 'model' from analytics_jobs j where j.program_id = s.program_id and j.id = s.job_id;

-- Periodic work shared by several processes: the one holding the advisory lock runs it when the last run
-- started at least an interval ago, and says so here.
create table maintenance_rounds (
  name         text primary key,      -- maintenance | analytics.daily
  runs         bigint not null default 0,
  owner        text,                  -- host:pid:random of the process that ran it last
  started_at   timestamptz,
  finished_at  timestamptz
);
