import { z } from 'zod';

// The forms' rules, as the server's contracts state them (src/modules/staff and ledger): messages are i18n keys.
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export const SignInForm = z.object({
  email: z.string().trim().min(1, 'validation.required').max(254, 'validation.tooLong'),
  password: z.string().min(1, 'validation.required').max(1000, 'validation.tooLong'),
});
export type SignInForm = z.infer<typeof SignInForm>;

export const SetupForm = z
  .object({
    name: z.string().trim().max(200, 'validation.tooLong'),
    password: z.string().min(PASSWORD_MIN, 'validation.passwordShort').max(PASSWORD_MAX, 'validation.passwordLong'),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'validation.passwordMismatch' });
export type SetupForm = z.infer<typeof SetupForm>;

export const AdjustForm = z.object({
  direction: z.enum(['credit', 'debit']),
  points: z.coerce.number<string>('validation.wholeNumber').int('validation.wholeNumber').min(1, 'validation.positive').max(Number.MAX_SAFE_INTEGER, 'validation.tooLarge'),
  reason: z.string().trim().min(1, 'validation.reasonRequired').max(500, 'validation.tooLong'),
});
export type AdjustFormInput = z.input<typeof AdjustForm>;
export type AdjustForm = z.output<typeof AdjustForm>;

export const KeyForm = z.object({
  name: z.string().trim().min(1, 'validation.required').max(200, 'validation.tooLong'),
  scope: z.enum(['admin', 'server', 'read']),
});
export type KeyForm = z.infer<typeof KeyForm>;
