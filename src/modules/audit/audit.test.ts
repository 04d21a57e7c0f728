import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, purchase, uniq } from '../../../test/fixtures.js';
import { cleanupCli, installation, json, patron, seedProgram, SLOW } from '../../../test/cli.js';
import { createServices, openDatabase } from '../../main.js';
import { loadConfig } from '../../platform/config.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.close();
  await cleanupCli();
});

interface Entry {
  id: string;
  at: string;
  actor: { kind: string; id: string; label: string };
  action: string;
  program_id: string | null;
  target: { type: string; id: string | null };
  before: any;
  after: any;
  request_id: string | null;
}

async function entries(p: TestProgram, query = ''): Promise<Entry[]> {
  const res = await p.api('GET', `/v1/audit${query ? `?${query}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as Entry[];
}

async function rule(p: TestProgram, points: number) {
  const res = await p.api('POST', '/v1/rules', { name: 'Signup bonus', trigger: 'signup', status: 'active', effects: [{ type: 'fixed', points }] });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const keyIdOf = (secret: string) => `key_${/^ptn_([0-9a-z]{26})_/.exec(secret)![1]}`;

describe('what the audit log records', () => {
  it('a rule change: who, what, the points before and after, the request', async () => {
    const p = await h.program();
    const ruleId = await rule(p, 10);
    const res = await p.api('PATCH', `/v1/rules/${ruleId}`, { effects: [{ type: 'fixed', points: 20 }] }, { 'x-request-id': 'req-rule-20' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [update, create, ...rest] = await entries(p, `target_id=${ruleId}`);
    expect(rest).toEqual([]);
    expect(create).toMatchObject({ action: 'rule.create', target: { type: 'rule', id: ruleId }, before: null, program_id: p.programId });
    expect(update).toMatchObject({
      id: expect.stringMatching(/^aud_[0-9a-z]{26}$/),
      action: 'rule.update',
      program_id: p.programId,
      actor: { kind: 'key', id: keyIdOf(p.key), label: 'test admin' },
      target: { type: 'rule', id: ruleId },
      request_id: 'req-rule-20',
    });
    expect(update!.before.effects[0].points).toBe(10);
    expect(update!.after.effects[0].points).toBe(20);
    expect(Date.parse(update!.at)).not.toBeNaN();

    await p.api('POST', `/v1/rules/${ruleId}/archive`, {});
    const [archived] = await entries(p, 'action=rule.archive');
    expect(archived).toMatchObject({ target: { id: ruleId }, before: { status: 'active' }, after: { status: 'archived' } });
  });

  it('an adjustment keeps its reason and the member it was for', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const res = await p.api('POST', `/v1/members/${m}/adjustments`, { points: 25, reason: 'goodwill: late delivery' });
    expect(res.status).toBe(201);
    const [e] = await entries(p, 'action=member.adjust');
    expect(e).toMatchObject({ target: { type: 'member', id: m }, after: { request: { points: 25, reason: 'goodwill: late delivery' }, result: { id: res.body.id, amount: 25 } } });
  });

  it('key creation and revocation: no secret anywhere in the entries', async () => {
    const p = await h.program();
    const made = await p.raw('POST', '/v1/keys', { name: 'till 4', scopes: ['server'], program_id: p.programId }, { authorization: `Bearer ${p.key}` });
    expect(made.status).toBe(201);
    const secret = made.body.secret as string;
    const gone = await p.raw('DELETE', `/v1/keys/${made.body.id}`, undefined, { authorization: `Bearer ${p.key}` });
    expect(gone.status).toBe(200);
    const list = await entries(p, `target_type=key&target_id=${made.body.id}`);
    expect(list.map((e) => e.action)).toEqual(['key.revoke', 'key.create']);
    expect(list[0]).toMatchObject({ before: { revoked_at: null }, after: { revoked_at: expect.any(String) }, program_id: p.programId });
    const text = JSON.stringify(list);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(-64));
    expect(list[1]!.after.secret).toBe('[redacted]');
    const rows = await h.db.query<{ body: string }>(`select row_to_json(a)::text as body from audit_log a where target_id = $1`, [made.body.id]);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.body).not.toContain(secret.slice(-64));
  });

  it('program settings, the tier scheme and levels, tier grants and segments each leave their entry', async () => {
    const p = await h.program();
    const patch = await p.raw('PATCH', `/v1/programs/${p.programId}`, { settings: { pending_days: 3 } }, { authorization: `Bearer ${p.key}` });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    const [prog] = await entries(p, 'action=program.update');
    expect(prog!.before.settings.pending_days).not.toBe(3);
    expect(prog!.after.settings.pending_days).toBe(3);

    const scheme = await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'calendar_year' } });
    expect(scheme.status, JSON.stringify(scheme.body)).toBe(200);
    const level = await p.api('POST', '/v1/tiers/levels', { name: 'Gold', threshold: 100 });
    expect(level.status, JSON.stringify(level.body)).toBe(201);
    const m = await enrol(p);
    const grant = await p.api('POST', `/v1/members/${m}/tier`, { level_id: level.body.id, until: '2099-01-01T00:00:00Z', reason: 'VIP' });
    expect(grant.status, JSON.stringify(grant.body)).toBe(201);
    const segment = await p.api('POST', '/v1/analytics/segments', { name: 'Big spenders', conditions: { field: 'tags', op: 'eq', value: 'vip' } });
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    expect((await p.api('DELETE', `/v1/analytics/segments/${segment.body.id}`)).status).toBe(200);

    const actions = (await entries(p, 'limit=200')).map((e) => e.action);
    for (const a of ['program.update', 'tier_scheme.put', 'tier_level.create', 'member.create', 'member.tier_grant', 'segment.create', 'segment.delete']) {
      expect(actions, a).toContain(a);
    }
    const [deleted] = await entries(p, 'action=segment.delete');
    expect(deleted).toMatchObject({ before: { name: 'Big spenders' }, after: { deleted: true } });
  });

  it('a reward and its code uploads: the counts, never the codes', async () => {
    const p = await h.program();
    const reward = await p.api('POST', '/v1/rewards', { name: '£5 off', kind: 'discount_coupon', discount: { type: 'amount', amount: 500 }, points_cost: 100 });
    expect(reward.status, JSON.stringify(reward.body)).toBe(201);
    expect((await p.api('PATCH', `/v1/rewards/${reward.body.id}`, { points_cost: 150 })).status).toBe(200);
    expect((await p.api('POST', `/v1/rewards/${reward.body.id}/codes`, { codes: ['SECRET-CODE-AAA', 'SECRET-CODE-BBB'] })).status).toBe(201);
    expect((await p.api('POST', `/v1/rewards/${reward.body.id}/codes`, { codes: ['SECRET-CODE-AAA'] })).status).toBe(201);
    const list = await entries(p, `target_type=reward&target_id=${reward.body.id}`);
    expect(list.map((e) => e.action)).toEqual(['reward.codes_upload', 'reward.codes_upload', 'reward.update', 'reward.create']);
    expect(list[2]).toMatchObject({ before: { points_cost: 100 }, after: { points_cost: 150 } });
    expect(list[0]!.after).toMatchObject({ added: 0, skipped: 1 });
    expect(JSON.stringify(list)).not.toMatch(/SECRET-CODE/i);
  });

  it('a member’s entries never hold their personal data, before or after erasure', async () => {
    const p = await h.program();
    const email = `${uniq('erase')}@example.com`;
    const m = await enrol(p, { email, first_name: 'Ada', last_name: 'Lovelace', phone: '+447700900123' });
    expect((await p.api('PATCH', `/v1/members/${m}`, { first_name: 'Augusta', tags: ['vip'] })).status).toBe(200);
    expect((await p.api('POST', `/v1/members/${m}/erase`)).status).toBe(200);
    const list = await entries(p, `target_type=member&target_id=${m}`);
    expect(list.map((e) => e.action)).toEqual(['member.erase', 'member.update', 'member.create']);
    expect(list[1]).toMatchObject({ before: { first_name: '[personal data]', tags: [] }, after: { first_name: '[personal data]', tags: ['vip'] } });
    expect(list[0]).toMatchObject({ before: { status: 'active' }, after: { status: 'erased', email: null } });
    const text = JSON.stringify(list);
    for (const personal of [email, 'Ada', 'Augusta', 'Lovelace', '7700900123']) expect(text).not.toContain(personal);
  });

  it('machine traffic is not audited: events and previews', async () => {
    const p = await h.program();
    const m = await enrol(p);
    expect((await purchase(p, m, 1000)).status).toBe(201);
    expect((await p.api('POST', '/v1/rules/preview', { member: { id: m }, event: { type: 'purchase', amount: 1000, currency: 'GBP' } })).status).toBe(200);
    expect((await entries(p)).map((e) => e.action)).toEqual(['member.create']);
  });
});

