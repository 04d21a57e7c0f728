import * as z from 'zod/mini';

export const ROLES = ['owner', 'admin', 'marketer', 'support', 'analyst'] as const;

/** Invite and change share the role and the programs (all of them, or the ones ticked). */
export const StaffForm = z
  .object({
    email: z.string().check(z.trim(), z.maxLength(254, 'validation.tooLong'), z.regex(/^[^\s@]+@[^\s@]+$/, 'staff.validation.email')),
    name: z.string().check(z.trim(), z.maxLength(200, 'validation.tooLong')),
    role: z.enum(ROLES),
    scope: z.enum(['all', 'chosen']),
    programIds: z.array(z.string()),
  })
  .check(z.refine((v) => v.role === 'owner' || v.scope === 'all' || v.programIds.length > 0, { path: ['programIds'], message: 'staff.validation.programs' }));
export type StaffForm = z.infer<typeof StaffForm>;

export const programIdsOf = (v: StaffForm): string[] | null => (v.role === 'owner' || v.scope === 'all' ? null : v.programIds);
