import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { csrfToken, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// What the server refuses a signed-in browser: a role's denials (through the console and through the API
// with the same cookie) and a cookie-authenticated write without the CSRF header.

describe.skipIf(NO_BROWSER)('console access', () => {
  let c: Console;
  beforeAll(async () => {
    c = await startConsole();
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('a marketer cannot create an API key, in the console or on the API with its cookie', async () => {
    const marketer = await c.staffContext('marketer');
    const before = await c.api<{ data: { id: string }[] }>('GET', '/v1/keys');
    const page = await marketer.context.newPage();
    await page.goto('/admin/settings/keys');
    // The navigation offers what a marketer works on, and not what the role may not use.
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Earning rules' }).waitFor();
    expect(await nav.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Staff & roles' }).count()).toBe(0);
    // The console either offers no way to create one, or shows the server's refusal.
    const create = page.getByRole('button', { name: 'Create key' });
    if (await create.isVisible().catch(() => false)) {
      await create.click();
      const dialog = page.getByRole('dialog', { name: 'Create an API key' });
      await dialog.getByLabel('Name').fill('marketer key');
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await dialog.getByRole('alert').filter({ hasText: 'Your role does not allow this.' }).waitFor();
    } else {
      await page.getByText('Your role does not allow this.').first().waitFor();
    }
    await shot(page, 'api-keys-marketer');

    const res = await marketer.context.request.post('/v1/keys', {
      data: { name: 'marketer key', scopes: ['server'], program_id: c.programId },
      headers: { 'x-csrf-token': await csrfToken(marketer.context.request), 'patron-program': c.programId },
    });
    expect(res.status()).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'auth.role_forbidden' });
    const after = await c.api<{ data: { id: string }[] }>('GET', '/v1/keys');
    expect(after.body.data.length).toBe(before.body.data.length);
    // The same user may do what a marketer does: read the program's members.
    const read = await marketer.context.request.get('/v1/members', { headers: { 'patron-program': c.programId } });
    expect(read.status()).toBe(200);
  });

  it('a write with the session cookie but no x-csrf-token is refused and writes nothing', async () => {
    const page = await c.page();
    const email = `csrf-${Date.now().toString(36)}@example.com`;
    const headers = { 'patron-program': c.programId };
    const refused = await page.request.post('/v1/members', { data: { email }, headers });
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'auth.csrf_failed' });
    const wrong = await page.request.post('/v1/members', { data: { email }, headers: { ...headers, 'x-csrf-token': 'not-the-token' } });
    expect(wrong.status()).toBe(403);
    const found = await c.api<{ data: unknown[] }>('GET', `/v1/members?identity=${encodeURIComponent(`email:${email}`)}`);
    expect(found.status).toBe(200);
    expect(found.body.data).toEqual([]);
    // With the token, the same write goes through.
    const ok = await page.request.post('/v1/members', { data: { email }, headers: { ...headers, 'x-csrf-token': await csrfToken(page.request) } });
    expect(ok.status(), await ok.text()).toBe(201);
    expect((await c.api<{ data: unknown[] }>('GET', `/v1/members?identity=${encodeURIComponent(`email:${email}`)}`)).body.data).toHaveLength(1);
  });
});
