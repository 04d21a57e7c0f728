import { z } from 'zod';
import { CurrencyCode } from '../programs/index.js';
import { MemberRef } from '../members/index.js';
import { AppError, type FieldError } from '../../platform/errors.js';
import { inputError, inspectInput, RefusedSlot } from '../../platform/input.js';
import { DayOrInstant, Instant, issueCode } from '../../platform/instant.js';

const Money = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('In minor units (pence, cents)');
const EventId = z.string().min(1).max(200).describe('Your id for the event: a retry with the same id is answered from the first');
const OccurredAt = Instant.describe('When it happened (ISO 8601); default: when Patron received it');
const Properties = z.record(z.string(), z.unknown()).describe('Anything else about the event, for rules and analytics');

export const PurchaseLine = z
  .object({
    sku: z.string().min(1).max(100),
    name: z.string().max(500).optional(),
    category: z.string().min(1).max(100).optional(),
    quantity: z.number().int().min(1).max(1_000_000),
    unit_price: Money,
  })
  .strict();

const PurchaseFields = z.object({
  type: z.literal('purchase'),
  id: EventId,
  order_id: z.string().min(1).max(200),
  amount: Money.optional().describe('What was paid; default: the sum of the lines'),
  currency: CurrencyCode,
  lines: z.array(PurchaseLine).max(1000).optional(),
  channel: z.string().min(1).max(50).optional().describe('web, app, pos, partner, marketplace, …'),
  store_id: z.string().min(1).max(100).optional(),
  occurred_at: OccurredAt.optional(),
  properties: Properties.optional(),
});

export const PurchaseEvent = PurchaseFields.extend({
  member: MemberRef,
  guest: z.literal(false, { error: 'true for a guest purchase (then without member), else false or left out' }).optional(),
}).strict();

/**
 * A checkout without a loyalty member, said explicitly (a purchase that merely forgot its member is refused):
 * its order is kept for analytics (participation, guest vs. member spend) and it earns nothing.
 */
export const GuestPurchaseEvent = PurchaseFields.extend({
  guest: z.literal(true).describe('A guest checkout: no member, no points; recorded for analytics'),
}).strict();

export const RefundEvent = z
  .object({
    type: z.literal('refund'),
    id: EventId,
    order_id: z.string().min(1).max(200),
    member: MemberRef.optional().describe('Optional: the order names its member'),
    amount: Money.refine((n) => n > 0, 'must be positive').optional().describe('Money refunded; or give lines'),
    currency: CurrencyCode.optional(),
    lines: z
      .array(z.object({ sku: z.string().min(1).max(100), quantity: z.number().int().min(1).max(1_000_000) }).strict())
      .min(1)
      .max(1000)
      .optional(),
    channel: z.string().min(1).max(50).optional(),
    reason: z.string().max(500).optional(),
    occurred_at: OccurredAt.optional(),
    properties: Properties.optional(),
  })
  .strict();

export const CustomEvent = z
  .object({
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_.]{0,63}$/, 'lower-case name such as signup, review_submitted, store_checkin')
      .refine((t) => t !== 'purchase' && t !== 'refund', 'purchase and refund have their own shape'),
    id: EventId,
    member: MemberRef,
    channel: z.string().min(1).max(50).optional(),
    occurred_at: OccurredAt.optional(),
    properties: Properties.optional(),
  })
  .strict();

export const EventInput = z.union([PurchaseEvent, GuestPurchaseEvent, RefundEvent, CustomEvent]);
export type PurchaseEvent = z.infer<typeof PurchaseEvent>;
export type GuestPurchaseEvent = z.infer<typeof GuestPurchaseEvent>;
export type RefundEvent = z.infer<typeof RefundEvent>;
export type CustomEvent = z.infer<typeof CustomEvent>;
export type EventInput = PurchaseEvent | GuestPurchaseEvent | RefundEvent | CustomEvent;

/**
 * A batch as it is validated: the envelope here, each event on its own afterwards (`parseEvent`), so that a bad
 * event is rejected in its slot and does not sink the others — which is why the items are not typed here.
 */
export const BatchInput = z
  .object({
    events: z
      .array(z.unknown().describe('An event, as POST /v1/events takes it: a purchase, a guest purchase, a refund or a custom event'))
      .min(1)
      .max(1000)
      .describe('Up to 1,000 events, applied in order; each is checked on its own and a bad one is answered `rejected` in its slot'),
  })
  .strict();

/**
 * Parses one event by its `type`, so errors name the field of that event's own shape rather than a union's
 * attempts. `prefix` places the field inside a batch (`events.3.amount`). Every path that takes events (the API,
 * batches, imports, the NATS worker) parses them here, so each refuses the same events for the same reasons.
 */
