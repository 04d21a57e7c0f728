import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { expectAccessible, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// A session left idle longer than the workspace allows (PATRON_STAFF_SESSION_IDLE_MINUTES, here 1) ends: the
// open page's next request finds it gone, and the console sends the user to sign in, saying why.

describe.skipIf(NO_BROWSER)('console session expiry', () => {
  let c: Console;
  beforeAll(async () => {
    c = await startConsole({ env: { PATRON_STAFF_SESSION_IDLE_MINUTES: '1' } });
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('an idle session ends, and the next click leads to sign-in with a word about it', async () => {
    const analyst = await c.staffContext('analyst');
    const page = await analyst.context.newPage();
    await page.goto('/admin');
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    expect((await page.request.get('/v1/staff/session')).status()).toBe(200);
    // Idle for more than the minute allowed: no request at all.
    await new Promise((r) => setTimeout(r, 65_000));
    await page.getByRole('link', { name: 'Members', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 15_000 }).toBe('/admin/sign-in');
    await page.getByRole('status').filter({ hasText: 'Your session has ended. Sign in again.' }).waitFor();
    expect((await page.request.get('/v1/staff/session')).status()).toBe(401);
    await shot(page, 'sign-in-session-expired');
    await expectAccessible(page);
    // Signing in again leads back to where the user was going.
    await page.getByLabel(/email/i).fill(analyst.email);
    await page.getByLabel(/password/i).fill(analyst.password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
  }, 150_000);
});
