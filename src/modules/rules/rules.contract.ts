import { z } from 'zod';
import { Instant } from '../../platform/instant.js';
import { PointCurrency, Rounding } from '../programs/index.js';
import { MemberRef } from '../members/index.js';

/** Conditions are a tree validated by `parseCondition` (rules.conditions.ts); this is only its documentation. */
export const ConditionDoc = z
  .record(z.string(), z.unknown())
  .describe(
    'A condition tree: {"all": [...]}, {"any": [...]}, {"not": {...}} or a comparison ' +
      '{"field": "event.amount", "op": "gte", "value": 5000}. Fields: event.type|amount|currency|channel|store_id|quantity|skus|categories|properties.<path>, ' +
      'lines.quantity|amount|count (with "where": {"sku": [...], "category": [...]}), member.tier|tier_rank|tags|attributes.<path>|enrolment_days|consent.email|sms|push|country|enrolment_channel, ' +
      'date.weekday (1 = Monday … 7)|hour|date (YYYY-MM-DD)|month|birthday_month|days_to_birthday (in the member’s time zone), ' +
      'history.first_purchase|purchase_count|spend (with "days")|purchases (with "days")|days_since_last_purchase. ' +
      'Operators: eq, ne, gt, gte, lt, lte, in, nin, contains, exists.',
  );

const Points = z.number().int().min(1).max(100_000_000);
const PendingDays = z.number().int().min(0).max(365).optional().describe('Credit as pending for this many days; default: the program’s pending_days on purchases, 0 otherwise');
const LineFilter = z
  .object({ sku: z.array(z.string().min(1).max(100)).min(1).max(500).optional(), category: z.array(z.string().min(1).max(100)).min(1).max(500).optional() })
  .strict()
  .describe('A line matches when its sku is in `sku` or its category is in `category`');
export type LineFilter = z.infer<typeof LineFilter>;

const Fixed = z.object({ type: z.literal('fixed'), points: Points, currency: PointCurrency.optional(), pending_days: PendingDays }).strict();
const PerAmount = z
  .object({
    type: z.literal('per_amount'),
    points: Points,
    per_amount: z.number().int().min(1).max(1_000_000_000).describe('in minor units'),
    rounding: Rounding.optional().describe('default: the program’s rounding'),
    lines: LineFilter.optional().describe('Count only these lines’ money instead of the amount'),
    currency: PointCurrency.optional(),
    pending_days: PendingDays,
  })
  .strict();
const Multiplier = z
  .object({
    type: z.literal('multiplier'),
    multiplier_bp: z.number().int().min(10_001).max(1_000_000).optional().describe('In basis points: 15000 = ×1.5'),
    multiplier: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,4})?$/, 'a decimal such as "1.5" (at most 4 decimals)')
      .optional()
      .describe('The same as a decimal string: "2" doubles'),
    currency: PointCurrency.optional(),
    pending_days: PendingDays,
  })
  .strict();
const Threshold = z
  .object({
    type: z.literal('threshold'),
    min_amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('in minor units'),
    points: Points,
    repeat: z.boolean().optional().describe('Pay for every full min_amount, not just once'),
    currency: PointCurrency.optional(),
    pending_days: PendingDays,
  })
  .strict();
const Reward = z.object({ type: z.literal('reward'), reward_id: z.string().min(1).max(64) }).strict();
const Tag = z.string().trim().min(1).max(64);
const TagEffect = z.object({ type: z.literal('tag'), add: z.array(Tag).max(20).optional(), remove: z.array(Tag).max(20).optional() }).strict();

export const Effect = z.discriminatedUnion('type', [Fixed, PerAmount, Multiplier, Threshold, Reward, TagEffect]);
export type Effect = z.infer<typeof Effect>;

export const Period = z.enum(['day', 'week', 'month', 'year', 'lifetime']);
export type Period = z.infer<typeof Period>;

