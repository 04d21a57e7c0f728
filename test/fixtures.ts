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