export function parseEvent(raw: unknown, prefix = ''): EventInput {
  const fail = (issues: z.core.$ZodIssue[]) => {
    const errors: FieldError[] = issues.map((i) => {
      const path = i.path.map(String);
      if (i.code === 'unrecognized_keys' && i.keys.length) path.push(i.keys[0]!);
      return {
        field: prefix + (path.length ? path.join('.') : 'body'),
        code: issueCode(i),
        message: i.code === 'unrecognized_keys' ? `Unknown field: ${i.keys.join(', ')}` : i.message,
      };
    });
    const first = errors[0]!;
    return new AppError('invalid', first.code, `Invalid event: ${first.field}: ${first.message}`, { field: first.field, errors });
  };
  // Text that cannot be stored, or nesting too deep to hash, is refused before anything reads the event.
  if (raw instanceof RefusedSlot) throw raw.error;
  const bad = inspectInput(raw, prefix);
  if (bad) throw inputError(bad);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AppError('invalid', 'validation.invalid_type', 'An event is a JSON object', { field: prefix.replace(/\.$/, '') || 'body' });
  }
  const { type, guest, member } = raw as { type?: unknown; guest?: unknown; member?: unknown };
  // Only an explicit `guest: true` makes a purchase without a member; otherwise the member is required as ever.
  const isGuest = type === 'purchase' && guest === true;
  if (isGuest && member !== undefined) {
    const field = `${prefix}member`;
    const message = 'a guest purchase names no member: send member or guest: true, not both';
    throw new AppError('invalid', 'event.guest_with_member', `Invalid event: ${field}: ${message}`, {
      field,
      errors: [{ field, code: 'event.guest_with_member', message }],
    });
  }
  const schema = type === 'purchase' ? (isGuest ? GuestPurchaseEvent : PurchaseEvent) : type === 'refund' ? RefundEvent : CustomEvent;
  const r = schema.safeParse(raw);
  if (!r.success) throw fail(r.error.issues);
  return r.data;
}

export const EventTransaction = z.object({
  id: z.string(),
  type: z.string(),
  currency: z.string(),
  points: z.number().int(),
  pending: z.boolean(),
  available_at: z.string().nullable(),
  rule_id: z.string().nullable().optional().describe('The earning rule that paid it (base_earning for the program rate)'),
  rule_version: z.number().int().nullable().optional(),
});

/** Something an event caused besides points: a tag, a reward, a tier change, a referral qualifying, … */
export const EventOutcome = z
  .object({ kind: z.string().describe('tag_added, tag_removed, reward_issued, tier_changed, referral_qualified, …') })
  .catchall(z.unknown());
export type EventOutcome = z.infer<typeof EventOutcome>;

export const EventResult = z.object({
  id: z.string(),
  type: z.string(),
  status: z.literal('applied'),
  member_id: z.string().nullable().describe('null for a guest purchase, and a refund of one'),
  member_enrolled: z.boolean(),
  guest: z.literal(true).optional().describe('A guest purchase (or a refund of one): no member, no points'),
  order_id: z.string().nullable(),
  points: z.record(z.string(), z.number().int()).describe('Net change per point currency (available + pending)'),
  transactions: z.array(EventTransaction),
  outcomes: z.array(EventOutcome).optional(),
  refund: z
    .object({ amount: z.number().int(), refunded_amount: z.number().int(), order_amount: z.number().int() })
    .optional(),
  occurred_at: z.string(),
  received_at: z.string(),
});
export type EventResult = z.infer<typeof EventResult>;

export const EventResponse = EventResult.extend({ replayed: z.boolean() });

export const BatchItem = z.object({
  index: z.number().int(),
  id: z.string().nullable(),
  status: z.enum(['applied', 'replayed', 'rejected']),
  result: EventResult.optional(),
  error: z
    .object({ status: z.number().int(), code: z.string(), detail: z.string(), field: z.string().optional() })
    .optional(),
});

export const BatchResponse = z.object({
  applied: z.number().int(),
  replayed: z.number().int(),
  rejected: z.number().int(),
  results: z.array(BatchItem),
});

/** A reported event as stored: what was sent (`payload`) and what it did (`result`). */
export const EventView = z.object({
  id: z.string(),
  type: z.string(),
  member_id: z.string().nullable(),
  order_id: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()).describe('The event as it was received'),
  result: EventResult.describe('What the event did when it was applied'),
  occurred_at: z.string(),
  received_at: z.string(),
  rule_names: z
    .record(z.string(), z.string())
    .optional()
    .describe('The name of each earning rule that paid (by rule id, at the version that paid); base_earning is the program rate'),
});

