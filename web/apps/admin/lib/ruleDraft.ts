import type { Rule, RuleCreateBody } from '../../../packages/api-client';

// The rule language as the builder offers it (src/modules/rules: rules.contract.ts, rules.conditions.ts and
// rules.facts.ts are the truth). The builder edits a rule body exactly as the API takes it, so the JSON view
// and the form are two views of one value.

export type Effect = RuleCreateBody['effects'][number];
export type EffectType = Effect['type'];
export type Limits = NonNullable<RuleCreateBody['limits']>;
export type Period = NonNullable<Limits['per_member']>[number]['period'];

/** A rule being edited: the API's create body without its status (drafts are saved as drafts). */
export type RuleDraft = Omit<RuleCreateBody, 'status' | 'conditions'> & { conditions?: Condition | null };

export type Op = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'contains' | 'exists';
export type Scalar = string | number | boolean;
export interface LineFilter {
  sku?: string[];
  category?: string[];
}
export interface Leaf {
  field: string;
  op: Op;
  value?: Scalar | Scalar[];
  where?: LineFilter;
  days?: number;
}
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Leaf;

export type Kind = 'number' | 'string' | 'boolean' | 'strings' | 'any';
export interface FieldDef {
  /** The field, or for an open path (`event.properties.`) its prefix. */
  field: string;
  kind: Kind;
  /** Minor units of the program currency: typed in major units. */
  money?: boolean;
  /** Takes a line filter. */
  where?: boolean;
  days?: 'required' | 'optional';
  /** An open path into free-form JSON: the user types the rest. */
  path?: boolean;
  /** Only a purchase has it. */
  purchase?: boolean;
}

export const FIELD_GROUPS = ['event', 'lines', 'member', 'date', 'history'] as const;

export const FIELDS: FieldDef[] = [
  { field: 'event.amount', kind: 'number', money: true, purchase: true },
  { field: 'event.channel', kind: 'string' },
  { field: 'event.store_id', kind: 'string', purchase: true },
  { field: 'event.currency', kind: 'string', purchase: true },
  { field: 'event.quantity', kind: 'number', purchase: true },
  { field: 'event.skus', kind: 'strings', purchase: true },
  { field: 'event.categories', kind: 'strings', purchase: true },
  { field: 'event.properties.', kind: 'any', path: true },
  { field: 'lines.amount', kind: 'number', money: true, where: true, purchase: true },
  { field: 'lines.quantity', kind: 'number', where: true, purchase: true },
  { field: 'lines.count', kind: 'number', where: true, purchase: true },
  { field: 'member.tier', kind: 'string' },
  { field: 'member.tier_rank', kind: 'number' },
  { field: 'member.tags', kind: 'strings' },
  { field: 'member.attributes.', kind: 'any', path: true },
  { field: 'member.tier_benefits.', kind: 'any', path: true },
  { field: 'member.enrolment_days', kind: 'number' },
  { field: 'member.enrolment_channel', kind: 'string' },
  { field: 'member.country', kind: 'string' },
  { field: 'member.locale', kind: 'string' },
  { field: 'member.consent.email', kind: 'boolean' },
  { field: 'member.consent.sms', kind: 'boolean' },
  { field: 'member.consent.push', kind: 'boolean' },
  { field: 'date.weekday', kind: 'number' },
  { field: 'date.hour', kind: 'number' },
  { field: 'date.date', kind: 'string' },
  { field: 'date.month', kind: 'number' },
  { field: 'date.birthday_month', kind: 'boolean' },
  { field: 'date.days_to_birthday', kind: 'number' },
  { field: 'history.first_purchase', kind: 'boolean', purchase: true },
  { field: 'history.purchase_count', kind: 'number' },
  { field: 'history.spend', kind: 'number', money: true, days: 'required' },
  { field: 'history.purchases', kind: 'number', days: 'optional' },
  { field: 'history.days_since_last_purchase', kind: 'number' },
];

/** The fields a rule of this trigger can read (a custom event has no amount or lines). */
export const fieldsFor = (trigger: string) => FIELDS.filter((f) => trigger === 'purchase' || !f.purchase);

/** The definition of a leaf's field (an open path by its prefix); undefined for a field the builder does not know. */
export function fieldDef(field: string): FieldDef | undefined {
  return FIELDS.find((f) => (f.path ? field.startsWith(f.field) : f.field === field));
}

/** An i18n key part for a field: dots become underscores (`event.amount` → `event_amount`). */
export const fieldKey = (field: string) => field.replace(/\.$/, '').replace(/\./g, '_');

export const OPS_BY_KIND: Record<Kind, Op[]> = {
  number: ['gte', 'gt', 'lte', 'lt', 'eq', 'ne', 'in', 'nin', 'exists'],
  string: ['eq', 'ne', 'in', 'nin', 'contains', 'exists'],
  boolean: ['eq', 'exists'],
  strings: ['contains', 'in', 'nin', 'exists'],
  any: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'exists'],
};

