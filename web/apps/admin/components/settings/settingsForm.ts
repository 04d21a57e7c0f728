// zod/mini, as the console's other forms (the bundle budget); the rules are the programs contract's.
import * as z from 'zod/mini';
import type { Program, ProgramChange } from '../../../../packages/api-client';

const whole = (min: number, max: number) =>
  z
    .string()
    .check(
      z.trim(),
      z.regex(/^\d+$/, 'validation.wholeNumber'),
      z.refine((s) => Number(s) >= min, 'settings.validation.tooSmall'),
      z.refine((s) => Number(s) <= max, 'validation.tooLarge'),
    );

/** The settings as the form holds them: numbers as typed text, the amount in major units (12.50). */
export const SettingsForm = z
  .object({
    name: z.string().check(z.trim(), z.minLength(1, 'validation.required'), z.maxLength(200, 'validation.tooLong')),
    status: z.enum(['active', 'paused']),
    points: whole(0, 1_000_000),
    perAmount: z.string().check(z.trim(), z.regex(/^\d+([.,]\d+)?$/, 'settings.validation.amount')),
    rounding: z.enum(['floor', 'round', 'ceil']),
    pendingDays: whole(0, 365),
    expiryPolicy: z.enum(['never', 'rolling', 'end_of_period']),
    expiryDays: z.string(),
    expiryMonths: z.string(),
    negativeBalance: z.enum(['allow', 'forbid']),
    autoEnrol: z.boolean(),
    holdSeconds: whole(1, 30 * 86_400),
  })
  .check(
    z.refine((v) => v.expiryPolicy !== 'rolling' || (/^\d+$/.test(v.expiryDays.trim()) && Number(v.expiryDays) >= 1 && Number(v.expiryDays) <= 36_500), {
      path: ['expiryDays'],
      message: 'settings.validation.expiryDays',
    }),
    z.refine((v) => v.expiryPolicy !== 'end_of_period' || (/^\d+$/.test(v.expiryMonths.trim()) && Number(v.expiryMonths) >= 1 && Number(v.expiryMonths) <= 1200), {
      path: ['expiryMonths'],
      message: 'settings.validation.expiryMonths',
    }),
  );
export type SettingsForm = z.infer<typeof SettingsForm>;

/** Minor units of the currency's digits, from text in major units, exactly (no floating point); null if it has more decimals. */
export function toMinor(text: string, digits: number): number | null {
  const t = text.trim().replace(',', '.');
  if (t.startsWith('-')) {
    const n = toMinor(t.slice(1), digits);
    return n === null ? null : -n;
  }
  const [whole = '0', frac = ''] = t.split('.');
  if (frac.length > digits) return null;
  return Number(whole + frac.padEnd(digits, '0'));
}

export function toMajor(minor: number, digits: number): string {
  if (minor < 0) return `-${toMajor(-minor, digits)}`;
  if (digits === 0) return String(minor);
  const s = String(minor).padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

export const currencyDigits = (currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

export function formOf(p: Program): SettingsForm {
  const s = p.settings;
  return {
    name: p.name,
    status: p.status === 'paused' ? 'paused' : 'active',
    points: String(s.base_earning.points),
    perAmount: toMajor(s.base_earning.per_amount, currencyDigits(p.currency)),
    rounding: s.rounding,
    pendingDays: String(s.pending_days),
    expiryPolicy: s.expiry.policy,
    expiryDays: s.expiry.policy === 'rolling' ? String(s.expiry.days) : '365',
    expiryMonths: s.expiry.policy === 'end_of_period' ? String(s.expiry.months) : '12',
    negativeBalance: s.negative_balance,
    autoEnrol: s.auto_enrol,
    holdSeconds: String(s.hold_ttl_seconds),
  };
}

/** The PATCH body of the form; `perAmount` in minor units, or null when it has too many decimals. */
export function changeOf(v: SettingsForm, currency: string): ProgramChange | null {
  const perAmount = toMinor(v.perAmount, currencyDigits(currency));
  if (perAmount === null) return null;
  const expiry =
    v.expiryPolicy === 'rolling'
      ? { policy: 'rolling' as const, days: Number(v.expiryDays) }
      : v.expiryPolicy === 'end_of_period'
        ? { policy: 'end_of_period' as const, months: Number(v.expiryMonths) }
        : { policy: 'never' as const };
  return {
    name: v.name.trim(),
    status: v.status,
    settings: {
      base_earning: { points: Number(v.points), per_amount: perAmount },
      rounding: v.rounding,
      pending_days: Number(v.pendingDays),
      expiry,
      negative_balance: v.negativeBalance,
      auto_enrol: v.autoEnrol,
      hold_ttl_seconds: Number(v.holdSeconds),
    },
  };
}

/** Where a problem's `field` (the API's body path) shows in the form. */
export const SERVER_FIELDS: Record<string, keyof SettingsForm> = {
  name: 'name',
  status: 'status',
  'settings.base_earning.points': 'points',
  'settings.base_earning.per_amount': 'perAmount',
  'settings.base_earning': 'points',
  'settings.rounding': 'rounding',
  'settings.pending_days': 'pendingDays',
  'settings.expiry': 'expiryPolicy',
  'settings.expiry.policy': 'expiryPolicy',
  'settings.expiry.days': 'expiryDays',
  'settings.expiry.months': 'expiryMonths',
  'settings.negative_balance': 'negativeBalance',
  'settings.auto_enrol': 'autoEnrol',
  'settings.hold_ttl_seconds': 'holdSeconds',
};
