import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../main.js';
import { loadConfig } from '../platform/config.js';
import { cleanupCli, installation, json, ON_POSTGRES, patron, scratchDatabase, SECRET, seedProgram, serve, SLOW } from '../../test/cli.js';

// The `patron` command, spawned for real (test/cli.ts). On PostgreSQL the database is shared with other
// tests, so nothing here assumes it is empty: each test makes its own workspace, and the tests that need an
// empty database or break a ledger on purpose get a scratch database of their own.

afterAll(cleanupCli);

interface KeyJson {
  id: string;
  name: string;
  workspace_id: string;
  program_id: string | null;
  scopes: string[];
  secret?: string;
  revoked_at: string | null;
}

describe.concurrent('patron --help', () => {
  it.each([
    [[], /Usage: patron \[options\] \[command\]/],
    [['serve'], /Usage: patron serve[\s\S]*--port <port>[\s\S]*--host <host>/],
    [['migrate'], /Usage: patron migrate/],
    [['keys'], /Usage: patron keys[\s\S]*create[\s\S]*list[\s\S]*revoke/],
    [['keys', 'create'], /Usage: patron keys create[\s\S]*--name <name>[\s\S]*--scopes <scopes>[\s\S]*--program <id>[\s\S]*--json/],
    [['keys', 'list'], /Usage: patron keys list[\s\S]*--json/],
    [['keys', 'revoke'], /Usage: patron keys revoke \[options\] <key_id>/],
    [['verify'], /Usage: patron verify[\s\S]*--program <id>[\s\S]*--json/],
    [['expire'], /Usage: patron expire[\s\S]*--program <id>[\s\S]*--json/],
  ])('patron %j --help', async (command, usage) => {
    const r = await patron([...command, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(usage);
  });
});

describe.concurrent('bad command lines', () => {
  it.each([
    [['frobnicate'], "error: unknown command 'frobnicate'"],
    [['keys', 'revoke'], "error: missing required argument 'key_id'"],
    [['keys', 'create', '--name', 'x'], "error: required option '--scopes <scopes>' not specified"],
    [['keys', 'create', '--name', 'x', '--scopes', 'admin,owner'], 'Unknown scope "owner"; the scopes are admin, server, read'],
    [['serve', '--port', 'http'], "error: option '--port <port>' argument 'http' is invalid"],
    [['serve', '--ingest', 'kafka'], "error: option '--ingest <mode>' argument 'kafka' is invalid. inline or nats"],
    [['verify', 'extra'], 'error: too many arguments'],
    [['analytics', 'clv', '--model', 'foo'], "error: option '--model <m>' argument 'foo' is invalid. bgnbd or paretonbd"],
    [['analytics', 'clv', '--horizon', 'abc'], "error: option '--horizon <months>' argument 'abc' is invalid. a whole number from 1 to 120"],
    [['analytics', 'clv', '--horizon', '0'], "error: option '--horizon <months>' argument '0' is invalid"],
    [['analytics', 'clv', '--discount', 'ten'], "error: option '--discount <rate>' argument 'ten' is invalid. a rate from 0 to 1"],
    [['analytics', 'clv', '--top', '2.5'], "error: option '--top <n>' argument '2.5' is invalid"],
    [['analytics', 'clv', '--as-of', 'yesterday'], "error: option '--as-of <date>' argument 'yesterday' is invalid. a date YYYY-MM-DD or an ISO time"],
    [['analytics', 'rfm', '--since', '2026-02-30x'], "error: option '--since <date>' argument '2026-02-30x' is invalid"],
    [['analytics', 'kpis', '--period', 'day'], "error: option '--period <p>' argument 'day' is invalid. month or week"],
    [['analytics', 'kpis', '--to', 'soon'], "error: option '--to <date>' argument 'soon' is invalid"],
    [['analytics', 'cohorts', '--by', 'age'], "error: option '--by <what>' argument 'age' is invalid. first_purchase or enrolment"],
    [['analytics', 'segments', 'members', 'seg_x', '--limit', '0'], "error: option '--limit <n>' argument '0' is invalid"],
  ])('patron %j is a usage error (exit 2)', async (args, message) => {
    const r = await patron(args);
    expect(r.stderr).toContain(message);
    // One line and the hint, never a schema's dump.
    expect(r.stderr).not.toMatch(/[{[]\s*"/);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(r.code).toBe(2);
  });

  it('reports a bad setting as a clear error (exit 1)', async () => {
    const { env } = installation();
    const r = await patron(['migrate'], { ...env, PORT: 'eighty' });
    expect(r.stderr).toContain('error: PORT must be a whole number, got "eighty" (config.invalid)');
    expect(r.code).toBe(1);
    const url = await patron(['migrate'], { ...env, DATABASE_URL: 'mysql://localhost/patron' });
    expect(url.stderr).toMatch(/^error: DATABASE_URL must start with postgres:\/\/ .*\(config\.invalid\)$/m);
    expect(url.code).toBe(1);
  });
});

describe('patron migrate', () => {
  it('applies the migrations, then finds the schema up to date', SLOW, async () => {
    const { env } = installation();
    const first = await patron(['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    if (!ON_POSTGRES) expect(first.stdout).toMatch(/^applied 0001_core$[\s\S]*Applied \d+ migrations?; the schema is at \d{4}_/m);
    const again = await patron(['migrate'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/The schema is up to date \(\d{4}_[\w-]+\)/);
  });
});

describe('patron serve', () => {
  it('on the first start prints the admin key once and writes it to <data dir>/admin-key; stops on SIGTERM', SLOW, async () => {
    const { dataDir, env } = installation({ databaseUrl: ON_POSTGRES ? await scratchDatabase() : undefined });
    const server = await serve(env);
    const banner = server.output();
    const key = SECRET.exec(banner)?.[0];
    expect(key).toBeDefined();
    expect(banner).toMatch(/First start: created workspace wsp_\w+ and program prg_\w+/);
    const programId = /program (prg_\w+)/.exec(banner)![1]!;
    const keyFile = join(dataDir, 'admin-key');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: ON_POSTGRES ? 'postgres' : 'pglite' });
    const openapi = await fetch(`${server.url}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(await openapi.json()).toMatchObject({ openapi: '3.1.0', info: { title: 'Patron API' } });
    const docs = await fetch(`${server.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    const program = await fetch(`${server.url}/v1/programs/${programId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(program.status).toBe(200);
    expect(await program.json()).toMatchObject({ id: programId, name: 'My loyalty program', currency: 'GBP' });

    if (!ON_POSTGRES) {
      // PGlite is single-process: a second command on the same data directory is refused, not let in to corrupt it.
      const busy = await patron(['verify'], env);
      expect(busy.stderr).toMatch(/^error: The embedded database in .* is in use by another process \(pid \d+: patron serve.*\(db\.in_use\)$/m);
      expect(busy.code).toBe(1);
    }
    expect(await server.stop()).toBe(0);

    const later = await serve(env);
    expect(later.output()).not.toMatch(SECRET);
    expect(later.output()).toContain(`The admin API key is in ${keyFile}`);
    expect(later.output()).toContain(`program ${programId}`);
    expect(await later.stop()).toBe(0);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
  });
});

describe('patron keys', () => {
  it('creates, lists and revokes keys; a revoked key is refused by the API', SLOW, async () => {
    const { env } = installation();
    const { workspaceId, programId } = await seedProgram(env);

    const server = json<KeyJson>(
      await patron(['keys', 'create', '--name', 'checkout', '--scopes', 'server,read', '--program', programId, '--json'], env),
    );
    expect(server).toMatchObject({ name: 'checkout', workspace_id: workspaceId, program_id: programId, scopes: ['server', 'read'] });
    expect(server.secret).toMatch(SECRET);

    const human = await patron(['keys', 'create', '--name', 'ops', '--scopes', 'admin', '--workspace', workspaceId], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Created API key key_\w+ "ops" in workspace wsp_\w+/);
    const adminSecret = SECRET.exec(human.stdout)?.[0];
    expect(adminSecret).toBeDefined();
    const adminId = /Created API key (key_\w+)/.exec(human.stdout)![1]!;

    const listed = json<{ workspace_id: string; data: KeyJson[] }>(await patron(['keys', 'list', '--workspace', workspaceId, '--json'], env));
    expect(listed.workspace_id).toBe(workspaceId);
    expect(listed.data.map((k) => k.id).sort()).toEqual([server.id, adminId].sort());
    expect(JSON.stringify(listed)).not.toMatch(SECRET);

    const table = await patron(['keys', 'list', '--workspace', workspaceId], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+PROGRAM\s+SCOPES\s+CREATED\s+REVOKED\s+LAST USED$/m);
    expect(table.stdout).toMatch(new RegExp(`^${server.id}\\s+checkout\\s+${programId}\\s+server,read\\s`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^${adminId}\\s+ops\\s+\\(all programs\\)\\s+admin\\s`, 'm'));

    const revoked = await patron(['keys', 'revoke', server.id], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked API key ${server.id} "checkout"`);
    const twice = await patron(['keys', 'revoke', server.id], env);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toContain('was already revoked');
    const missing = await patron(['keys', 'revoke', 'key_01aaaaaaaaaaaaaaaaaaaaaaaa'], env);
    expect(missing.stderr).toContain('error: No API key key_01aaaaaaaaaaaaaaaaaaaaaaaa (key.not_found)');
    expect(missing.code).toBe(1);
    const after = json<{ data: KeyJson[] }>(await patron(['keys', 'list', '--workspace', workspaceId, '--json'], env));
    expect(after.data.find((k) => k.id === server.id)?.revoked_at).toEqual(expect.any(String));
    expect(after.data.find((k) => k.id === adminId)?.revoked_at).toBeNull();

    const api = await serve(env);
    const refused = await fetch(`${api.url}/v1/programs/${programId}`, { headers: { authorization: `Bearer ${server.secret}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: 'auth.revoked_key' });
    const allowed = await fetch(`${api.url}/v1/programs/${programId}`, { headers: { authorization: `Bearer ${adminSecret}` } });
    expect(allowed.status).toBe(200);
    expect(await api.stop()).toBe(0);
  });

  it('refuses a key for a program that does not exist', SLOW, async () => {
    const { env } = installation();
    const { workspaceId } = await seedProgram(env);
    const r = await patron(['keys', 'create', '--name', 'x', '--scopes', 'read', '--workspace', workspaceId, '--program', 'prg_nope'], env);
    expect(r.stderr).toContain('error: No program prg_nope (program.not_found)');
    expect(r.code).toBe(1);
  });
});

describe('patron verify and expire', () => {
  it('verify passes on a healthy ledger and expire prints its summary', SLOW, async () => {
    const { env } = installation();
    const { programId } = await seedProgram(env);

    const verify = await patron(['verify', '--program', programId], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/The ledger is consistent/);
    const report = json<{ ok: boolean; checks: unknown[] }>(await patron(['verify', '--program', programId, '--json'], env));
    expect(report.ok).toBe(true);
    if (!ON_POSTGRES) {
      // Only here is the whole database this test's own; the shared PostgreSQL holds other tests' programs.
      const all = await patron(['verify'], env);
      expect(all.code, all.stderr).toBe(0);
    }

    const expire = json<Record<string, number>>(await patron(['expire', '--program', programId, '--json'], env));
    expect(Object.keys(expire).sort()).toEqual(['expired_holds', 'expired_lots', 'expired_points', 'held_out_of_range', 'idempotency_records_purged', 'released_lots', 'released_points', 'rewards', 'tiers']);
    const summary = await patron(['expire', '--program', programId], env);
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toMatch(/Maintenance done:[\s\S]*points expired\s+\d+ points in \d+ lots?/);
    expect(summary.stdout).toMatch(/idempotency records\s+\d+ expired, deleted/);

    const unknown = await patron(['verify', '--program', 'prg_nope'], env);
    expect(unknown.stderr).toContain('error: No program prg_nope (program.not_found)');
    expect(unknown.code).toBe(1);
  });

  it('verify exits 1 and shows the broken check when a cached balance no longer matches its postings', SLOW, async () => {
    // Its own database: other tests verify every program of theirs, and this one breaks its ledger on purpose.
    const { dataDir, env } = installation({ databaseUrl: ON_POSTGRES ? await scratchDatabase() : undefined });
    const server = await serve(env);
    const programId = /program (prg_\w+)/.exec(server.output())![1]!;
    const headers = {
      authorization: `Bearer ${readFileSync(join(dataDir, 'admin-key'), 'utf8').trim()}`,
      'patron-program': programId,
      'content-type': 'application/json',
    };
    const member = await fetch(`${server.url}/v1/members`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: 'ada@example.com', first_name: 'Ada' }),
    });
    const memberBody = await member.text();
    expect(member.status, memberBody).toBe(201);
    const { id: memberId } = JSON.parse(memberBody) as { id: string };
    const purchase = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        id: 'evt-1',
        type: 'purchase',
        member: { email: 'ada@example.com' },
        order_id: 'o-1',
        amount: 2599,
        currency: 'GBP',
        occurred_at: '2025-01-15T10:30:00Z',
      }),
    });
    expect(purchase.status, await purchase.text()).toBe(201);
    expect(await server.stop()).toBe(0);

    const healthy = await patron(['verify'], env);
    expect(healthy.code, healthy.stderr).toBe(0);

    const db = await openDatabase(loadConfig(env));
    await db.query(`update accounts set balance = balance + 7 where program_id = $1 and owner = $2 and kind = 'available'`, [programId, memberId]);
    await db.close();

    const broken = await patron(['verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^ {2}FAIL {2}balances_match_postings: .*\(1 violation\)$/m);
    expect(broken.stdout).toContain(memberId);
    expect(broken.stdout).toMatch(/^BREACH: /m);
    const report = JSON.parse((await patron(['verify', '--json'], env)).stdout) as { ok: boolean; checks: { name: string; ok: boolean }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'balances_match_postings')?.ok).toBe(false);
  });
});
