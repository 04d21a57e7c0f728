import { z } from 'zod';
import { DayOrInstant } from '../../platform/instant.js';

/** A day (`2026-01-31`, midnight UTC) or an instant (ISO 8601 with offset). */
const When = DayOrInstant.describe('A date (YYYY-MM-DD, UTC midnight) or an ISO 8601 time');
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

// Response bodies of the reports. Rates are shares in [0, 1] to 4 places, null when there is nothing to divide
// by; amounts are in minor units of the program currency.
const Rate = z.number().nullable();
const Amount = z.number().int().nullable();
const Count = z.number().int();

const RangeNote = z
  .object({
    from: z.string().nullable(),
    to: z.string(),
    defaulted: z.boolean().describe('true: no range was asked and the program’s data ends before the default window, so the window ends at its last activity'),
    note: z.string().nullable().describe('Says why the range was defaulted'),
  })
  .describe('The range the report covers, and how it was chosen');

const Range = { from: z.string(), to: z.string(), range: RangeNote };

const PeriodKpis = z.object({
  period: z.string().describe('The first day of the period'),
  new_members: Count,
  buyers: Count,
  member_orders: Count,
  guest_orders: Count,
  member_revenue: Count,
  guest_revenue: Count,
  participation_rate: Rate,
  repeat_purchase_rate: Rate,
  previous_buyers: Count,
  retained: Count,
  retention_rate: Rate,
  churn_rate: Rate,
});

export const KpiReport = z.object({
  currency: z.string(),
  ...Range,
  period: Period,
  members: z.object({ total: Count, new: Count, active: Count, buyers: Count }),
  purchases: z.object({
    orders: Count,
    member_orders: Count,
    guest_orders: Count,
    member_revenue: Count,
    guest_revenue: Count,
    participation_rate: Rate,
    revenue_participation_rate: Rate,
    average_transaction_value: z.object({ members: Amount, guests: Amount }),
    purchase_frequency: z.number().nullable().describe('Orders per buyer'),
    repeat_purchase_rate: Rate,
  }),
  retention: z.object({ retention_rate: Rate, churn_rate: Rate }),
  points: z.array(
    z.object({
      currency: z.string(),
      issued: Count,
      reversed: Count,
      redeemed: Count,
      expired: Count,
      outstanding: Count,
      redemption_rate: Rate,
      breakage_rate: Rate,
    }),
  ),
  series: z.array(PeriodKpis),
});

const Dimension = z.array(z.object({ value: z.string(), members: Count }));
export const StructureReport = z.object({
  at: z.string(),
  range: RangeNote,
  by_enrolment_channel: Dimension,
  by_country: Dimension,
  by_age_band: Dimension,
  by_tier: Dimension,
  growth: z.array(z.object({ period: z.string(), new_members: Count, members: Count })),
  activity: z.array(z.object({ level: z.string(), members: Count })),
});

export const PointsReport = z.object({
  ...Range,
  by_rule: z.array(z.object({ rule_id: z.string(), name: z.string().nullable(), currency: z.string(), points: Count, transactions: Count })),
  by_source: z.array(z.object({ event_type: z.string(), channel: z.string(), currency: z.string(), points: Count, transactions: Count })),
  redemptions_by_reward: z.array(
    z.object({ reward_id: z.string(), name: z.string().nullable(), mode: z.string(), redemptions: Count, points: Count, currency: z.string() }),
  ),
});

export const BehaviourReport = z.object({
  ...Range,
  purchase_cycle: z.object({
    intervals: Count,
    median_days: z.number().nullable(),
    distribution: z.array(z.object({ days: z.string(), intervals: Count, share: Rate })),
  }),
  frequency: z.array(z.object({ orders: z.string(), buyers: Count })),
  preferred_channel: z.array(z.object({ channel: z.string(), members: Count })),
  preferred_category: z.array(z.object({ category: z.string(), members: Count })),
});

