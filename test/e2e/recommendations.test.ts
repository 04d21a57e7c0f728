import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { expectAccessible, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// The member 360's "Recommended for this member" and "Next best offers" cards, on purchases with lines.

const tag = Date.now().toString(36);
const NAMES: Record<string, string> = { TIN: 'Baking tin', APRON: 'Apron', MUG: 'Tea mug', CANDLE: 'Candle' };

describe.skipIf(NO_BROWSER)('recommendations on the member 360', () => {
  let c: Console;
  let kim: string;
  let n = 0;
  const buy = async (email: string, skus: string[]) => {
    const res = await c.api('POST', '/v1/events', {
      id: `rec-${tag}-${++n}`, type: 'purchase', member: { email }, order_id: `rec-o-${tag}-${n}`, currency: 'GBP',
      occurred_at: new Date(Date.now() - (100 - n) * 3_600_000).toISOString(),
      lines: skus.map((sku) => ({ sku, name: NAMES[sku], quantity: 1, unit_price: 500 })),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };
  beforeAll(async () => {
    c = await startConsole();
    // Apron and baking tin go together in three baskets; the mug is bought most, alone.
    for (let i = 0; i < 3; i++) await buy(`cook${i}-${tag}@example.com`, ['APRON', 'TIN']);
    for (let i = 0; i < 4; i++) await buy(`tea${i}-${tag}@example.com`, ['MUG']);
    await buy(`kim-${tag}@example.com`, ['APRON']);
    const found = await c.api<{ data: { id: string }[] }>('GET', `/v1/members?q=${encodeURIComponent(`kim-${tag}`)}`);
    kim = found.body.data[0]!.id;
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('says there is no offer before the program has rewards', async () => {
    const page = await c.page();
    await page.goto(`/admin/members/${kim}`);
    await page.getByRole('heading', { name: 'Next best offers' }).waitFor();
    await page.getByText('No reward this member can take now').waitFor();
    await expectAccessible(page);
  });

  it('shows the items bought with what the member bought, popular ones, and the rewards with the points needed', async () => {
    for (const [name, points_cost] of [['Tote bag', 10], ['Cookbook', 5000]] as const) {
      expect((await c.api('POST', '/v1/rewards', { name, kind: 'gift', points_cost })).status).toBe(201);
    }
    expect((await c.api('POST', `/v1/members/${kim}/adjustments`, { points: 100, reason: 'welcome gift' })).status).toBe(201);
    const refreshed = await c.api<{ pairs: number }>('POST', '/v1/recommendations/refresh', {});
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body.pairs).toBe(2);
    const page = await c.page();
    await page.goto(`/admin/members/${kim}`);
    const recs = page.locator('section, div.card').filter({ has: page.getByRole('heading', { name: 'Recommended for this member', exact: true }) }).last();
    const tin = recs.getByRole('listitem').filter({ hasText: 'Baking tin' });
    await tin.getByText('Because they bought APRON').waitFor();
    await recs.getByRole('listitem').filter({ hasText: 'Tea mug' }).getByText('Popular').waitFor();
    expect(await recs.getByText('Apron', { exact: true }).count()).toBe(0); // bought: never recommended
    const offers = page.locator('section, div.card').filter({ has: page.getByRole('heading', { name: 'Next best offers', exact: true }) }).last();
    const first = offers.getByRole('row').nth(1);
    await first.getByText('Tote bag').waitFor();
    await first.getByText('Affordable now').waitFor();
    const api = await c.api<{ balances: { points: number } }>('GET', `/v1/members/${kim}/offers`);
    const needed = 5000 - api.body.balances.points;
    await offers.getByRole('row').filter({ hasText: 'Cookbook' }).getByText(`${needed.toLocaleString('en-GB')} more points`).waitFor();
    await recs.scrollIntoViewIfNeeded();
    await shot(page, 'member-recommendations');
    await expectAccessible(page);
  });
});