export const EFFECT_TYPES: EffectType[] = ['per_amount', 'fixed', 'multiplier', 'threshold', 'reward', 'tag'];
/** Effects that need an amount, so only a purchase rule has them. */
export const PURCHASE_EFFECTS: EffectType[] = ['per_amount', 'threshold'];
export const PERIODS: Period[] = ['day', 'week', 'month', 'year', 'lifetime'];
export const ROUNDINGS = ['floor', 'round', 'ceil'] as const;
export const TRIGGERS = ['purchase', 'signup', 'profile_completed', 'review_submitted', 'store_checkin', 'app_installed', 'newsletter_signup', 'event_attended', 'cart_abandoned'];

export function newEffect(type: EffectType): Effect {
  switch (type) {
    case 'fixed':
      return { type, points: 100 };
    case 'per_amount':
      return { type, points: 1, per_amount: 100 };
    case 'multiplier':
      return { type, multiplier: '2' };
    case 'threshold':
      return { type, min_amount: 5000, points: 50 };
    case 'reward':
      return { type, reward_id: '' };
    case 'tag':
      return { type, add: [] };
  }
}

export const newLeaf = (trigger: string): Leaf =>
  trigger === 'purchase' ? { field: 'event.amount', op: 'gte', value: 5000 } : { field: 'event.channel', op: 'eq', value: 'app' };

export const newDraft = (): RuleDraft => ({
  name: '',
  trigger: 'purchase',
  conditions: null,
  effects: [newEffect('per_amount')],
  limits: null,
  priority: 0,
  stacking: 'stack',
});

/** The editable body of a saved rule (its current version). */
export function draftOf(r: Pick<Rule, 'name' | 'description' | 'trigger' | 'conditions' | 'effects' | 'limits' | 'priority' | 'stacking' | 'group' | 'effective_from' | 'effective_to'>): RuleDraft {
  const d: RuleDraft = {
    name: r.name,
    trigger: r.trigger,
    conditions: (r.conditions ?? null) as Condition | null,
    effects: r.effects,
    limits: r.limits,
    priority: r.priority,
    stacking: r.stacking,
  };
  if (r.description) d.description = r.description;
  if (r.group) d.group = r.group;
  if (r.effective_from) d.effective_from = r.effective_from;
  if (r.effective_to) d.effective_to = r.effective_to;
  return d;
}

/** What the API is sent: every definition field, null where cleared, so an edit of a saved rule replaces it whole. */
export function bodyOf(d: RuleDraft) {
  return {
    ...d,
    description: d.description || null,
    conditions: (d.conditions ?? null) as Record<string, unknown> | null,
    limits: d.limits ?? null,
    group: d.group || null,
    effective_from: d.effective_from || null,
    effective_to: d.effective_to || null,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON text as a draft, or the reason it is not one. Only the outline is checked here (an object with a
 * name, a trigger and a list of effects); the server checks the rest and names the field.
 */
export function parseDraftJson(text: string): { draft: RuleDraft } | { error: 'syntax' | 'shape'; detail?: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { error: 'syntax', detail: err instanceof Error ? err.message : undefined };
  }
  if (!isObject(v) || typeof v.name !== 'string' || typeof v.trigger !== 'string' || !Array.isArray(v.effects) || !v.effects.every(isObject)) {
    return { error: 'shape' };
  }
  if (v.conditions !== undefined && v.conditions !== null && !isObject(v.conditions)) return { error: 'shape' };
  if (v.limits !== undefined && v.limits !== null && !isObject(v.limits)) return { error: 'shape' };
  // A rule pasted as the API answers it keeps only its definition: what the server sets is left out.
  const { status: _s, id: _i, version: _v, created_at: _c, updated_at: _u, versions: _vs, ...rest } = v;
  return { draft: rest as unknown as RuleDraft };
}

export const isGroup = (c: Condition): c is { all: Condition[] } | { any: Condition[] } => isObject(c) && (Array.isArray((c as { all?: unknown }).all) || Array.isArray((c as { any?: unknown }).any));
export const isNot = (c: Condition): c is { not: Condition } => isObject(c) && 'not' in c && isObject((c as { not?: unknown }).not);
export const groupKind = (c: { all: Condition[] } | { any: Condition[] }): 'all' | 'any' => ('all' in c ? 'all' : 'any');
export const childrenOf = (c: { all: Condition[] } | { any: Condition[] }): Condition[] => ('all' in c ? c.all : c.any);

/** The digits of a currency's minor unit (2 for GBP, 0 for JPY). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** A major-unit text ("50", "12.5") in minor units, or undefined when it is not a number. */
export function toMinor(text: string, currency: string): number | undefined {
  const s = text.trim().replace(',', '.');
  if (!/^-?\d+(\.\d*)?$/.test(s)) return undefined;
  return Math.round(Number(s) * 10 ** minorDigits(currency));
}

export const toMajor = (minor: number, currency: string) => String(minor / 10 ** minorDigits(currency));

/** A comma-separated list as values (numbers for a number field); empty parts are dropped. */
export function parseList(text: string, kind: Kind): Scalar[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (kind === 'number' && /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s));
}

/** A free-form value (an open path): a number or true/false when it reads as one, else the text. */
export function parseLoose(text: string): Scalar {
  if (/^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text.trim());
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/** A local date-time input's value (YYYY-MM-DDTHH:mm) for an ISO time, and back. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
export function fromLocalInput(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** JSON with object keys sorted: two drafts that say the same compare equal whatever order their keys came in. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}
