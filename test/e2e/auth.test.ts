import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { csrfToken, expectAccessible, NO_BROWSER, shot, signIn, startConsole, type Console } from '../browser.js';

// Owner setup from the printed link, sign-in, the wrong-password message, sign-out and a session that ends
// elsewhere ("sign out everywhere"): the page goes back to sign-in.

describe.skipIf(NO_BROWSER)('console sign-in', () => {
  let c: Console;
  beforeAll(async () => {
    c = await startConsole({
      onSetupPage: async (page) => {
        await page.getByRole('heading', { level: 1 }).waitFor();
        await shot(page, 'setup');
        await expectAccessible(page);
      },
    });
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('the printed setup link set the owner password, signed in, and works only once', async () => {
    const page = await c.page();
    await page.goto('/admin');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin');
    await page.getByRole('group', { name: 'Members', exact: true }).waitFor();
    // The link was used: the file that held it is gone and its token is refused.
    expect(existsSync(join(c.dataDir, 'owner-setup-url'))).toBe(false);
    const again = await page.request.post('/v1/staff/setup', { data: { token: new URL(c.setupLink).searchParams.get('token'), password: 'another password here' } });
    expect(again.status()).toBe(400);
    expect(await again.json()).toMatchObject({ code: 'staff.invalid_token', field: 'token' });
    const blank = await c.page({ signedIn: false });
    await blank.goto(new URL(c.setupLink).pathname + new URL(c.setupLink).search);
    for (const field of await blank.locator('input[type="password"]').all()) await field.fill('another password here');
    await blank.getByRole('button', { name: /set password/i }).click();
    await blank.getByRole('alert').filter({ hasText: /invalid, already used or expired/ }).waitFor();
    await shot(blank, 'setup-used-link');
  });

  it('a wrong password shows the message and signs nobody in', async () => {
    const page = await c.page({ signedIn: false });
    await page.goto('/admin');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/sign-in');
    await shot(page, 'sign-in');
    await expectAccessible(page);
    await signIn(page, c.owner.email, 'not the password at all');
    await page.getByRole('alert').filter({ hasText: 'That email and password do not match an account.' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    expect((await page.request.get('/v1/staff/session')).status()).toBe(401);
    await shot(page, 'sign-in-wrong-password');
    await expectAccessible(page);
  });

  it('signs in and out', async () => {
    const page = await c.page({ signedIn: false });
    await page.goto('/admin/members');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/sign-in');
    await signIn(page, c.owner.email, c.owner.password);
    // Back where the user was going.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/members');
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    expect((await page.request.get('/v1/staff/session')).status()).toBe(200);

    await page.getByRole('button', { name: new RegExp(c.owner.email.split('@')[0]!, 'i') }).or(page.getByRole('button', { name: /owner/i })).first().click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/sign-in');
    expect((await page.request.get('/v1/staff/session')).status()).toBe(401);
    // The owner's other sessions (the saved one) are still signed in.
    const other = await c.page();
    expect((await other.request.get('/v1/staff/session')).status()).toBe(200);
  });

  it('a session that ends elsewhere sends the open page back to sign-in', async () => {
    const admin = await c.staffContext('admin');
    const page = await admin.context.newPage();
    await page.goto('/admin');
    await page.getByRole('group', { name: 'Members', exact: true }).waitFor();
    // Another browser of the same user signs out everywhere.
    const elsewhere = await c.browser.newContext({ baseURL: c.url });
    try {
      const signedIn = await elsewhere.request.post('/v1/staff/session', { data: { email: admin.email, password: admin.password } });
      expect(signedIn.status()).toBe(200);
      const revoked = await elsewhere.request.post('/v1/staff/session/revoke-all', { headers: { 'x-csrf-token': await csrfToken(elsewhere.request) } });
      expect(revoked.status()).toBe(204);
    } finally {
      await elsewhere.close();
    }
    // The open page learns it on its next request.
    await page.getByRole('link', { name: 'Members' }).click();
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 15_000 }).toBe('/admin/sign-in');
    expect((await page.request.get('/v1/staff/session')).status()).toBe(401);
    await shot(page, 'sign-in-after-session-ended');
  });
});
