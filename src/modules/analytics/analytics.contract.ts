import { z } from 'zod';

/** A day (`2026-01-31`, midnight UTC) or an instant (ISO 8601 with offset). */
const When = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).describe('A date (YYYY-MM-DD, UTC midnight) or an ISO 8601 time');
export const Period = z.enum(['week', 'month']).describe('Calendar weeks (Monday first) or months, in UTC');
export type Period = z.infer<typeof Period>;
const Format = z.enum(['json', 'csv']).default('json').describe('csv: the table as text/csv');

export const RangeQuery = z
  .object({
    from: When.optional().describe('Start (inclusive); default: 12 months before `to`'),
    to: When.optional().describe('End (exclusive); default: now'),
    format: Format,
  })
  .strict();
export type RangeQuery = z.infer<typeof RangeQuery>;

export const KpiQuery = RangeQuery.extend({ period: Period.default('month') }).strict();
export type KpiQuery = z.infer<typeof KpiQuery>;

export const RfmQuery = z
  .object({
    as_of: When.optional().describe('Score purchases made before this time; default: now'),
    since: When.optional().describe('Only purchases made from this time; default: all history'),
    format: Format,
  })
  .strict();
export type RfmQuery = z.infer<typeof RfmQuery>;

export const RfmMovementQuery = z
  .object({
    from: When.describe('The earlier date: segments as of then'),
    to: When.optional().describe('The later date; default: now'),
    format: Format,
  })
  .strict();

export const CohortQuery = RangeQuery.extend({
  by: z.enum(['first_purchase', 'enrolment']).default('first_purchase').describe('What puts a member in a cohort'),
  period: Period.default('month'),
}).strict();
export type CohortQuery = z.infer<typeof CohortQuery>;

export const ClvInput = z
  .object({
    as_of: When.optional().describe('The end of the calibration data; default: now'),
    since: When.optional().describe('Only members whose first purchase is on or after this; default: everyone'),
    model: z.enum(['bgnbd', 'paretonbd']).default('bgnbd').describe('The purchase model: BG/NBD (fast) or Pareto/NBD'),
    horizon_months: z.number().int().min(1).max(120).default(12).describe('Months ahead for expected purchases and CLV'),
    annual_discount_rate: z.number().min(0).max(1).default(0.1).describe('Discount rate per year for CLV, e.g. 0.1'),
    refresh: z.boolean().default(false).describe('true: fit again even when a result for the same inputs is cached'),
  })
  .strict();
export type ClvInput = z.input<typeof ClvInput>;
export type ClvParams = z.output<typeof ClvInput>;

export const SummaryQuery = z
  .object({
    as_of: When.optional().describe('The end of the data (exclusive); default: the start of today, UTC'),
    since: When.optional().describe('Only members whose first purchase is on or after this'),
    format: Format,
  })
  .strict();

export const JobParams = z.object({ job_id: z.string().min(1).max(100) }).strict();
export const MemberParams = z.object({ member_id: z.string().min(1).max(200) }).strict();

export const ClvQuery = z
  .object({
    job: z.string().min(1).max(100).optional().describe("A finished job's own scores instead of the current ones (e.g. a fit for a past as_of)"),
    risk: z.enum(['low', 'medium', 'high', 'lost']).optional().describe('Only members in this churn-risk band'),
    order: z.enum(['clv', 'p_alive', 'expected_purchases']).default('clv').describe('Sort, highest first'),
    limit: z.number().int().min(1).max(1000).default(50),
    format: Format,
  })
  .strict();
export const ClvQueryCoerce = ClvQuery.extend({ limit: z.coerce.number().int().min(1).max(1000).default(50) }).strict();

export const JobOut = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  params: z.record(z.string(), z.unknown()),
  progress: z.object({ step: z.string().optional(), done: z.number().optional(), total: z.number().optional() }).passthrough(),
  result: z.unknown().describe('What the job found, once it succeeded; null before'),
  error: z.object({ code: z.string(), message: z.string() }).passthrough().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  cached: z.boolean().describe('true: the answer is an earlier run for the same inputs'),
  scores: z
    .enum(['writing', 'kept', 'discarded'])
    .nullable()
    .describe('The per-member scores the job made: being written, kept (readable at GET /v1/analytics/clv?job={id}), or discarded (failed, or superseded by a later fit)'),
  current: z.boolean().describe("true: this job's scores are the program's current scores, the ones segments, member figures and GET /v1/analytics/clv read"),
});
export type JobOut = z.infer<typeof JobOut>;
