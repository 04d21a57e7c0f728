import { z } from 'zod';

export const Role = z.enum(['owner', 'admin', 'marketer', 'support', 'analyst']);
export type Role = z.infer<typeof Role>;

export const Locale = z.enum(['en', 'zh-Hans', 'zh-Hant', 'ru']);
export type Locale = z.infer<typeof Locale>;

const ProgramIds = z
  .array(z.string().regex(/^prg_[0-9a-z]{26}$/, 'a program id (prg_…)'))
  .max(1000)
  .nullable()
  .describe('The programs this staff user may see; null: every program of the workspace');

export const Staff = z.object({
  id: z.string().describe('stf_…'),
  workspace_id: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
  program_ids: z.array(z.string()).nullable(),
  locale: Locale,
  disabled: z.boolean(),
  created_at: z.string(),
  last_sign_in_at: z.string().nullable(),
});
export type Staff = z.infer<typeof Staff>;

const Email = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'an email address')
  .transform((s) => s.toLowerCase());
const Name = z.string().trim().max(200);

export const SignIn = z.object({ email: z.string().max(254), password: z.string().max(1000) }).strict();
export const SessionAnswer = z.object({
  staff: Staff,
  csrf_token: z.string().describe('Send as x-csrf-token on every write'),
  permissions: z
    .array(z.string())
    .describe("The routes this user's role may call, as `METHOD /v1/path/:param` (the console shows only what they allow; the server enforces them)"),
});

export const Setup = z
  .object({
    token: z.string().max(200),
    password: z.string().max(1000).describe('10 to 200 characters'),
    name: Name.optional(),
  })
  .strict();

export const MePatch = z.object({ name: Name.optional(), locale: Locale.optional() }).strict();

export const StaffCreate = z
  .object({ email: Email, name: Name.optional(), role: Role, program_ids: ProgramIds.default(null) })
  .strict();
export type StaffCreate = z.infer<typeof StaffCreate>;

export const StaffPatch = z
  .object({ name: Name.optional(), role: Role.optional(), program_ids: ProgramIds.optional(), disabled: z.boolean().optional() })
  .strict();
export type StaffPatch = z.infer<typeof StaffPatch>;

export const StaffParams = z.object({ staff_id: z.string() }).strict();
export const StaffListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export const StaffList = z.object({ data: z.array(Staff), next_cursor: z.string().nullable() });
export const StaffInvited = z.object({ staff: Staff, setup_url: z.string().describe('A one-time link, valid 7 days') });
export const SetupUrl = z.object({ setup_url: z.string() });

export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 200;
