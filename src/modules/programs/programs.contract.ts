import { z } from 'zod';

export const Scope = z.enum(['admin', 'server', 'read']);
export type Scope = z.infer<typeof Scope>;

export const PointCurrency = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'lower-case letters, digits and _ (e.g. points, status_credits, stamps)');

export const Rounding = z.enum(['floor', 'round', 'ceil']);
export type Rounding = z.infer<typeof Rounding>;

export const ExpiryPolicy = z.discriminatedUnion('policy', [
  z.object({ policy: z.literal('never') }).strict(),
  z
    .object({ policy: z.literal('rolling'), days: z.number().int().min(1).max(36500) })
    .strict()
    .describe('Each lot expires this many days after it was earned'),
  z
    .object({ policy: z.literal('end_of_period'), months: z.number().int().min(1).max(1200) })
    .strict()
    .describe('Each lot expires at the end of the calendar month this many months after it was earned'),
]);
export type ExpiryPolicy = z.infer<typeof ExpiryPolicy>;

export const ProgramSettings = z
  .object({
    base_earning: z
      .object({
        points: z.number().int().min(0).max(1_000_000),
        per_amount: z.number().int().min(1).max(1_000_000_000).describe('in minor units of the program currency'),
      })
      .strict()
      .describe('Points a purchase earns: `points` for every `per_amount` minor units spent (1 per 100 = 1 point per £1)'),
    rounding: Rounding,
    pending_days: z.number().int().min(0).max(365).describe('Days purchase points stay pending (the return window)'),
    expiry: ExpiryPolicy,
    negative_balance: z
      .enum(['allow', 'forbid'])
      .describe('allow: a refund of spent points drives the balance below zero; forbid: it takes only what is there'),
    auto_enrol: z.boolean().describe('Enrol a member when an event names an identity nobody has'),
    hold_ttl_seconds: z.number().int().min(1).max(30 * 86400).describe('Default lifetime of a hold'),
  })
  .strict();
export type ProgramSettings = z.infer<typeof ProgramSettings>;

export const DEFAULT_SETTINGS: ProgramSettings = {
  base_earning: { points: 1, per_amount: 100 },
  rounding: 'floor',
  pending_days: 0,
  expiry: { policy: 'never' },
  negative_balance: 'allow',
  auto_enrol: true,
  hold_ttl_seconds: 900,
};

export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as GBP');

export const ProgramCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    currency: CurrencyCode,
    point_currencies: z.array(PointCurrency).min(1).max(16).optional().describe('The first is the main one; default [points]'),
    settings: ProgramSettings.partial().optional(),
  })
  .strict();

export const ProgramUpdate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    point_currencies: z.array(PointCurrency).min(1).max(16).optional().describe('Currencies can be added, not removed'),
    settings: ProgramSettings.partial().optional(),
    status: z.enum(['active', 'paused']).optional(),
  })
  .strict();

export const Program = z.object({
  id: z.string(),
  workspace_id: z.string(),
  name: z.string(),
  currency: z.string(),
  point_currencies: z.array(z.string()),
  settings: ProgramSettings,
  status: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Program = z.infer<typeof Program>;

export const KeyCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    scopes: z.array(Scope).min(1),
    program_id: z.string().min(1).max(100).nullable().optional().describe('Limit the key to one program; null for the whole workspace'),
  })
  .strict();

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  workspace_id: z.string(),
  program_id: z.string().nullable(),
  scopes: z.array(Scope),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiKeyWithSecret = ApiKey.extend({
  secret: z
    .string()
    .nullable()
    .describe(
      'The key itself, shown this once; Patron keeps only its hash. A replay of the request (same Idempotency-Key and body) answers null: the secret is never stored',
    ),
  note: z.string().optional().describe('Present on a replay: says why `secret` is null'),
});
