import { expect } from 'vitest';
import type { TestProgram } from './harness.js';

let seq = 0;
/** A unique suffix for ids and emails within a test run. */
export const uniq = (p = 'x') => `${p}-${process.pid}-${Date.now().toString(36)}-${++seq}`;

export async function enrol(p: TestProgram, body: Record<string, unknown> = {}): Promise<string> {
  const res = await p.api('POST', '/v1/members', { email: `${uniq('m')}@example.com`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

export async function purchase(
  p: TestProgram,
  memberId: string,
  amount: number,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: any }> {
  return p.api('POST', '/v1/events', {
    type: 'purchase',
    id: uniq('evt'),
    member: { id: memberId },
    order_id: uniq('ord'),
    amount,
    currency: 'GBP',
    ...extra,
  });
}

export async function balance(p: TestProgram, memberId: string, currency?: string) {
  const res = await p.api('GET', `/v1/members/${memberId}/balance${currency ? `?currency=${currency}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    available: number;
    balance: number;
    pending: number;
    held: number;
    negative: boolean;
    lifetime: { earned: number; reversed: number; spent: number; expired: number };
    next_expiries: { expires_at: string; points: number }[];
    pending_releases: { available_at: string; points: number }[];
  };
}

/** Credits points by hand (admin adjustment), the quickest way to give a member a balance. */
export async function credit(p: TestProgram, memberId: string, points: number, extra: Record<string, unknown> = {}) {
  const res = await p.api('POST', `/v1/members/${memberId}/adjustments`, { points, reason: 'test credit', ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export async function expectVerified(h: { services: { ledger: { verify(o: { programId?: string }): Promise<{ ok: boolean; checks: unknown[] }> } } }, programId: string) {
  const report = await h.services.ledger.verify({ programId });
  expect(report.checks.filter((c) => !(c as { ok: boolean }).ok)).toEqual([]);
  expect(report.ok).toBe(true);
}

/**
 * CDNOW_sample.txt (datasets/README.md) as purchase events: `master_id sample_id yyyymmdd cds dollars`, one
 * purchase a line, the member named by its sample id.
 */
export function cdnowEvents(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split(/\r?\n/)
    .map((l, i) => {
      const [, sample, day, , dollars] = l.trim().split(/\s+/);
      return {
        type: 'purchase',
        id: `cdnow-${i + 1}`,
        member: { external_id: `cdnow:${Number(sample)}` },
        order_id: `cdnow-${i + 1}`,
        amount: Math.round(Number(dollars) * 100),
        currency: 'USD',
        occurred_at: `${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6, 8)}T12:00:00Z`,
      };
    });
}

/**
 * A year of purchases (from 2025-07-01) by 240 members with their own start, life, gap and spend, drawn from a
 * fixed seed, so every run has the same population: some loyal, some lapsed, some gone.
 */
export function syntheticPurchases(): Record<string, unknown>[] {
  let seed = 42;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const events: Record<string, unknown>[] = [];
  for (let m = 0; m < 240; m++) {
    const start = Math.floor(rand() * 90);
    const life = 20 + Math.floor(rand() * 300);
    const gap = 5 + Math.floor(rand() * 60);
    const spend = 1000 + Math.floor(rand() * 5000);
    for (let d = start; d < Math.min(start + life, 365); d += gap + Math.floor(rand() * gap)) {
      const day = new Date(Date.UTC(2025, 6, 1) + d * 86_400_000).toISOString();
      events.push({ type: 'purchase', id: uniq('e'), member: { external_id: `shop:${m}` }, order_id: uniq('o'), amount: spend + Math.floor(rand() * 1000), currency: 'GBP', occurred_at: day });
    }
  }
  return events;
}
