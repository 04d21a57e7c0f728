import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { expectAccessible, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// The member 360 beyond the balance: orders with their refunds, what the analytics know, and the care actions
// of support (tags, a tier granted by hand, suspend and reactivate, erasure), each checked on the API too;
// an analyst sees the same member with no action offered.

const tag = Date.now().toString(36);
const lin = { email: `lin-${tag}@example.com`, first_name: 'Lin', last_name: 'Wei' };

describe.skipIf(NO_BROWSER)('member 360', () => {
  let c: Console;
  let linId: string;
  beforeAll(async () => {
    c = await startConsole();
    const made = await c.api<{ id: string }>('POST', '/v1/members', lin);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    linId = made.body.id;
    expect((await c.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'calendar_year' } })).status).toBe(200);
    for (const [name, threshold] of [['Silver', 100_000], ['Gold', 500_000]] as const) {
      expect((await c.api('POST', '/v1/tiers/levels', { name, threshold })).status).toBe(201);
    }
    const day = Date.now() - 5 * 86_400_000;
    for (const [n, amount] of [[1, 3000], [2, 5000]] as const) {
      const sent = await c.api('POST', '/v1/events', {
        id: `m360-${tag}-${n}`, type: 'purchase', member: { email: lin.email }, order_id: `m360-o-${tag}-${n}`,
        amount, currency: 'GBP', channel: 'web', occurred_at: new Date(day + n * 3_600_000).toISOString(),
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    }
    const refund = await c.api('POST', '/v1/events', { id: `m360-${tag}-r`, type: 'refund', order_id: `m360-o-${tag}-2`, amount: 2000 });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('shows the orders with their refunds and what the analytics know', async () => {
    const page = await c.page();
    await page.goto(`/admin/members/${linId}`);
    await page.getByRole('heading', { name: 'Lin Wei', level: 1 }).waitFor();
    const orders = page.locator('section, div.card').filter({ has: page.getByRole('heading', { name: 'Orders', exact: true }) }).last();
    const refunded = orders.getByRole('row').filter({ hasText: `m360-o-${tag}-2` });
    await refunded.getByText('Partly refunded').waitFor();
    // £50 paid, £20 refunded: 50 points earned, 20 taken back.
    await refunded.getByRole('cell', { name: '£50.00' }).waitFor();
    await refunded.getByRole('cell', { name: '£20.00' }).waitFor();
    await refunded.getByRole('cell', { name: '-20', exact: true }).waitFor();
    await orders.getByRole('row').filter({ hasText: `m360-o-${tag}-1` }).getByRole('cell', { name: '30', exact: true }).waitFor();
    const insights = page.locator('section, div.card').filter({ has: page.getByRole('heading', { name: 'Insights', exact: true }) }).last();
    await shot(page, 'member-360-full');
    await insights.getByText('£60.00').waitFor(); // net spend: 30 + 50 − 20
    await insights.getByText('£20.00').waitFor();
    await expectAccessible(page);
  });

  it('support adds a tag, grants a tier, suspends and reactivates; the API agrees', async () => {
    const support = await c.staffContext('support');
    const page = await support.context.newPage();
    await page.goto(`/admin/members/${linId}`);
    await page.getByRole('heading', { name: 'Lin Wei', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Tags', exact: true }).click();
    const tags = page.getByRole('dialog', { name: 'Tags' });
    await tags.getByLabel('New tag').fill('vip');
    await tags.getByRole('button', { name: 'Add tag' }).click();
    await tags.getByRole('button', { name: 'Remove tag vip' }).waitFor();
    await shot(page, 'member-tags-dialog');
    await tags.getByRole('button', { name: 'Close', exact: true }).last().click();
    await expect.poll(async () => (await c.api<{ tags: string[] }>('GET', `/v1/members/${linId}`)).body.tags).toEqual(['vip']);

    await page.getByRole('button', { name: 'Grant tier' }).click();
    const grant = page.getByRole('dialog', { name: 'Grant a tier' });
    await grant.getByLabel('Level').selectOption({ label: 'Gold' });
    await grant.getByRole('button', { name: 'Grant tier' }).click();
    await grant.getByText('Say why: the reason is kept in the audit log').waitFor();
    await grant.getByLabel('Reason').fill('Flagship store opening guest');
    await shot(page, 'member-grant-tier');
    await expectAccessible(page);
    await grant.getByRole('button', { name: 'Grant tier' }).click();
    await expect.poll(() => grant.isVisible()).toBe(false);
    await expect.poll(async () => (await c.api<{ level: { name: string } | null }>('GET', `/v1/members/${linId}/tier`)).body.level?.name).toBe('Gold');

    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('dialog', { name: 'Suspend this member?' }).getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();
    expect((await c.api<{ status: string }>('GET', `/v1/members/${linId}`)).body.status).toBe('suspended');
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.getByRole('dialog', { name: 'Reactivate this member?' }).getByRole('button', { name: 'Reactivate' }).click();
    await page.getByRole('button', { name: 'Suspend' }).waitFor();
    expect((await c.api<{ status: string }>('GET', `/v1/members/${linId}`)).body.status).toBe('active');
  });

  it('an analyst sees the member but no action', async () => {
    const analyst = await c.staffContext('analyst');
    const page = await analyst.context.newPage();
    await page.goto(`/admin/members/${linId}`);
    await page.getByRole('heading', { name: 'Lin Wei', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Orders', exact: true }).waitFor();
    for (const name of ['Adjust points', 'Grant tier', 'Suspend', 'Erase']) expect(await page.getByRole('button', { name }).count()).toBe(0);
  });

  it('erasing on the member’s request removes the personal data', async () => {
    const made = await c.api<{ id: string }>('POST', '/v1/members', { email: `erase-${tag}@example.com`, first_name: 'Olga', last_name: 'Ivanova' });
    const page = await c.page();
    await page.goto(`/admin/members/${made.body.id}`);
    await page.getByRole('heading', { name: 'Olga Ivanova', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Erase' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase this member’s personal data?' });
    await shot(page, 'member-erase-confirm');
    await dialog.getByRole('button', { name: 'Erase for good' }).click();
    await page.getByRole('heading', { name: 'Erased member', level: 1 }).waitFor();
    const after = await c.api<{ status: string; email: string | null; first_name: string | null }>('GET', `/v1/members/${made.body.id}`);
    expect(after.body).toMatchObject({ status: 'erased', email: null, first_name: null });
  });
});