export const Limits = z
  .object({
    currency: PointCurrency.optional().describe('The currency point limits count; default the program’s main one'),
    per_member: z
      .array(
        z
          .object({ period: Period, points: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(), times: z.number().int().min(0).max(1_000_000_000).optional() })
          .strict(),
      )
      .max(10)
      .optional()
      .describe('Per member and calendar period (in the member’s time zone): at most `points` and/or `times` fired'),
    budget: z.object({ points: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict().optional().describe('Total points the rule may ever pay'),
  })
  .strict();
export type Limits = z.infer<typeof Limits>;

export const Trigger = z
  .string()
  .regex(/^[a-z][a-z0-9_.]{0,63}$/, 'purchase or a custom event name such as signup, review_submitted')
  .refine((t) => t !== 'refund', 'refunds reverse points; they do not trigger rules');

const definitionFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullable().optional(),
  trigger: Trigger.describe('The event type: purchase, or a custom event name'),
  conditions: ConditionDoc.nullable().optional(),
  effects: z.array(Effect).min(1).max(20),
  limits: Limits.nullable().optional(),
  priority: z.number().int().min(-1_000_000).max(1_000_000).optional().describe('Higher runs first and wins its exclusive group; default 0'),
  stacking: z.enum(['stack', 'exclusive']).optional().describe('exclusive: only the highest-priority firing rule of its group pays'),
  group: z.string().trim().min(1).max(64).nullable().optional().describe('The exclusive group'),
  effective_from: Instant.nullable().optional(),
  effective_to: Instant.nullable().optional(),
};

export const RuleCreate = z
  .object({ ...definitionFields, status: z.enum(['draft', 'active']).optional().describe('default draft') })
  .strict();
export type RuleCreate = z.infer<typeof RuleCreate>;

export const RuleUpdate = z
  .object({
    name: definitionFields.name.optional(),
    description: definitionFields.description,
    trigger: definitionFields.trigger.optional(),
    conditions: definitionFields.conditions,
    effects: definitionFields.effects.optional(),
    limits: definitionFields.limits,
    priority: definitionFields.priority,
    stacking: definitionFields.stacking,
    group: definitionFields.group,
    effective_from: definitionFields.effective_from,
    effective_to: definitionFields.effective_to,
  })
  .strict()
  .describe('Fields left out keep their value. Editing an active rule makes a new version; a draft is edited in place.');
export type RuleUpdate = z.infer<typeof RuleUpdate>;

/** A rule's definition as stored (one version), after validation, with defaults filled in. */
export interface RuleDefinition {
  name: string;
  description: string | null;
  trigger: string;
  conditions: Condition | null;
  effects: Effect[];
  limits: Limits | null;
  priority: number;
  stacking: 'stack' | 'exclusive';
  group: string | null;
  effective_from: string | null;
  effective_to: string | null;
}

export type Op = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'contains' | 'exists';
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: string; op: Op; value?: unknown; where?: LineFilter; days?: number };

const definitionOut = {
  name: z.string(),
  description: z.string().nullable(),
  trigger: z.string(),
  conditions: ConditionDoc.nullable(),
  effects: z.array(Effect),
  limits: Limits.nullable(),
  priority: z.number().int(),
  stacking: z.enum(['stack', 'exclusive']),
  group: z.string().nullable(),
  effective_from: z.string().nullable(),
  effective_to: z.string().nullable(),
};

export const RuleVersion = z.object({ version: z.number().int(), created_at: z.string(), ...definitionOut });

export const Rule = z.object({
  id: z.string(),
  version: z.number().int(),
  status: z.enum(['draft', 'active', 'archived']),
  ...definitionOut,
  created_at: z.string(),
  updated_at: z.string(),
  versions: z.array(RuleVersion).optional().describe('Every version, oldest first (GET of one rule)'),
});
export type Rule = z.infer<typeof Rule>;

export const RuleParams = z.object({ rule_id: z.string().min(1).max(64) }).strict();
export const RuleListQuery = z
  .object({
    status: z.enum(['draft', 'active', 'archived']).optional().describe('Only rules in this status'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export const RuleList = z.object({ data: z.array(Rule), next_cursor: z.string().nullable() });

export const PreviewBody = z
  .object({
    member: MemberRef,
    event: z
      .record(z.string(), z.unknown())
      .describe('A purchase or custom event as POST /v1/events takes it; id, member and order_id may be left out'),
    rules: z.array(z.record(z.string(), z.unknown())).max(100).optional().describe('Draft rule bodies to evaluate instead of the active rules'),
  })
  .strict();

const Award = z.object({ currency: z.string(), points: z.number().int(), pending: z.boolean() });
export const PreviewRule = z.object({
  rule_id: z.string(),
  version: z.number().int().nullable(),
  name: z.string(),
  fired: z.boolean().describe('Its trigger, dates and conditions matched'),
  paid: z.boolean().describe('It fired and was not excluded or stopped by a limit'),
  reason: z.string().describe('Why it fired or not'),
  failed: z.record(z.string(), z.unknown()).nullable().describe('The condition that failed: path, field, op, value, actual'),
  awards: z.array(Award),
  capped: z.boolean(),
  tags: z.object({ add: z.array(z.string()), remove: z.array(z.string()) }).optional(),
  rewards: z.array(z.string()).optional(),
});
export const PreviewResponse = z.object({
  member_id: z.string(),
  points: z.record(z.string(), z.number().int()),
  rules: z.array(PreviewRule),
});
export type PreviewRule = z.infer<typeof PreviewRule>;
