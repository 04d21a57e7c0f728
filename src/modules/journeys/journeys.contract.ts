import { z } from 'zod';

// Journeys as data: a trigger that lets members in, steps joined by their ids, a goal that counts conversions,
// and a holdout share that passes through without being contacted. Conditions are the rules' language
// (`all` / `any` / `not` over `member.*`, `event.*`, `history.*`, `date.*`), checked by parseCondition.

const StepId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ or -');
const EventType = z.string().min(1).max(64).regex(/^[a-z][a-z0-9_.]{0,63}$/, 'an event type: purchase, signup, cart_abandoned, …');

export const Duration = z
  .object({
    days: z.number().int().min(0).max(365).optional(),
    hours: z.number().int().min(0).max(24 * 365).optional(),
    minutes: z.number().int().min(0).max(60 * 24 * 365).optional(),
  })
  .strict()
  .refine((d) => (d.days ?? 0) + (d.hours ?? 0) + (d.minutes ?? 0) > 0, 'a duration longer than zero')
  .describe('{ days, hours, minutes }: at least one, summed');
export type Duration = z.infer<typeof Duration>;

const Next = StepId.optional().describe('The step after this one; none ends the journey (completed)');

export const JourneyStep = z.discriminatedUnion('type', [
  z.object({ id: StepId, type: z.literal('wait'), duration: Duration, next: Next }).strict(),
  z
    .object({
      id: StepId,
      type: z.literal('wait_until'),
      local_time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM').describe('The next such time of day in the member’s time zone (UTC when the member has none)'),
      next: Next,
    })
    .strict(),
  z
    .object({
      id: StepId,
      type: z.literal('wait_for_event'),
      event_type: EventType,
      timeout: Duration,
      on_event: Next,
      on_timeout: Next,
    })
    .strict(),
  z.object({ id: StepId, type: z.literal('branch'), condition: z.unknown().describe('A condition (rules’ language)'), then: Next, else: Next }).strict(),
  z
    .object({
      id: StepId,
      type: z.literal('split'),
      branches: z.array(z.object({ weight: z.number().int().min(1).max(10_000), next: Next }).strict()).min(2).max(5),
    })
    .strict(),
  z
    .object({
      id: StepId,
      type: z.literal('send'),
      channel: z.enum(['email', 'sms', 'push', 'wechat']),
      template_id: z.string().min(1).max(64),
      next: Next,
    })
    .strict(),
  z
    .object({
      id: StepId,
      type: z.literal('give_points'),
      points: z.number().int().min(1).max(1_000_000),
      currency: z.string().min(1).max(32).optional(),
      reason: z.string().min(1).max(200),
      next: Next,
    })
    .strict(),
  z
    .object({
      id: StepId,
      type: z.literal('tag'),
      add: z.array(z.string().min(1).max(64)).max(20).default([]),
      remove: z.array(z.string().min(1).max(64)).max(20).default([]),
      next: Next,
    })
    .strict(),
  z.object({ id: StepId, type: z.literal('exit') }).strict(),
]);
export type JourneyStep = z.infer<typeof JourneyStep>;

export const JourneyTrigger = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('event'),
      event_type: EventType,
      conditions: z.unknown().optional().describe('Who may enter: a condition on the event and the member'),
    })
    .strict(),
  z
    .object({
      type: z.literal('tier_changed'),
      direction: z.enum(['up', 'down', 'any']).default('up'),
      conditions: z.unknown().optional(),
    })
    .strict(),
]);
export type JourneyTrigger = z.infer<typeof JourneyTrigger>;

export const JourneyDefinition = z
  .object({
    trigger: JourneyTrigger,
    re_entry: z
      .object({ policy: z.enum(['never', 'after', 'always']), days: z.number().int().min(1).max(3650).optional() })
      .strict()
      .default({ policy: 'never' })
      .describe('never; after `days` since the last entry; always (each time, once the previous pass has ended)'),
    start: StepId.describe('The first step'),
    steps: z.array(JourneyStep).min(1).max(100),
    goal: z
      .object({
        event_type: EventType,
        within: Duration.describe('From entry'),
        exit_on_conversion: z.boolean().default(true),
      })
      .strict()
      .optional(),
    holdout_bp: z.number().int().min(0).max(5000).default(0).describe('Share of entrants held out, in basis points (1000 = 10 %)'),
  })
  .strict();
export type JourneyDefinition = z.infer<typeof JourneyDefinition>;

export const JourneyStatus = z.enum(['draft', 'active', 'paused', 'archived']);
export type JourneyStatus = z.infer<typeof JourneyStatus>;

export const JourneyCreate = z.object({ name: z.string().trim().min(1).max(120), definition: JourneyDefinition }).strict();
export const JourneyUpdate = z.object({ name: z.string().trim().min(1).max(120).optional(), definition: JourneyDefinition.optional() }).strict();
export const JourneyParams = z.object({ journey_id: z.string().min(1).max(64) });
export const JourneyStatusChange = z.object({ status: z.enum(['active', 'paused', 'archived']) }).strict();

export const Journey = z.object({
  id: z.string(),
  name: z.string(),
  status: JourneyStatus,
  version: z.number().int().describe('The version new entrants take'),
  definition: JourneyDefinition,
  versions: z.array(z.object({ version: z.number().int(), created_at: z.string(), created_by: z.string().nullable() })),
  counts: z.object({ entered: z.number().int(), in_flight: z.number().int(), holdout: z.number().int(), converted: z.number().int() }),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Journey = z.infer<typeof Journey>;

export const JourneyList = z.object({ data: z.array(Journey.omit({ definition: true, versions: true })), next_cursor: z.string().nullable() });
export const JourneyListQuery = z
  .object({
    status: JourneyStatus.optional().describe('Only journeys in this state'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const JourneyRun = z.object({
  id: z.string(),
  journey_id: z.string(),
  version: z.number().int(),
  member_id: z.string(),
  holdout: z.boolean(),
  status: z.enum(['active', 'waiting', 'completed', 'exited']),
  step: z.string().nullable(),
  due_at: z.string().nullable(),
  waiting_for: z.string().nullable(),
  entered_at: z.string(),
  converted_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  end_reason: z.string().nullable(),
  history: z.array(z.object({ visit: z.number().int(), step: z.string(), kind: z.string(), outcome: z.record(z.string(), z.unknown()), at: z.string() })),
});
export type JourneyRun = z.infer<typeof JourneyRun>;
export const JourneyRunList = z.object({ data: z.array(JourneyRun), next_cursor: z.string().nullable() });
export const JourneyRunQuery = z
  .object({
    member_id: z.string().min(1).max(64).optional().describe('Only this member’s passes'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
