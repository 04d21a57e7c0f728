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

/** The day after the Online Retail data ends (9 December 2011): the CLV fit looks at the data as of then. */
export const DEMO_AS_OF = '2011-12-10';

/** Saved segments on the scores and the purchases, so the console's Segments and Analytics have something to show. */
export const DEMO_SEGMENTS = [
  { name: 'Champions', description: 'Bought recently, often, and for the most', conditions: { field: 'rfm_segment', op: 'eq', value: 'Champions' } },
  {
    name: 'Valuable and slipping away',
    description: 'High churn risk with a predicted CLV of £200 or more: the win-back list',
    conditions: { all: [{ field: 'churn_risk', op: 'eq', value: 'high' }, { field: 'clv', op: 'gte', value: 20_000 }] },
  },
  { name: 'Big spenders', description: '£1,000 or more spent in total', conditions: { field: 'total_spent', op: 'gte', value: 100_000 } },
  { name: 'One-time buyers', description: 'A single order so far', conditions: { field: 'orders_count', op: 'eq', value: 1 } },
] as const;

/**
 * After the import: referral settings, a CLV fit as of the data's end (P(alive), churn risk and CLV for every
 * buyer) and the saved segments. Each step is skipped when a previous run did it.
 */
export async function populateInsights(api: Api, progress: (line: string) => void): Promise<void> {
  const referrals = (await api('GET', '/v1/referrals/settings')).body;
  if (!referrals.updated_at) {
    await api('PUT', '/v1/referrals/settings', {
      enabled: true,
      condition: { min_amount: 2_000, first_purchase: true, within_days: 90 },
      referrer_reward: { points: 250 },
      referee_reward: { points: 100 },
      cap_per_referrer: 20,
      ambassador_threshold: 3,
    });
  }
  const started = await api('POST', '/v1/analytics/clv', { as_of: DEMO_AS_OF });
  let job = started.body as { id: string; status: string; error?: { message: string } };
  if (job.status !== 'succeeded') progress('Fitting CLV models (BG/NBD and Gamma-Gamma) and scoring every buyer…');
  for (let i = 0; i < 1200 && (job.status === 'queued' || job.status === 'running'); i++) {
    await new Promise((r) => setTimeout(r, 250));
    job = (await api('GET', `/v1/analytics/jobs/${job.id}`)).body as typeof job;
  }
  // A slice too small to fit leaves the members unscored; the rest of the demo does not depend on it.
  if (job.status !== 'succeeded') progress(`The CLV fit did not succeed (${job.error?.message ?? job.status}): members stay unscored.`);
  const existing = (await api('GET', '/v1/analytics/segments?limit=100')).body.data as { name: string }[];
  for (const s of DEMO_SEGMENTS) if (!existing.some((e) => e.name === s.name)) await api('POST', '/v1/analytics/segments', s);
}