/**
 * What an applied event came to, as the log filters it: `earned` points (a purchase or custom event), `reversed`
 * points (a refund), `no_points` (applied, nothing moved), `guest` (a guest purchase or its refund). Events a
 * request refused (4xx) are not in the log: the caller got the problem, and nothing was written (those refused
 * for what they meant are kept apart, as `EventRefusal`s).
 */
export const EventOutcomeFilter = z.enum(['earned', 'reversed', 'no_points', 'guest']);
export type EventOutcomeFilter = z.infer<typeof EventOutcomeFilter>;

export const EventListQuery = z
  .object({
    type: z.string().min(1).max(64).regex(/^[a-z][a-z0-9_.]{0,63}$/, 'an event type: purchase, refund, signup, …').optional().describe('Only events of this type'),
    member: z
      .string()
      .min(1)
      .max(320)
      .optional()
      .describe('Only this member’s events: a member id (mbr_…) or one identity (email:ann@example.com, phone:+447700900123, card:ABC123, <channel>:<id>)'),
    order_id: z.string().min(1).max(200).optional().describe('Only the events of this order (its purchase and refunds)'),
    outcome: EventOutcomeFilter.optional().describe('earned, reversed, no_points or guest'),
    from: DayOrInstant.optional().describe('Events that happened at or after this date or time'),
    to: DayOrInstant.optional().describe('Events that happened before this date or time'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(400).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type EventListQuery = z.infer<typeof EventListQuery>;

export const EventList = z.object({
  data: z.array(EventView),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

/** An event not applied yet (serve --ingest=nats): still queued, or refused by a worker. */
export const EventPending = z.object({
  id: z.string(),
  status: z.enum(['queued', 'rejected']),
  error: z.unknown().optional().describe('For a rejected event: the problem the worker found'),
});

export const OrderView = z.object({
  id: z.string(),
  member_id: z.string().nullable().describe('null for a guest purchase'),
  event_id: z.string().nullable(),
  currency: z.string(),
  amount: z.number().int().describe('What was paid, in minor units'),
  refunded_amount: z.number().int(),
  lines: z
    .array(
      z.object({
        sku: z.string(),
        name: z.string().optional(),
        category: z.string().optional(),
        quantity: z.number().int(),
        unit_price: z.number().int(),
        refunded_quantity: z.number().int(),
      }),
    )
    .describe('The lines of the purchase, with how many of each were refunded'),
  channel: z.string().nullable(),
  store_id: z.string().nullable(),
  points: z
    .record(z.string(), z.object({ earned: z.number().int(), reversed: z.number().int() }))
    .describe('Per point currency: what the order earned and what its refunds reversed'),
  occurred_at: z.string(),
  created_at: z.string(),
});

export const OrderFulfilled = z.object({
  order_id: z.string(),
  released_points: z.number().int().describe('Pending points made available now'),
});

/** Where a refused event came in: a single event, a slot of a batch, or a worker applying the NATS stream. */
export const RefusalSource = z.enum(['api', 'batch', 'stream']);
export type RefusalSource = z.infer<typeof RefusalSource>;

/**
 * An event that was refused for what it meant (an unknown, suspended or erased member, a refund over its order,
 * an unknown order, a reused id, a date too far ahead, …): it wrote nothing, and this is what was sent and why.
 */
export const EventRefusal = z.object({
  id: z.string().describe('erf_…'),
  event_id: z.string().nullable().describe('The id the event was sent with'),
  type: z.string(),
  member_id: z.string().nullable().describe('The member the event named, when such a member exists'),
  member_ref: z.record(z.string(), z.unknown()).nullable().describe('The member as the event named them'),
  order_id: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()).describe('The event as it was received'),
  problem: z
    .object({ status: z.number().int(), code: z.string(), detail: z.string(), field: z.string().optional() })
    .describe('The problem the caller was answered with'),
  source: RefusalSource,
  occurred_at: z.string().nullable().describe('When the event said it happened'),
  refused_at: z.string(),
});

export const EventRefusalListQuery = z
  .object({
    type: EventListQuery.shape.type.describe('Only refusals of events of this type'),
    member: EventListQuery.shape.member.describe(
      'Only refusals of events naming this member: a member id (mbr_…) or one identity (email:ann@example.com, …), also one nobody has',
    ),
    code: z.string().min(1).max(100).regex(/^[a-z][a-z0-9_.]*$/, 'a problem code such as member.not_found').optional().describe('Only refusals with this problem code'),
    event_id: z.string().min(1).max(200).optional().describe('Only refusals of events sent with this id'),
    from: DayOrInstant.optional().describe('Refused at or after this date or time'),
    to: DayOrInstant.optional().describe('Refused before this date or time'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(400).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type EventRefusalListQuery = z.infer<typeof EventRefusalListQuery>;

export const EventRefusalList = z.object({
  data: z.array(EventRefusal),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});
