// zod/mini: the same validation as zod, a fraction of its size in the browser (the sign-in budget).
import * as z from 'zod/mini';

// The forms' rules, as the server's contracts state them (src/modules/staff and ledger): messages are i18n keys.
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

const text = (min: number, max: number, required = 'validation.required') =>
  z.string().check(z.trim(), z.minLength(min, required), z.maxLength(max, 'validation.tooLong'));

export const SignInForm = z.object({
  email: text(1, 254),
  password: z.string().check(z.minLength(1, 'validation.required'), z.maxLength(1000, 'validation.tooLong')),
});
export type SignInForm = z.infer<typeof SignInForm>;

export const SetupForm = z
  .object({
    name: text(0, 200),
    password: z.string().check(z.minLength(PASSWORD_MIN, 'validation.passwordShort'), z.maxLength(PASSWORD_MAX, 'validation.passwordLong')),
    confirm: z.string(),
  })
  .check(z.refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'validation.passwordMismatch' }));
export type SetupForm = z.infer<typeof SetupForm>;

/** Points are typed as text and sent as a positive whole number; the direction gives the sign. */
export const AdjustForm = z.object({
  direction: z.enum(['credit', 'debit']),
  points: z
    .string()
    .check(
      z.trim(),
      z.regex(/^\d+$/, 'validation.wholeNumber'),
      z.refine((s) => Number(s) > 0, 'validation.positive'),
      z.refine((s) => Number(s) <= Number.MAX_SAFE_INTEGER, 'validation.tooLarge'),
    ),
  reason: text(1, 500, 'validation.reasonRequired'),
});
export type AdjustForm = z.infer<typeof AdjustForm>;

export const KeyForm = z.object({
  name: text(1, 200),
  scope: z.enum(['admin', 'server', 'read']),
});
export type KeyForm = z.infer<typeof KeyForm>;

/** A tier granted by hand: the level, the day it holds until (a date input), and the reason the audit keeps. */
export const GrantTierForm = z.object({
  level_id: text(1, 100),
  until: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'validation.date')),
  reason: text(1, 500, 'validation.reasonRequired'),
});
export type GrantTierForm = z.infer<typeof GrantTierForm>;

/** Tags as the server takes them: 1 to 64 characters each; typed one at a time. */
export const TagForm = z.object({ tag: text(1, 64) });
export type TagForm = z.infer<typeof TagForm>;
