import { z } from 'zod';
import { Instant } from '../../platform/instant.js';

export const MemberStatus = z.enum(['active', 'suspended', 'erased']);
export type MemberStatus = z.infer<typeof MemberStatus>;

/** PostgreSQL text cannot hold the NUL character; refuse it here rather than fail in the database. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

export const Tag = text(64);

export const Consent = z.object({
  email: z.boolean(),
  sms: z.boolean(),
  push: z.boolean(),
});
export type Consent = z.infer<typeof Consent>;

const ConsentInput = z
  .object({ email: z.boolean().optional(), sms: z.boolean().optional(), push: z.boolean().optional() })
  .strict()
  .describe('Marketing consent per channel; fields left out keep their value (false for a new member)');

const Attributes = z
  .record(z.string(), z.unknown())
  .describe('Free-form JSON object for the brand’s own fields, at most 16 KB');

/** Identity fields as typed by the caller; the service normalises and validates them. */
const identityFields = {
  email: z.string().max(320).nullable().optional().describe('Trimmed and lower-cased; unique in the program'),
  phone: z
    .string()
    .max(40)
    .nullable()
    .optional()
    .describe('Stored in E.164; a national number is read in the member’s `country`, otherwise start with +'),
  card_number: z
    .string()
    .max(100)
    .nullable()
    .optional()
    .describe('Spaces removed, upper-cased; 4–64 of A–Z, 0–9 and -'),
};

const profileFields = {
  first_name: text(200).nullable().optional(),
  last_name: text(200).nullable().optional(),
  birthdate: z.string().max(32).nullable().optional().describe('YYYY-MM-DD, not in the future'),
  locale: z.string().max(64).nullable().optional().describe('BCP 47 language tag, e.g. en-GB'),
  time_zone: z.string().max(64).nullable().optional().describe('IANA time zone, e.g. Europe/London'),
  country: z.string().max(8).nullable().optional().describe('ISO 3166-1 alpha-2, e.g. GB'),
  attributes: Attributes.optional(),
};

export const MemberCreate = z
  .object({
    ...identityFields,
    external_ids: z
      .record(z.string(), z.string().max(200))
      .optional()
      .describe('Ids in other systems by channel, e.g. {"shopify": "123"}; one per channel, unique per channel'),
    ...profileFields,
    tags: z.array(Tag).max(100).optional(),
    consent: ConsentInput.optional(),
    enrolment_channel: text(64).nullable().optional().describe('Where the member joined, e.g. web, pos, app'),
    enrolled_at: Instant.optional().describe('When the member joined; default now'),
    referral_code: z.string().max(64).optional().describe('Another member’s referral code: links the new member to them'),
  })
  .strict()
  .describe('A new member: at least one of email, phone, card_number or external_ids');
export type MemberCreate = z.infer<typeof MemberCreate>;

export const MemberUpdate = z
  .object({
    ...identityFields,
    external_ids: z
      .record(z.string(), z.string().max(200).nullable())
      .optional()
      .describe('Merged per channel; null removes that channel’s id'),
    ...profileFields,
    tags: z.array(Tag).max(100).optional().describe('Replaces the tags'),
    add_tags: z.array(Tag).max(100).optional().describe('Added after `tags` is applied'),
    remove_tags: z.array(Tag).max(100).optional().describe('Removed after `add_tags`'),
    consent: ConsentInput.optional(),
    status: z.enum(['active', 'suspended']).optional().describe('Erase a member with POST /v1/members/{member_id}/erase'),
  })
  .strict()
  .describe('Fields left out keep their value; null clears a field or removes an identity');
export type MemberUpdate = z.infer<typeof MemberUpdate>;

export const Member = z.object({
  id: z.string(),
  program_id: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  card_number: z.string().nullable(),
  external_ids: z.record(z.string(), z.string()),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  birthdate: z.string().nullable(),
  locale: z.string().nullable(),
  time_zone: z.string().nullable(),
  country: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  consent: Consent,
  status: MemberStatus,
  enrolment_channel: z.string().nullable(),
  enrolled_at: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Member = z.infer<typeof Member>;

export const MemberParams = z.object({ member_id: z.string().max(64) }).strict();

export const MemberListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
    identity: z
      .string()
      .max(320)
      .optional()
      .describe('One identity: email:ann@example.com, phone:+447700900123, card:ABC123, or <channel>:<id>'),
    q: z.string().trim().min(1).max(200).optional().describe('Case-insensitive part of the first name, last name or email'),
    tag: Tag.optional().describe('Only members with this tag'),
    status: MemberStatus.optional().describe('Only members in this status'),
    tier: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/, 'a tier level id')
      .optional()
      .describe('Only members whose current tier is this level (its id; earned or granted)'),
  })
  .strict();
export type MemberListQuery = z.infer<typeof MemberListQuery>;

export const MemberList = z.object({
  data: z.array(Member),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});
export type MemberList = z.infer<typeof MemberList>;

/** How another module (events) names a member: by exactly one identity. */
export const MemberRef = z
  .union(
    [
      z.object({ id: z.string().min(1).max(64) }).strict(),
      z.object({ email: z.string().min(1).max(320) }).strict(),
      z.object({ phone: z.string().min(1).max(40).describe('International format, +…') }).strict(),
      z.object({ card_number: z.string().min(1).max(100) }).strict(),
      z.object({ external_id: z.string().min(3).max(240).describe('"channel:id", e.g. "shopify:123"') }).strict(),
    ],
    { error: 'name the member by exactly one of id, email, phone, card_number, external_id ("channel:id")' },
  )
  .describe('The member, by exactly one identity');
export type MemberRef = z.infer<typeof MemberRef>;
