import { z } from 'zod';
import { Instant } from '../../platform/instant.js';

export const Metric = z.enum(['status_credits', 'spend', 'purchases']);
export type Metric = z.infer<typeof Metric>;

export const Window = z.discriminatedUnion('type', [
  z.object({ type: z.literal('rolling'), months: z.number().int().min(1).max(120) }).strict().describe('The last N months'),
  z.object({ type: z.literal('calendar_year') }).strict().describe('The calendar year (UTC)'),
]);

export const SchemePut = z
  .object({
    metric: Metric.describe('What qualifies: status_credits earned, spend (minor units, net of refunds) or purchase count'),
    window: Window,
    grace_days: z.number().int().min(0).max(365).default(0).describe('Days a member keeps a level after its period ends before a downgrade'),
    soft_landing: z.boolean().default(false).describe('A downgrade drops at most one level'),
  })
  .strict();
export type SchemePut = z.infer<typeof SchemePut>;

export const Scheme = z.object({
  metric: Metric,
  window: Window,
  grace_days: z.number().int(),
  soft_landing: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

const RefId = z.string().trim().min(1).max(100);

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** Any JSON value. It refers to itself, so it is registered under an id: the OpenAPI document has it as a component. */
const JsonValue: z.ZodType<JsonValue> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]))
  .meta({ id: 'JsonValue', description: 'Any JSON value' });

/** What a level gives, as data rules and rewards read. Known keys are checked; others are kept as given. */
export const Benefits = z
  .object({
    multiplier_bp: z.number().int().min(0).max(1_000_000).optional().describe('Earning multiplier in basis points (15000 = ×1.5)'),
    birthday_gift_reward_id: RefId.optional(),
    reward_ids: z.array(RefId).max(100).optional().describe('Rewards only this level (and above) may redeem'),
  })
  .catchall(JsonValue)
  .refine((b) => JSON.stringify(b).length <= 10_000, 'benefits must be at most 10,000 characters of JSON');

const Name = z.string().trim().min(1).max(100);
const Threshold = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('The metric value that reaches this level');

export const LevelCreate = z
  .object({
    name: Name,
    threshold: Threshold,
    benefits: Benefits.optional(),
    rank: z.number().int().min(1).max(1000).optional().describe('Where the level must land (1 = lowest); checked against the threshold order'),
  })
  .strict();
export type LevelCreate = z.infer<typeof LevelCreate>;

export const LevelUpdate = z
  .object({ name: Name.optional(), threshold: Threshold.optional(), benefits: Benefits.optional() })
  .strict()
  .refine((u) => Object.keys(u).length > 0, 'give at least one of name, threshold, benefits');
export type LevelUpdate = z.infer<typeof LevelUpdate>;

export const Level = z.object({
  id: z.string(),
  name: z.string(),
  threshold: z.number().int(),
  rank: z.number().int().describe('1 = lowest; follows the thresholds'),
  benefits: z.record(z.string(), z.unknown()),
  members: z.number().int().describe('Members holding this level now').optional(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const LevelParams = z.object({ level_id: z.string().min(1).max(100) }).strict();
export const MemberParams = z.object({ member_id: z.string().min(1).max(100) }).strict();

export const GrantCreate = z
  .object({
    level_id: RefId,
    until: Instant.describe('The level holds until then, whatever the metric says'),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();
export type GrantCreate = z.infer<typeof GrantCreate>;

const LevelRef = z.object({ id: z.string(), name: z.string(), rank: z.number().int(), threshold: z.number().int(), benefits: z.record(z.string(), z.unknown()) });

export const MemberTier = z.object({
  member_id: z.string(),
  level: LevelRef.nullable(),
  metric: Metric,
  metric_value: z.number().int().describe('The metric over the current window'),
  window: z.object({ from: z.string(), to: z.string() }),
  next_level: LevelRef.extend({ amount_needed: z.number().int() }).nullable(),
  qualified_at: z.string().nullable(),
  period_end: z.string().nullable().describe('When the level is reviewed (a downgrade can follow, after the grace period)'),
  review_at: z.string().nullable(),
  granted_until: z.string().nullable(),
});

export const TierChange = z.object({
  id: z.string(),
  member_id: z.string(),
  from: z.object({ id: z.string(), name: z.string() }).nullable(),
  to: z.object({ id: z.string(), name: z.string() }).nullable(),
  reason: z.enum(['upgrade', 'downgrade', 'grant', 'expiry']),
  metric_value: z.number().int().nullable(),
  note: z.string().nullable(),
  event_id: z.string().nullable(),
  at: z.string(),
});

export const HistoryQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() })
  .strict();

export const HistoryPage = z.object({ data: z.array(TierChange), next_cursor: z.string().nullable() });

export const GrantResponse = MemberTier.extend({ change: TierChange });

export const TierSummary = z.object({
  members: z.number().int().describe('Members of the program'),
  levels: z.array(z.object({ id: z.string(), name: z.string(), rank: z.number().int(), threshold: z.number().int(), members: z.number().int() })),
  no_tier: z.number().int().describe('Members on no level'),
});

export const DowngradeQuery = z
  .object({
    within_days: z.coerce.number().int().min(1).max(3660).default(90).describe('Reviews due within this many days from now'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(300).optional().describe('next_cursor of the previous page'),
  })
  .strict();

const NamedLevel = z.object({ id: z.string(), name: z.string() });
export const Downgrade = z.object({
  member_id: z.string(),
  name: z.string().nullable().describe('The member’s first and last name, if known'),
  level: NamedLevel,
  to: NamedLevel.nullable().describe('Where the member lands if nothing changes; null: no level'),
  review_at: z.string().describe('When the level is reviewed (its period or grant ends, grace included)'),
  reason: z.enum(['period', 'grant']),
  metric_value: z.number().int().describe('The metric so far over the period under review'),
  amount_needed: z.number().int().describe('What the member still needs to keep the level'),
});
export const DowngradePage = z.object({
  data: z.array(Downgrade),
  next_cursor: z.string().nullable().describe('More reviews to scan; a page can hold fewer than `limit` rows'),
});
