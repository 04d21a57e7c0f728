import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupCli, installation, json, ON_POSTGRES, patron, scratchDatabase, serve, SLOW } from '../../../test/cli.js';

afterAll(() => cleanupCli());

const LINK = /Console: (http:\/\/\S+\/admin\/setup\?token=([\w-]+))/;

async function fresh() {
  return ON_POSTGRES ? installation({ databaseUrl: await scratchDatabase() }) : installation();
}

const cookieOf = (res: Response) => /patron_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

describe('the console owner on the first start', () => {
  it('prints a one-time link and writes it to <data dir>/owner-setup-url (0600) until it is used', SLOW, async () => {
    const { dataDir, env } = await fresh();
    env.PATRON_OWNER_EMAIL = 'Boss@Example.test';
    const server = await serve(env);
    const link = LINK.exec(server.output());
    expect(link, server.output()).toBeTruthy();
    expect(link![1]!.startsWith(`${server.url}/admin/setup?token=`)).toBe(true);
    const file = join(dataDir, 'owner-setup-url');
    expect(readFileSync(file, 'utf8').trim()).toBe(link![1]);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const setup = await fetch(`${server.url}/v1/staff/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link![2], password: 'the owner password', name: 'Boss' }),
    });
    expect(setup.status).toBe(200);
    const body = (await setup.json()) as { staff: { email: string; role: string }; csrf_token: string };
    expect(body.staff).toMatchObject({ email: 'boss@example.test', role: 'owner' });
    expect(existsSync(file)).toBe(false);
    const again = await fetch(`${server.url}/v1/staff/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link![2], password: 'another password' }),
    });
    expect(again.status).toBe(400);
    // The owner's session reaches the API.
    const cookie = cookieOf(setup)!;
    const programs = await fetch(`${server.url}/v1/programs`, { headers: { cookie: `patron_session=${cookie}` } });
    expect(programs.status).toBe(200);
    expect(await server.stop()).toBe(0);

    // The owner has a password now: the next start prints no link.
    const later = await serve(env);
    expect(later.output()).not.toMatch(LINK);
    expect(existsSync(file)).toBe(false);
    expect(await later.stop()).toBe(0);
  });
});

describe('patron staff', () => {
  it('create prints a link; the user sets a password and signs in; list and reset-password', SLOW, async () => {
    const { env } = await fresh();
    const first = await serve(env);
    expect(await first.stop()).toBe(0);

    const created = await patron(['staff', 'create', '--email', 'Ann@Example.test', '--role', 'support', '--name', 'Ann'], env);
    expect(created.code, created.stderr).toBe(0);
    const url = /(http:\/\/\S+\/admin\/setup\?token=([\w-]+))/.exec(created.stdout);
    expect(url, created.stdout).toBeTruthy();
    expect(created.stdout).toMatch(/ann@example\.test \(support\)/);
    const bad = await patron(['staff', 'create', '--email', 'x@example.test', '--role', 'boss'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/one of owner, admin, marketer, support, analyst/);

    const listed = json<{ data: { email: string; role: string }[] }>(await patron(['staff', 'list', '--json'], env));
    expect(listed.data.map((s) => `${s.email} ${s.role}`).sort()).toEqual(['ann@example.test support', 'owner@localhost owner']);

    const server = await serve(env);
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/v1/staff/setup', { token: url![2], password: 'ann’s password' })).status).toBe(200);
    const signIn = await post('/v1/staff/session', { email: 'ann@example.test', password: 'ann’s password' });
    expect(signIn.status).toBe(200);
    const session = await fetch(`${server.url}/v1/staff/session`, { headers: { cookie: `patron_session=${cookieOf(signIn)!}` } });
    expect(((await session.json()) as { staff: { name: string } }).staff.name).toBe('Ann');
    expect(await server.stop()).toBe(0);

    const reset = await patron(['staff', 'reset-password', '--email', 'ann@example.test'], env);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/\/admin\/setup\?token=[\w-]+/);
    const unknown = await patron(['staff', 'reset-password', '--email', 'nobody@example.test'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/staff\.not_found/);
  });
});
