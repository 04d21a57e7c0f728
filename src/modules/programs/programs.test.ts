import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { credit, enrol, uniq } from '../../../test/fixtures.js';
import { manualClock } from '../../platform/clock.js';

const clock = manualClock('2026-02-01T09:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

const HOUR = 3_600_000;

/** A program-scoped admin key made through the API by the workspace key, as an operator would hand one out. */
async function programAdmin(p: TestProgram): Promise<string> {
  const res = await p.raw('POST', '/v1/keys', { name: 'program admin', scopes: ['admin'], program_id: p.programId }, {
    authorization: `Bearer ${p.key}`,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.secret as string;
}

/** Every stored idempotency answer whose text contains `needle`. */
async function storedWith(needle: string): Promise<number> {
  const rows = await h.db.query<{ n: number }>(`select count(*)::int as n from idempotency_keys where strpos(response::text, $1) > 0`, [needle]);
  return rows[0]!.n;
}

describe('idempotency records belong to the key that made them', () => {
  it("a program admin key replaying the workspace key's Idempotency-Key and body on POST /v1/keys never gets its secret", async () => {
    const p = await h.program();
    const programKey = await programAdmin(p);
    const idem = uniq('idem');
    const body = { name: 'ops', scopes: ['admin'] };
    const asWorkspace = { authorization: `Bearer ${p.key}`, 'idempotency-key': idem };
    const first = await p.raw('POST', '/v1/keys', body, asWorkspace);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ program_id: null, scopes: ['admin'] });
    const workspaceSecret = first.body.secret as string;
    expect(workspaceSecret).toMatch(/^ptn_/);

    const attack = await p.raw('POST', '/v1/keys', body, { authorization: `Bearer ${programKey}`, 'idempotency-key': idem });
    // A fresh request of the program key's own: a key for its own program, never the workspace key.
    expect(attack.status).toBe(201);
    expect(attack.headers['idempotent-replayed']).toBeUndefined();
    expect(attack.body.id).not.toBe(first.body.id);
    expect(attack.body.program_id).toBe(p.programId);
    expect(attack.body.secret).not.toBe(workspaceSecret);
    expect(JSON.stringify(attack.body)).not.toContain(workspaceSecret);

    // The secret is in no stored answer, in full or in part.
    expect(await storedWith(workspaceSecret)).toBe(0);
    expect(await storedWith(workspaceSecret.slice(-64))).toBe(0);
    expect(await storedWith(attack.body.secret as string)).toBe(0);
  });

  it('a replay by the same key answers the created key without its secret, and says why', async () => {
    const p = await h.program();
    const idem = uniq('idem');
    const headers = { authorization: `Bearer ${p.key}`, 'idempotency-key': idem };
    const first = await p.raw('POST', '/v1/keys', { name: 'ci', scopes: ['server'] }, headers);
    expect(first.status).toBe(201);
    const again = await p.raw('POST', '/v1/keys', { name: 'ci', scopes: ['server'] }, headers);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toMatchObject({ id: first.body.id, name: 'ci', scopes: ['server'], secret: null });
    expect(again.body.note).toMatch(/secret/);
    // The first answer's secret still works: the replay created nothing.
    const listed = await p.raw('GET', '/v1/keys', undefined, { authorization: `Bearer ${first.body.secret}` });
    expect(listed.status).toBe(403);
    const keys = await p.raw('GET', '/v1/keys', undefined, { authorization: `Bearer ${p.key}` });
    expect(keys.body.data.filter((k: { name: string }) => k.name === 'ci')).toHaveLength(1);
  });

  it("another key's replay of a points write is its own request, never the stored answer", async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 100);
    const programKey = await programAdmin(p);
    const idem = uniq('idem');
    const first = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 10 }, { 'idempotency-key': idem });
    expect(first.status).toBe(201);
    const other = await p.raw('POST', `/v1/members/${m}/redemptions`, { points: 10 }, { authorization: `Bearer ${programKey}`, 'idempotency-key': idem });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    const b = await p.api('GET', `/v1/members/${m}/balance`);
    expect(b.body.available).toBe(80);
  });
});

describe('idempotency records last 24 hours', () => {
  it('a replay within 24 h answers the first result; after that it is a fresh request, and maintenance purges the expired', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 100);
    const idem = uniq('idem');
    const spend = () => p.api('POST', `/v1/members/${m}/redemptions`, { points: 5 }, { 'idempotency-key': idem });
    const first = await spend();
    expect(first.status).toBe(201);
    clock.advance(23 * HOUR);
    const within = await spend();
    expect(within.body.id).toBe(first.body.id);
    expect(within.headers['idempotent-replayed']).toBe('true');
    clock.advance(2 * HOUR);
    const after = await spend();
    expect(after.status).toBe(201);
    expect(after.headers['idempotent-replayed']).toBeUndefined();
    expect(after.body.id).not.toBe(first.body.id);
    const b = await p.api('GET', `/v1/members/${m}/balance`);
    expect(b.body.available).toBe(90);

    // One more record, left to expire: the maintenance deletes it (and the renewed one stays).
    const other = uniq('idem');
    expect((await p.api('POST', `/v1/members/${m}/redemptions`, { points: 1 }, { 'idempotency-key': other })).status).toBe(201);
    const count = async (key: string) =>
      (await h.db.query<{ n: number }>(`select count(*)::int as n from idempotency_keys where key = $1`, [key]))[0]!.n;
    expect(await count(other)).toBe(1);
    const early = await h.services.ledger.runMaintenance({ programId: p.programId });
    expect(await count(other)).toBe(1);
    expect(early.idempotency_records_purged).toBe(0);
    clock.advance(24 * HOUR + 1);
    const report = await h.services.ledger.runMaintenance({ programId: p.programId });
    expect(report.idempotency_records_purged).toBe(2);
    expect(await count(other)).toBe(0);
    expect(await count(idem)).toBe(0);
  });
});