const ChurnRisk = z.enum(['low', 'medium', 'high', 'lost']);

export const MemberFigures = z.object({
  member_id: z.string(),
  orders: Count,
  spent: Count,
  refunded: Count,
  average_order_value: Amount,
  first_purchase_at: z.string().nullable(),
  last_purchase_at: z.string().nullable(),
  purchase_days: Count,
  average_days_between_purchases: z.number().nullable(),
  preferred_channel: z.string().nullable(),
  preferred_category: z.string().nullable(),
  scores: z
    .object({
      recency_score: z.number().int().nullable(),
      frequency_score: z.number().int().nullable(),
      monetary_score: z.number().int().nullable(),
      rfm_segment: z.string().nullable(),
      repeat_purchases: z.number().int().nullable(),
      p_alive: z.number().nullable(),
      expected_purchases: z.number().nullable(),
      expected_spend: z.number().nullable(),
      clv: z.number().nullable(),
      churn_risk: ChurnRisk.nullable(),
      as_of: z.string(),
      computed_at: z.string(),
      job_id: z.string().nullable(),
      model: z.string().nullable(),
    })
    .nullable()
    .describe('The current RFM and lifetime-value scores, with the job and model that made them; null before any fit'),
});

export const RfmReport = z.object({
  as_of: z.string(),
  since: z.string().nullable(),
  range: RangeNote,
  members_scored: Count,
  segments: z.array(
    z.object({
      segment: z.string(),
      members: Count,
      share: Rate,
      average_recency_days: z.number().nullable(),
      average_frequency: z.number().nullable(),
      average_monetary: Amount,
      revenue: Count,
    }),
  ),
  cells: z.array(z.object({ r: Count, f: Count, m: Count, score: z.string(), segment: z.string(), members: Count })),
});

export const RfmMovementReport = z.object({
  from: z.string(),
  to: z.string(),
  movements: z.array(z.object({ from_segment: z.string().nullable(), to_segment: z.string().nullable(), members: Count })),
});

export const CohortReport = z.object({
  by: z.enum(['first_purchase', 'enrolment']),
  period: Period,
  ...Range,
  cohorts: z.array(
    z.object({
      cohort: z.string().describe('The first day of the cohort’s period'),
      size: Count,
      periods: z.array(z.object({ k: Count.describe('Periods since the cohort’s own'), active: Count, retention: Rate, orders: Count, revenue: Count })),
    }),
  ),
});

export const SummaryReport = z.object({
  as_of: z.string(),
  range: RangeNote,
  time_unit: z.literal('week'),
  members: z.array(
    z.object({
      member_id: z.string(),
      x: Count.describe('Repeat purchase days'),
      t_x: z.number().describe('Weeks from the first to the last purchase day'),
      T: z.number().describe('Weeks from the first purchase day to the end of the data'),
      mbar: z.number().describe('Mean spend of the repeat purchase days'),
      orders: Count,
      spent: Count,
    }),
  ),
});

export const ClvScores = z.object({
  job_id: z.string(),
  current: z.boolean().describe("true: these are the program's current scores"),
  computed_at: z.string().nullable(),
  params: z.record(z.string(), z.unknown()).describe('The inputs of the fit'),
  result: z.unknown().describe('The fit: models, parameters, totals and churn-risk bands'),
  members: z.array(
    z.object({
      member_id: z.string(),
      first_name: z.string().nullable(),
      last_name: z.string().nullable(),
      rfm_segment: z.string().nullable(),
      repeat_purchases: z.number().int().nullable(),
      p_alive: z.number().nullable().describe('Probability the member is still buying'),
      expected_purchases: z.number().nullable(),
      expected_spend: z.number().nullable(),
      clv: z.number().nullable(),
      churn_risk: ChurnRisk.nullable(),
    }),
  ),
});

export const JobList = z.object({ jobs: z.array(JobOut) });
