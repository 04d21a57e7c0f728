import { z } from 'zod';
import { Instant } from '../../platform/instant.js';
import { PointCurrency } from '../programs/index.js';

/** Whole positive points, within what JSON numbers hold exactly. */
export const Points = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const Reason = z.string().trim().min(1).max(500);
const Reference = z.string().trim().min(1).max(200);

export const MemberParams = z.object({ member_id: z.string().min(1).max(100) }).strict();
export const HoldParams = z.object({ hold_id: z.string().min(1).max(100) }).strict();
export const TxnParams = z.object({ txn_id: z.string().min(1).max(100) }).strict();

export const RedemptionCreate = z
  .object({
    points: Points,
    currency: PointCurrency.optional().describe('Default: the program’s main point currency'),
    reference: Reference.optional().describe('Your reference for the spend (order, reward)'),
    reason: Reason.optional(),
  })
  .strict();

export const AdjustmentCreate = z
  .object({
    points: z
      .number()
      .int()
      .min(-Number.MAX_SAFE_INTEGER)
      .max(Number.MAX_SAFE_INTEGER)
      .refine((n) => n !== 0, 'must not be zero')
      .describe('Positive credits, negative debits'),
    currency: PointCurrency.optional(),
    reason: Reason.describe('Why: kept on the transaction for audit'),
    expires_at: Instant.optional().describe('For credits: when these points expire (default: the program policy)'),
  })
  .strict();

export const TransferCreate = z
  .object({
    from_member_id: z.string().min(1).max(100),
    to_member_id: z.string().min(1).max(100),
    points: Points,
    currency: PointCurrency.optional(),
    reason: Reason.optional(),
  })
  .strict();

export const HoldCreate = z
  .object({
    points: Points,
    currency: PointCurrency.optional(),
    ttl_seconds: z.number().int().min(1).max(30 * 86400).optional().describe('Default: the program’s hold_ttl_seconds'),
    reference: Reference.optional(),
  })
  .strict();

export const ReverseBody = z.object({ reason: Reason.optional() }).strict();

export const BalanceQuery = z.object({ currency: PointCurrency.optional() }).strict();

export const HistoryQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    currency: PointCurrency.optional(),
  })
  .strict();

export const Balance = z.object({
  member_id: z.string(),
  currency: z.string(),
  available: z.number().int().describe('What can be spent now: balance less active holds'),
  balance: z.number().int().describe('Posted points (may be negative after a refund of spent points)'),
  pending: z.number().int().describe('Earned but still in the lock period'),
  held: z.number().int().describe('Reserved by active holds'),
  negative: z.boolean(),
  lifetime: z
    .object({
      earned: z.number().int().describe('Points that reached the available balance: earned (once out of the lock period), credit adjustments; gross, reversals not taken off'),
      reversed: z.number().int().describe('Points taken back from the available balance by refunds, reversals and debit adjustments'),
      spent: z.number().int().describe('Points redeemed, less redemptions reversed'),
      expired: z.number().int().describe('Points that expired'),
    })
    .describe('Lifetime figures of the available balance: balance = earned − reversed − spent − expired ± transfers'),
  next_expiries: z.array(z.object({ expires_at: z.string(), points: z.number().int() })),
  pending_releases: z.array(z.object({ available_at: z.string(), points: z.number().int() })),
});

export const Transaction = z.object({
  id: z.string(),
  type: z.string(),
  member_id: z.string().nullable(),
  currency: z.string(),
  amount: z.number().int(),
  points: z.number().int().describe('Change to the member’s available points (history only)').optional(),
  pending_points: z.number().int().describe('Change to the member’s pending points (history only)').optional(),
  event_id: z.string().nullable(),
  order_id: z.string().nullable(),
  reverses_id: z.string().nullable(),
  hold_id: z.string().nullable(),
  reason: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  occurred_at: z.string(),
  created_at: z.string(),
  postings: z
    .array(z.object({ account: z.string(), currency: z.string(), amount: z.number().int() }))
    .optional(),
});

export const Hold = z.object({
  id: z.string(),
  member_id: z.string(),
  currency: z.string(),
  points: z.number().int(),
  status: z.enum(['active', 'confirmed', 'cancelled', 'expired']),
  reference: z.string().nullable(),
  expires_at: z.string(),
  transaction_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const TxnPage = z.object({ data: z.array(Transaction), next_cursor: z.string().nullable() });
