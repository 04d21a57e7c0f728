import { z } from 'zod';
import { MemberRef } from '../members/index.js';

const Reward = z
  .object({
    points: z.number().int().min(1).max(1_000_000_000),
    currency: z.string().max(32).optional().describe('A point currency of the program; default the main one'),
    pending_days: z.number().int().min(0).max(365).optional().describe('Days the reward stays pending; default 0'),
  })
  .strict();
export type Reward = z.infer<typeof Reward>;

export const ReferralSettingsInput = z
  .object({
    enabled: z.boolean().default(true).describe('false: codes still link members, but nobody qualifies'),
    condition: z
      .object({
        min_amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).describe('Minimum purchase, minor units'),
        first_purchase: z
          .boolean()
          .default(true)
          .describe('true: only the referee’s first purchase can qualify; false: the first purchase that meets the minimum'),
        within_days: z.number().int().min(1).max(3650).nullable().default(null).describe('Days after the referee’s enrolment'),
      })
      .strict()
      .default({ min_amount: 0, first_purchase: true, within_days: null }),
    referrer_reward: Reward.nullable().default(null).describe('What the referrer gets; null: nothing'),
    referee_reward: Reward.nullable().default(null).describe('What the referee gets; null: nothing'),
    cap_per_referrer: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .nullable()
      .default(null)
      .describe('Most qualified referrals a referrer is rewarded for; later ones are recorded as capped'),
    ambassador_threshold: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .nullable()
      .default(null)
      .describe('Qualified referees that earn the referrer the `ambassador` tag; null: never'),
  })
  .strict();
export type ReferralSettingsValue = z.output<typeof ReferralSettingsInput>;

const RewardOut = z.object({ points: z.number().int(), currency: z.string(), pending_days: z.number().int() });

export const ReferralSettings = z.object({
  enabled: z.boolean(),
  condition: z.object({ min_amount: z.number().int(), first_purchase: z.boolean(), within_days: z.number().int().nullable() }),
  referrer_reward: RewardOut.nullable(),
  referee_reward: RewardOut.nullable(),
  cap_per_referrer: z.number().int().nullable(),
  ambassador_threshold: z.number().int().nullable(),
  updated_at: z.string().nullable().describe('null: never set (the defaults, disabled)'),
});
export type ReferralSettings = z.infer<typeof ReferralSettings>;
/** The settings as stored: rewards with their currency and pending days filled in. */
export type StoredReferralSettings = Omit<ReferralSettings, 'updated_at'>;

export const ReferralStatus = z.enum(['pending', 'qualified', 'capped', 'lapsed']);
export type ReferralStatus = z.infer<typeof ReferralStatus>;

const SideReward = z.object({ currency: z.string(), points: z.number().int(), txn_id: z.string() }).nullable();

export const Referral = z.object({
  id: z.string(),
  referrer_id: z.string(),
  referee_id: z.string(),
  code: z.string(),
  status: ReferralStatus.describe('pending; qualified (both sides rewarded); capped (referrer over the cap); lapsed (can no longer qualify)'),
  linked_via: z.enum(['enrolment', 'link']),
  linked_at: z.string(),
  qualified_at: z.string().nullable(),
  event_id: z.string().nullable(),
  order_id: z.string().nullable(),
  rewards: z.object({ referrer: SideReward, referee: SideReward }).partial(),
});
export type Referral = z.infer<typeof Referral>;

export const ReferralCreate = z
  .object({
    referee: MemberRef.describe('The member to link: enrolled, and no purchase yet'),
    code: z.string().min(1).max(64).describe('The referrer’s code'),
  })
  .strict();
export type ReferralCreate = z.infer<typeof ReferralCreate>;

export const ReferralListQuery = z
  .object({
    referrer: z.string().max(64).optional().describe('Member id of the referrer'),
    referee: z.string().max(64).optional().describe('Member id of the referee'),
    status: ReferralStatus.optional().describe('Only referrals in this status'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type ReferralListQuery = z.infer<typeof ReferralListQuery>;

export const ReferralListItem = Referral.extend({
  referrer_name: z.string().nullable().describe('The referrer’s first and last name, if known'),
  referee_name: z.string().nullable().describe('The referee’s first and last name, if known'),
});
export const ReferralList = z.object({ data: z.array(ReferralListItem), next_cursor: z.string().nullable() });

export const ReferralStats = z.object({
  referred: z.number().int().describe('Members linked to this member’s code'),
  pending: z.number().int(),
  qualified: z.number().int().describe('Referees that met the condition (rewarded or capped)'),
  rewarded: z.number().int().describe('Qualified referees the member was rewarded for'),
  capped: z.number().int().describe('Qualified referees past the cap: no reward for the member'),
  lapsed: z.number().int(),
});

export const MemberReferral = z.object({
  member_id: z.string(),
  code: z.string(),
  referred_by: z.object({ referral_id: z.string(), referrer_id: z.string(), status: ReferralStatus }).nullable(),
  stats: ReferralStats,
});
export type MemberReferral = z.infer<typeof MemberReferral>;

export const MemberParams = z.object({ member_id: z.string().max(64) }).strict();

export const TopReferrersQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(10),
    only: z.enum(['all', 'ambassadors']).default('all').describe('ambassadors: only referrers at or above the ambassador threshold'),
  })
  .strict();
export type TopReferrersQuery = z.infer<typeof TopReferrersQuery>;

export const TopReferrers = z.object({
  ambassador_threshold: z.number().int().nullable(),
  ambassadors: z.number().int().describe('Referrers at or above the ambassador threshold (0 when there is none)'),
  data: z.array(
    z.object({
      member_id: z.string(),
      name: z.string().nullable().describe('The member’s first and last name, if known'),
      code: z.string(),
      qualified: z.number().int().describe('Referees that met the condition'),
      rewarded: z.number().int().describe('Qualified referees the member was rewarded for'),
      points_earned: z.record(z.string(), z.number().int()).describe('Points the member earned as referrer, by point currency'),
      ambassador: z.boolean(),
    }),
  ),
});
