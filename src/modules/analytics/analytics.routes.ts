import { z } from 'zod';
import { stringify } from 'csv-stringify/sync';
import type { FastifyReply } from 'fastify';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { documented } from '../../platform/openapi.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import type { MembersService } from '../members/index.js';
import {
  BehaviourReport,
  ClvInput,
  ClvScores,
  CohortReport,
  JobList,
  KpiReport,
  MemberFigures,
  PointsReport,
  RfmMovementReport,
  RfmReport,
  StructureReport,
  SummaryReport,
  ClvQueryCoerce,
  CohortQuery,
  JobOut,
  JobParams,
  KpiQuery,
  MemberParams,
  RangeQuery,
  RfmMovementQuery,
  RfmQuery,
  SummaryQuery,
} from './analytics.contract.js';
import { memberSummaries } from './analytics.clv.js';
import { parseWhen } from './analytics.service.js';
import type { AnalyticsService } from './analytics.service.js';
import type { AnalyticsJobs } from './analytics.jobs.js';
import type { AuditService } from '../audit/index.js';

/** Sends rows as CSV with a header line (the columns of the first row unless given). */
export function sendCsv(reply: FastifyReply, filename: string, rows: readonly Record<string, unknown>[], columns?: string[]) {
  const cols = columns ?? Object.keys(rows[0] ?? {});
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`);
  return stringify(
    rows.map((r) => cols.map((c) => r[c] ?? '')),
    { header: true, columns: cols },
  );
}

/** A report answered as JSON, or as CSV with `format=csv`. */
const jsonOrCsv = <S extends z.ZodType>(json: S) => ({
  content: { 'application/json': { schema: json }, 'text/csv': { schema: z.string().describe('The report’s main table, with a header line') } },
});

export function analyticsRoutes(
  app: App,
  deps: { db: Db; programs: ProgramsService; members: MembersService; analytics: AnalyticsService; analyticsJobs: AnalyticsJobs; audit: AuditService },
) {
  const { db, programs, members, analytics, analyticsJobs: jobs, audit } = deps;
  const tags = ['analytics'];

  app.get('/v1/analytics/kpis', {
    schema: {
      tags,
      summary: 'Program KPIs over a range: members, participation, transaction values, repeat purchase, retention and churn, points; and per period',
      querystring: KpiQuery,
      response: { 200: jsonOrCsv(KpiReport) },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const k = await analytics.kpis(program.id, req.query);
      if (req.query.format === 'csv') return sendCsv(reply, 'kpis.csv', k.series);
      return { currency: program.currency, ...k };
    },
  });

  app.get('/v1/analytics/structure', {
    schema: { tags, summary: 'Members by enrolment channel, country, age band and tier; growth per period; activity levels', querystring: KpiQuery, response: { 200: jsonOrCsv(StructureReport) } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const s = await analytics.structure(program.id, req.query);
      if (req.query.format === 'csv') {
        const rows = [
          ...s.by_enrolment_channel.map((r) => ({ dimension: 'enrolment_channel', ...r })),
          ...s.by_country.map((r) => ({ dimension: 'country', ...r })),
          ...s.by_age_band.map((r) => ({ dimension: 'age_band', ...r })),
          ...s.by_tier.map((r) => ({ dimension: 'tier', ...r })),
          ...s.activity.map((r) => ({ dimension: 'activity', value: r.level, members: r.members })),
        ];
        return sendCsv(reply, 'members.csv', rows, ['dimension', 'value', 'members']);
      }
      return s;
    },
  });

  app.get('/v1/analytics/points', {
    schema: { tags, summary: 'Points earned by earning rule, by event type and channel; redemptions by reward', querystring: RangeQuery, response: { 200: jsonOrCsv(PointsReport) } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const p = await analytics.points(program.id, req.query);
      if (req.query.format === 'csv') return sendCsv(reply, 'points-by-rule.csv', p.by_rule);
      return p;
    },
  });

  app.get('/v1/analytics/behaviour', {
    schema: { tags, summary: 'Purchase cycle (days between purchases), orders per buyer, preferred channel and category', querystring: RangeQuery, response: { 200: jsonOrCsv(BehaviourReport) } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const b = await analytics.behaviour(program.id, req.query);
      if (req.query.format === 'csv') return sendCsv(reply, 'purchase-cycle.csv', b.purchase_cycle.distribution);
      return b;
    },
  });

  app.get('/v1/analytics/members/:member_id', {
    schema: {
      tags,
      summary: 'One member in figures: orders, spend, purchase cycle, preferred channel and category, RFM and lifetime-value scores',
      params: MemberParams,
      response: { 200: documented(MemberFigures) },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      const m = await members.get(program.id, req.params.member_id);
      return analytics.member(program.id, m.id);
    },
  });

  app.get('/v1/analytics/rfm', {
    schema: { tags, summary: 'RFM quintile scores and named segments at a date: members per segment and per score cell', querystring: RfmQuery, response: { 200: jsonOrCsv(RfmReport) } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const r = await analytics.rfm(program.id, req.query);
      if (req.query.format === 'csv') return sendCsv(reply, 'rfm-segments.csv', r.segments);
      return r;
    },
  });

  app.get('/v1/analytics/rfm/movement', {
    schema: { tags, summary: 'How members moved between RFM segments from one date to another', querystring: RfmMovementQuery, response: { 200: jsonOrCsv(RfmMovementReport) } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const r = await analytics.rfmMovement(program.id, req.query);
      if (req.query.format === 'csv') return sendCsv(reply, 'rfm-movement.csv', r.movements, ['from_segment', 'to_segment', 'members']);
      return r;
    },
  });

  app.get('/v1/analytics/cohorts', {
    schema: { tags, summary: 'Cohorts by first purchase or enrolment × periods since: active share (retention), orders and revenue', querystring: CohortQuery, response: { 200: jsonOrCsv(CohortReport) } },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const c = await analytics.cohorts(program.id, req.query);
      if (req.query.format === 'csv') {
        const rows = c.cohorts.flatMap((h) => h.periods.map((p) => ({ cohort: h.cohort, size: h.size, ...p })));
        return sendCsv(reply, 'cohorts.csv', rows, ['cohort', 'size', 'k', 'active', 'retention', 'orders', 'revenue']);
      }
      return c;
    },
  });

  app.post('/v1/analytics/clv', {
    schema: {
      tags,
      summary: 'Fit the purchase (BG/NBD or Pareto/NBD) and spend (Gamma-Gamma) models and score every member: a job',
      'x-idempotency': 'none',
      'x-errors': [409],
      description:
        'Answers 202 with the job to poll at /v1/analytics/jobs/{job_id}, or 200 with the finished job when a result for the same inputs exists (`cached`: true; `refresh`: true fits again).',
      body: ClvInput.optional(),
      response: { 200: JobOut, 202: JobOut },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'admin');
      const body: ClvInput = req.body ?? {};
      // A program whose data ends over 12 months ago is scored as of its last activity, not today (when
      // every buyer would look lost); the job's params.as_of says which day was taken.
      const stale = body.as_of === undefined ? await analytics.defaultAsOf(program.id) : undefined;
      const job = await jobs.clv(program.id, stale?.defaulted ? { ...body, as_of: stale.as_of.toISOString() } : body);
      // A fit that starts is audited (a cached result is not a change). The job is made by the job queue in
      // its own transaction, so this entry follows it in one of its own.
      if (job.status !== 'succeeded') await audit.write(req, program.id, { action: 'clv_fit.start', target: 'job', after: () => ({ request: body, job }) }, async () => job);
      return reply.code(job.status === 'succeeded' ? 200 : 202).send(job);
    },
  });

  app.get('/v1/analytics/clv', {
    schema: {
      tags,
      summary: 'The current lifetime-value scores (or a finished job’s own) and the members they scored, highest first (filter by churn-risk band)',
      description:
        'Without `job`: the scores that are current for the program (the ones segments and member figures read). With `job`: that job’s own scores, e.g. a fit for a past as_of, while they are kept.',
      querystring: ClvQueryCoerce,
      'x-errors': [409],
      response: { 200: jsonOrCsv(documented(ClvScores)) },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const job = await jobs.scoresJob(program.id, req.query.job);
      if (!job) throw notFound('analytics.no_result', 'No lifetime-value result yet: POST /v1/analytics/clv first');
      const order = req.query.order;
      const rows = await db.query<Record<string, unknown>>(
        `select s.member_id, m.first_name, m.last_name, s.rfm_segment, s.repeat_purchases, s.p_alive, s.expected_purchases, s.expected_spend,
                s.clv, s.churn_risk
         from member_scores s join members m on m.program_id = s.program_id and m.id = s.member_id
         where s.program_id = $1 and s.job_id = $2 and ($3::text is null or s.churn_risk = $3)
         order by s.${order} desc nulls last, s.member_id limit $4`,
        [program.id, job.id, req.query.risk ?? null, req.query.limit],
      );
      const out = rows.map((r) => ({
        ...r,
        p_alive: Math.round((r.p_alive as number) * 10_000) / 10_000,
        expected_purchases: Math.round((r.expected_purchases as number) * 1000) / 1000,
      }));
      if (req.query.format === 'csv') return sendCsv(reply, 'clv.csv', out);
      return { job_id: job.id, current: job.current, computed_at: job.finished_at, params: job.params, result: job.result, members: out };
    },
  });

  app.get('/v1/analytics/summary', {
    schema: {
      tags,
      summary: 'Each buyer’s repeat-purchase summary, the input of the churn and value models: x, t_x, T (weeks) and mean repeat spend',
      description:
        'x counts purchase days after the first; t_x is the weeks from the first to the last purchase day; T the weeks from the first purchase day to the last day before `as_of`.',
      querystring: SummaryQuery,
      response: { 200: jsonOrCsv(documented(SummaryReport)) },
    },
    handler: async (req, reply) => {
      const { program } = await programContext(programs, req, 'read');
      const given = parseWhen(req.query.as_of, 'as_of');
      const chosen = given ? { as_of: given, defaulted: false, note: null } : await analytics.defaultAsOf(program.id, analytics.today());
      const asOf = chosen.as_of;
      const since = parseWhen(req.query.since, 'since') ?? null;
      const rows = await memberSummaries(db, program.id, asOf, since);
      if (req.query.format === 'csv') return sendCsv(reply, 'summary.csv', rows as unknown as Record<string, unknown>[], ['member_id', 'x', 't_x', 'T', 'mbar', 'orders', 'spent']);
      const range = { from: since?.toISOString() ?? null, to: asOf.toISOString(), defaulted: chosen.defaulted, note: chosen.note };
      return { as_of: asOf.toISOString(), range, time_unit: 'week', members: rows };
    },
  });

  app.get('/v1/analytics/jobs', {
    schema: { tags, summary: 'Recent analysis jobs, newest first', querystring: z.object({ kind: z.string().max(50).optional().describe('Only jobs of this kind (clv)') }).strict(), response: { 200: JobList } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return { jobs: await jobs.list(program.id, req.query.kind) };
    },
  });

  app.get('/v1/analytics/jobs/:job_id', {
    schema: { tags, summary: 'An analysis job: its progress, then its result or why it failed', params: JobParams, response: { 200: JobOut } },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      return jobs.get(program.id, req.params.job_id);
    },
  });
}
