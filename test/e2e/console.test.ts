import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { expectAccessible, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// The screens on data sent through the API as a shop would: the dashboard's KPI cards, member search, the
// member 360 and a points adjustment that shows in the balance and the timeline.

const tag = Date.now().toString(36);
const ada = { email: `ada-${tag}@example.com`, first_name: 'Ada', last_name: 'Lovelace' };
const grace = { email: `grace-${tag}@example.com`, first_name: 'Grace', last_name: 'Hopper' };

describe.skipIf(NO_BROWSER)('console screens', () => {
  let c: Console;
  let adaId: string;
  beforeAll(async () => {
    c = await startConsole();
    const made = await c.api<{ id: string }>('POST', '/v1/members', ada);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    adaId = made.body.id;
    expect((await c.api('POST', '/v1/members', grace)).status).toBe(201);
    const day = Date.now() - 3 * 86_400_000;
    let n = 0;
    for (const [member, amounts] of [
      [ada, [2599, 4000]],
      [grace, [1000]],
    ] as const) {
      for (const amount of amounts) {
        n++;
        const sent = await c.api('POST', '/v1/events', {
          id: `e2e-${tag}-${n}`,
          type: 'purchase',
          member: { email: member.email },
          order_id: `o-${tag}-${n}`,
          amount,
          currency: 'GBP',
          occurred_at: new Date(day + n * 60_000).toISOString(),
        });
        expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      }
    }
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('the dashboard shows KPI cards on the data', async () => {
    const page = await c.page();
    await page.goto('/admin');
    const members = page.getByRole('group', { name: 'Members', exact: true });
    await members.getByText('2', { exact: true }).waitFor({ timeout: 15_000 });
    for (const name of ['Active members', 'Points issued', 'Points outstanding', 'Repeat purchase rate']) {
      await page.getByRole('group', { name, exact: true }).waitFor();
    }
    // 25 + 40 + 10 points at the default rate of one point per pound.
    await page.getByRole('group', { name: 'Points issued', exact: true }).getByText('75', { exact: true }).waitFor();
    // The trend is drawn, and its figures are there as a table for screen readers: this month's two new members.
    await page.locator('.chart-figure canvas').first().waitFor();
    const trend = page.getByRole('table', { name: 'Trend' });
    const month = new Intl.DateTimeFormat('en', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date());
    await expect.poll(async () => (await trend.getByRole('row', { name: new RegExp(month) }).allTextContents()).join('')).toMatch(/2/);
    await shot(page, 'dashboard');
    await expectAccessible(page);
  });

  it('member search finds a member, and the 360 shows the balance', async () => {
    const page = await c.page();
    await page.goto('/admin/members');
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await shot(page, 'members');
    await expectAccessible(page);
    await page.getByRole('searchbox', { name: 'Search' }).fill(ada.email);
    await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
    const link = page.getByRole('link', { name: 'Ada Lovelace' });
    await link.waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'Grace Hopper' }).count()).toBe(0);
    await shot(page, 'members-search');
    await link.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/admin/members/${adaId}`);
    await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
    await expect.poll(() => page.getByLabel('Available points').textContent()).toBe('65 points');
    await shot(page, 'member-360');
    await expectAccessible(page);
  });

  it('adjusting points with a reason changes the balance and the timeline', async () => {
    const page = await c.page();
    await page.goto(`/admin/members/${adaId}`);
    await expect.poll(() => page.getByLabel('Available points').textContent()).toBe('65 points');
    await page.getByRole('button', { name: 'Adjust points' }).click();
    const dialog = page.getByRole('dialog', { name: 'Adjust points' });
    await dialog.waitFor();
    // The reason is required: without it nothing is sent.
    await dialog.getByLabel('Points', { exact: true }).fill('120');
    await dialog.getByRole('button', { name: 'Save adjustment' }).click();
    await dialog.getByText('Say why: the reason is kept in the audit log').waitFor();
    await shot(page, 'member-adjust-dialog');
    await expectAccessible(page);
    await dialog.getByLabel('Reason').fill(`Goodwill for a late parcel ${tag}`);
    await dialog.getByRole('button', { name: 'Save adjustment' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => page.getByLabel('Available points').textContent()).toBe('185 points');
    await page.getByRole('row').filter({ hasText: `Goodwill for a late parcel ${tag}` }).filter({ hasText: '120' }).waitFor();
    await shot(page, 'member-after-adjustment');
    // What the API answers agrees.
    const balance = await c.api<{ available: number }>('GET', `/v1/members/${adaId}/balance`);
    expect(balance.body.available).toBe(185);
  });

  it('the API keys screen lists the admin key', async () => {
    const page = await c.page();
    await page.goto('/admin/settings/keys');
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByRole('cell', { name: 'first admin key', exact: true }).waitFor();
    await shot(page, 'api-keys');
    await expectAccessible(page);
  });
});