describe('what leaves no entry', () => {
  it('a write refused (400) or failing (422) writes nothing', async () => {
    const p = await h.program();
    const m = await enrol(p);
    expect((await p.api('POST', `/v1/members/${m}/adjustments`, { points: 5 })).status).toBe(400);
    expect((await p.api('POST', `/v1/members/${m}/adjustments`, { points: -5, reason: 'overdraw' })).status).toBe(422);
    expect((await p.api('PATCH', '/v1/rules/rul_00000000000000000000000000', { name: 'x' })).status).toBe(404);
    expect(await entries(p, 'action=member.adjust')).toEqual([]);
    expect(await entries(p, 'target_type=rule')).toEqual([]);
  });

  it('an idempotent replay writes no second entry', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const key = { 'idempotency-key': uniq('idem') };
    const first = await p.api('POST', `/v1/members/${m}/adjustments`, { points: 7, reason: 'retry me' }, key);
    const again = await p.api('POST', `/v1/members/${m}/adjustments`, { points: 7, reason: 'retry me' }, key);
    expect(first.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await entries(p, 'action=member.adjust')).toHaveLength(1);
  });
});

describe('GET /v1/audit', () => {
  it('filters by action (exact or prefix), actor, target and time, and pages with a cursor', async () => {
    const p = await h.program();
    const ids = [await rule(p, 1), await rule(p, 2), await rule(p, 3)];
    await p.api('PATCH', `/v1/rules/${ids[0]}`, { name: 'Renamed' });
    const m = await enrol(p);

    expect((await entries(p, 'action=rule.')).map((e) => e.action)).toEqual(['rule.update', 'rule.create', 'rule.create', 'rule.create']);
    expect(await entries(p, 'action=rule')).toEqual([]);
    expect((await entries(p, 'action=member.create')).map((e) => e.target.id)).toEqual([m]);
    expect(await entries(p, `actor_id=${keyIdOf(p.key)}&limit=200`)).toHaveLength(5);
    expect(await entries(p, 'actor_id=key_nobody')).toEqual([]);
    expect((await entries(p, `target_type=rule&target_id=${ids[1]}`)).map((e) => e.action)).toEqual(['rule.create']);
    const all = await entries(p);
    expect(await entries(p, `from=${encodeURIComponent('2999-01-01T00:00:00Z')}`)).toEqual([]);
    expect(await entries(p, `to=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).toEqual([]);
    expect(await entries(p, `from=${encodeURIComponent(all.at(-1)!.at)}`)).toHaveLength(all.length);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await p.api('GET', `/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((e: Entry) => e.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));
    expect([...seen].sort().reverse()).toEqual(seen);

    const bad = await p.api('GET', '/v1/audit?cursor=nonsense');
    expect(bad.body).toMatchObject({ status: 400, field: 'cursor' });
  });

  it('answers CSV with format=csv or Accept: text/csv', async () => {
    const p = await h.program();
    const ruleId = await rule(p, 10);
    await p.api('PATCH', `/v1/rules/${ruleId}`, { name: 'Comma, "quoted"' });
    for (const [query, headers] of [
      ['?format=csv', {}],
      ['', { accept: 'text/csv' }],
    ] as const) {
      const res = await p.api('GET', `/v1/audit${query}`, undefined, headers);
      expect(res.status).toBe(200);
      expect(String(res.headers['content-type'])).toMatch(/^text\/csv/);
      const rows = parse(res.body as unknown as string, { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => r.action)).toEqual(['rule.update', 'rule.create']);
      expect(rows[0]).toMatchObject({ target_type: 'rule', target_id: ruleId, actor_kind: 'key', program_id: p.programId });
      expect(JSON.parse(rows[0]!.after!).name).toBe('Comma, "quoted"');
    }
  });

  it('a program key sees only its program’s entries; a workspace key all of its workspace’s', async () => {
    const p = await h.program();
    const second = await h.services.programs.createProgram(p.workspaceId, { name: 'Second', currency: 'GBP' });
    await rule(p, 1);
    const other = await p.api('POST', '/v1/rules', { name: 'Other', trigger: 'signup', effects: [{ type: 'fixed', points: 1 }] }, { 'patron-program': second.id });
    expect(other.status).toBe(201);
    const programKey = await h.services.programs.createKey({ workspaceId: p.workspaceId, programId: p.programId, name: 'program admin', scopes: ['admin'] });
    const asProgram = await p.raw('GET', '/v1/audit?limit=200', undefined, { authorization: `Bearer ${programKey.secret}` });
    expect(asProgram.status).toBe(200);
    expect(new Set(asProgram.body.data.map((e: Entry) => e.program_id))).toEqual(new Set([p.programId]));
    // Another program's id is not there for it.
    const peek = await p.raw('GET', `/v1/audit?program_id=${second.id}`, undefined, { authorization: `Bearer ${programKey.secret}` });
    expect(peek.status).toBe(404);

    const wide = await p.raw('GET', '/v1/audit?limit=200', undefined, { authorization: `Bearer ${p.key}` });
    expect(new Set(wide.body.data.map((e: Entry) => e.program_id))).toEqual(new Set([p.programId, second.id]));
    const named = await p.api('GET', '/v1/audit?limit=200');
    expect(new Set(named.body.data.map((e: Entry) => e.program_id))).toEqual(new Set([p.programId]));

    // Another workspace sees none of it.
    const q = await h.program();
    expect(await entries(q)).toEqual([]);
    const reader = await h.services.programs.createKey({ workspaceId: p.workspaceId, programId: null, name: 'reader', scopes: ['read'] });
    const denied = await p.raw('GET', '/v1/audit', undefined, { authorization: `Bearer ${reader.secret}` });
    expect(denied.status).toBe(403);
  });

  it('the log is append-only', async () => {
    const p = await h.program();
    await rule(p, 1);
    await expect(h.db.query(`update audit_log set action = 'x' where program_id = $1`, [p.programId])).rejects.toThrow(/append-only/);
    await expect(h.db.query(`delete from audit_log where program_id = $1`, [p.programId])).rejects.toThrow(/append-only/);
  });

  it('staff changes can be recorded by other modules through audit.record', async () => {
    const p = await h.program();
    await h.db.tx((q) =>
      h.services.audit.record(q, {
        workspaceId: p.workspaceId,
        programId: null,
        actor: { kind: 'staff', id: 'stf_x', label: 'owner@example.com' },
        action: 'staff.create',
        target: { type: 'staff', id: 'stf_y' },
        after: { role: 'admin', password: 'hunter2hunter2' },
      }),
    );
    const wide = await p.raw('GET', '/v1/audit?action=staff.', undefined, { authorization: `Bearer ${p.key}` });
    expect(wide.body.data).toMatchObject([{ actor: { kind: 'staff', id: 'stf_x' }, after: { role: 'admin', password: '[redacted]' }, program_id: null }]);
  });
});

describe('imports', () => {
  it('a CLI import run is one entry by the system', SLOW, async () => {
    const { dataDir, env } = installation();
    const { workspaceId, programId } = await seedProgram(env);
    const file = join(dataDir, 'members.csv');
    writeFileSync(file, 'email,first_name\nann@example.com,Ann\nbob@example.com,Bob\n');
    const s = json<{ imported: number }>(await patron(['import', 'members', file, '--program', programId, '--rejects', join(dataDir, 'r.csv'), '--json'], env));
    expect(s.imported).toBe(2);
    const db = await openDatabase(loadConfig(env));
    try {
      const services = createServices({ db });
      const list = await services.audit.list(workspaceId, [programId], { limit: 50 });
      expect(list.data).toMatchObject([{ action: 'import.members', actor: { kind: 'system', id: 'cli', label: 'cli' }, target: { type: 'import', id: 'members.csv' }, after: { imported: 2 } }]);
    } finally {
      await db.close();
    }
  });
});
