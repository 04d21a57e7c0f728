import type { App } from '../platform/http.js';

/**
 * The demo program's loyalty mechanics, made through the REST API (in process) exactly as an operator would
 * make them with curl: base earning (the program default, 1 point per £1), four earning rules, three tiers on
 * spend and a few rewards.
 */

export interface Api {
  (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** Calls the app in process with the admin key and the program header; a non-2xx answer is a bug here. */
export function apiOf(app: App, key: string, programId: string): Api {
  return async (method, url, body) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}`, 'patron-program': programId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {};
    if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
    return { status: res.statusCode, body: parsed };
  };
}

/** The tier levels: thresholds are net spend over a rolling 12 months, in pence. */
export const DEMO_TIERS = [
  { name: 'Bronze', threshold: 0 },
  { name: 'Silver', threshold: 100_000 },
  { name: 'Gold', threshold: 500_000 },
] as const;

export const DEMO_RULES = [
  {
    name: 'Welcome: 50 bonus points on the first purchase',
    trigger: 'purchase',
    conditions: { field: 'history.first_purchase', op: 'eq', value: true },
    effects: [{ type: 'fixed', points: 50 }],
  },
  {
    name: 'Big basket: 100 bonus points on orders of £500 or more',
    trigger: 'purchase',
    effects: [{ type: 'threshold', min_amount: 50_000, points: 100 }],
  },
  {
    name: 'Double points on the hanging-heart T-light holders',
    trigger: 'purchase',
    conditions: { field: 'lines.count', op: 'gte', value: 1, where: { sku: ['85123A', '21733'] } },
    effects: [{ type: 'per_amount', points: 1, per_amount: 100, lines: { sku: ['85123A', '21733'] } }],
  },
  {
    name: 'Gold members earn ×1.5',
    trigger: 'purchase',
    priority: -10,
    conditions: { field: 'member.tier', op: 'eq', value: 'Gold' },
    effects: [{ type: 'multiplier', multiplier: '1.5' }],
  },
] as const;

/** Whether the program already has its rules (a second `patron demo` on the same data keeps what is there). */
export async function isSetUp(api: Api): Promise<boolean> {
  const rules = await api('GET', '/v1/rules?limit=1');
  return Array.isArray(rules.body.data) && rules.body.data.length > 0;
}

export async function setUpProgram(api: Api): Promise<void> {
  await api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'rolling', months: 12 }, grace_days: 30, soft_landing: true });
  const levels: Record<string, string> = {};
  for (const l of DEMO_TIERS) levels[l.name] = String((await api('POST', '/v1/tiers/levels', l)).body.id);
  for (const r of DEMO_RULES) await api('POST', '/v1/rules', { ...r, status: 'active' });
  const rewards = [
    { name: '£5 off your next order', kind: 'discount_coupon', discount: { type: 'amount', amount: 500 }, points_cost: 500, coupon: { valid_days: 90 } },
    { name: 'Free gift wrapping', kind: 'free_product', sku: 'GIFTWRAP', points_cost: 150 },
    { name: 'Give £10 to the local food bank', kind: 'charity_donation', cause: 'Local food bank', points_cost: 1_000 },
    { name: 'Afternoon tea for two (Gold)', kind: 'experience', points_cost: 5_000, stock: 50, tier_level_ids: [levels.Gold] },
  ];
  for (const r of rewards) await api('POST', '/v1/rewards', r);
}
