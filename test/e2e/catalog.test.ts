import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { expectAccessible, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// The catalog screens on data sent through the API as a shop would: tiers and members per tier, a reward with
// a CSV code pool and its redemptions, coupon lookup and validation, stamp cards and referrals; and what an
// analyst (read only) sees of them.

const tag = Date.now().toString(36);
const people = {
  ada: { email: `ada-${tag}@example.com`, first_name: 'Ada', last_name: 'Lovelace' },
  grace: { email: `grace-${tag}@example.com`, first_name: 'Grace', last_name: 'Hopper' },
  alan: { email: `alan-${tag}@example.com`, first_name: 'Alan', last_name: 'Turing' },
};
type Who = keyof typeof people;

describe.skipIf(NO_BROWSER)('catalog screens', () => {
  let c: Console;
  const ids = {} as Record<Who, string>;
  let n = 0;
  const buy = async (who: Who, amount: number) => {
    n++;
    const sent = await c.api('POST', '/v1/events', { id: `cat-${tag}-${n}`, type: 'purchase', member: { email: people[who].email }, order_id: `o-${tag}-${n}`, amount, currency: 'GBP' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
  };
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await c.api(method, path, body);
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body;
  };

  beforeAll(async () => {
    c = await startConsole();
    await ok('PATCH', `/v1/programs/${c.programId}`, { point_currencies: ['points', 'stamps'] });
    await ok('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'calendar_year' } });
    await ok('POST', '/v1/tiers/levels', { name: 'Silver', threshold: 10_000, benefits: { multiplier_bp: 12_500 } });
    await ok('POST', '/v1/tiers/levels', { name: 'Gold', threshold: 50_000 });
    for (const who of Object.keys(people) as Who[]) ids[who] = (await ok('POST', '/v1/members', people[who])).id;
    await buy('ada', 15_000); // Silver, 150 points
    await buy('grace', 60_000); // Gold
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  const dialogNamed = (page: Page, name: string) => page.getByRole('dialog', { name });

  it('tiers: edit the scheme and add a level; members per tier follow the purchases', async () => {
    const page = await c.page();
    await page.goto('/admin/tiers');
    await page.getByRole('heading', { name: 'Tiers', level: 1 }).waitFor();
    const perTier = page.getByRole('table', { name: 'Members per tier' });
    await perTier.getByRole('row', { name: /Gold 1 33\.3%/ }).waitFor();
    await perTier.getByRole('row', { name: /Silver 1 33\.3%/ }).waitFor();
    await perTier.getByRole('row', { name: /No tier 1 33\.3%/ }).waitFor();

    await page.getByRole('button', { name: 'Edit scheme' }).click();
    const scheme = dialogNamed(page, 'Edit scheme');
    await scheme.getByLabel('Grace period').fill('14');
    await scheme.getByLabel('Soft landing').check();
    await scheme.getByRole('button', { name: 'Save scheme' }).click();
    await expect.poll(() => scheme.isVisible()).toBe(false);
    await page.getByText('14 days').waitFor();
    await page.getByText('On: at most one level down').waitFor();
    expect((await ok('GET', '/v1/tiers/scheme')).grace_days).toBe(14);

    await page.getByRole('button', { name: 'Add level' }).click();
    const level = dialogNamed(page, 'Add level');
    await level.getByLabel('Name').fill('Bronze');
    await level.getByLabel('Threshold (GBP)').fill('50');
    await level.getByLabel('Earning multiplier').fill('1.1');
    await level.getByRole('button', { name: 'Save level' }).click();
    await expect.poll(() => level.isVisible()).toBe(false);
    const levels = page.getByRole('table', { name: 'Levels' });
    await levels.getByRole('row', { name: /1 Bronze £50\.00 ×1\.1 0/ }).waitFor();
    await levels.getByRole('row', { name: /2 Silver £100\.00 ×1\.25 1/ }).waitFor();
    await page.getByRole('heading', { name: 'Upcoming downgrades' }).waitFor();
    await shot(page, 'tiers');
    await expectAccessible(page);

    // Deleting asks first; a level somebody holds is refused, an empty one goes.
    await page.getByRole('button', { name: 'Delete Silver' }).click();
    await dialogNamed(page, 'Delete Silver?').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Members hold this level: move them before deleting it.').waitFor();
    await page.getByRole('button', { name: 'Delete Bronze' }).click();
    await dialogNamed(page, 'Delete Bronze?').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => levels.getByRole('row', { name: /Bronze/ }).count()).toBe(0);

    // The count of a level's members opens the member list filtered to that tier.
    await levels.getByRole('link', { name: '1 member in Gold: list them' }).click();
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    expect(await page.getByLabel('Tier').inputValue()).not.toBe('');
    await page.getByRole('link', { name: /Grace Hopper/ }).waitFor();
    expect(await page.getByRole('link', { name: /Ada Lovelace/ }).count()).toBe(0);
    await page.getByLabel('Tier').selectOption({ label: 'Silver' });
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: /Ada Lovelace/ }).waitFor();
    expect(await page.getByRole('link', { name: /Grace Hopper/ }).count()).toBe(0);
  });

  it('rewards: create a reward with stock, upload a CSV code pool, redeem it and see the redemption', async () => {
    const page = await c.page();
    await page.goto('/admin/rewards');
    await page.getByText('The catalog is empty. Add a first reward.').waitFor();
    await page.getByRole('link', { name: 'Add reward' }).click();
    await page.getByRole('heading', { name: 'New reward', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Reward' });
    await form.getByLabel('Name').fill(`Ten pounds off ${tag}`);
    await form.getByLabel('Discount', { exact: true }).selectOption('amount');
    await form.getByLabel('Amount off (GBP)').fill('10');
    await form.getByLabel('Points cost').fill('100');
    await form.getByLabel('Stock', { exact: true }).fill('5');
    await form.getByLabel('Limit per member').fill('2');
    await form.getByLabel('Image URLs').fill('https://images.example.com/ten-off.png');
    await form.getByLabel('Silver').check();
    await form.getByLabel('Gold').check();
    // A wrong amount is refused beside its field, and nothing is sent.
    await form.getByLabel('Minimum order (GBP)').fill('ten');
    await form.getByRole('button', { name: 'Create reward' }).click();
    await form.getByText('Enter an amount such as 12.50').waitFor();
    await shot(page, 'reward-form');
    await expectAccessible(page);
    await form.getByLabel('Minimum order (GBP)').fill('20');
    await form.getByRole('button', { name: 'Create reward' }).click();
    await page.getByRole('heading', { name: `Ten pounds off ${tag}`, level: 1 }).waitFor();
    const rewardId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await ok('GET', `/v1/rewards/${rewardId}`)).toMatchObject({
      kind: 'discount_coupon',
      discount: { type: 'amount', amount: 1000 },
      points_cost: 100,
      stock: 5,
      per_member_limit: 2,
      images: ['https://images.example.com/ten-off.png'],
      coupon: { min_order_amount: 2000 },
    });

    // The code pool: a CSV with a header, a quoted code, a repeat and a line that is no code.
    await page.getByText('No pool: codes are generated').waitFor();
    const csv = `code,batch\r\nTEN-${tag}-A,1\r\n"TEN-${tag}-B",1\r\nten-${tag}-a,2\r\nnot a code!,3\r\nTEN-${tag}-C,"4, late"\r\n`;
    await page.getByLabel('CSV file of codes').setInputFiles({ name: 'codes.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByText('3 codes read from codes.csv.').waitFor();
    await page.getByText('1 code appears more than once and will be sent once.').waitFor();
    await page.getByText('1 line is not a code and will be left out (e.g. not a code!).').waitFor();
    await shot(page, 'code-upload');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Upload 3 codes' }).click();
    await page.getByText('Added 3; 0 already in use were skipped.').waitFor();
    await page.getByLabel('Codes left').getByText('3 codes left').waitFor();

    // Redeemed at the till through the API; the redemption shows, with the pooled code.
    const red = await ok('POST', `/v1/members/${ids.ada}/reward-redemptions`, { reward_id: rewardId, mode: 'redeem' });
    expect(red.coupon.code).toMatch(new RegExp(`^TEN-${tag.toUpperCase()}-[ABC]$`));
    await page.reload();
    await page.getByLabel('Codes left').getByText('2 codes left').waitFor();
    await page.getByRole('table', { name: 'Redemptions' }).getByRole('row', { name: /Ada Lovelace Confirmed 100/ }).waitFor();

    await page.goto('/admin/rewards');
    const row = page.getByRole('table', { name: 'Reward catalog' }).getByRole('row', { name: new RegExp(`Ten pounds off ${tag}`) });
    await row.getByText('100 points').waitFor();
    await row.getByRole('cell', { name: '4', exact: true }).waitFor(); // stock left
    await row.getByRole('cell', { name: '2', exact: true }).first().waitFor(); // codes left
    await shot(page, 'rewards');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Redemptions' }).click();
    await page.getByRole('table', { name: 'Redemptions' }).getByRole('row', { name: new RegExp(`Ten pounds off ${tag} Ada Lovelace Confirmed 100 ${red.coupon.code}`) }).waitFor();
    await shot(page, 'redemptions');
    await expectAccessible(page);

    // Coupon lookup and validation against a sample basket.
    await page.getByRole('link', { name: 'Coupon lookup' }).click();
    await page.getByLabel('Coupon code').fill(red.coupon.code.toLowerCase());
    await page.getByRole('button', { name: 'Look up' }).click();
    const facts = page.getByLabel('Coupon', { exact: true }).last();
    await page.getByText('Usable', { exact: true }).waitFor();
    await page.getByText('£10.00 off').waitFor();
    await page.getByText('1 of 1 left').waitFor();
    expect(await facts.count()).toBeGreaterThan(0);
    await page.getByLabel('Order amount (GBP)').fill('15');
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText("Refused: the order is below the coupon's minimum.").waitFor();
    await page.getByLabel('Order amount (GBP)').fill('45.50');
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText('Valid: it takes £10.00 off this order.').waitFor();
    await shot(page, 'coupon-lookup');
    await expectAccessible(page);
    await page.getByLabel('Coupon code').fill('NO-SUCH-CODE');
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByText('Refused: there is no such coupon.').waitFor();
    await page.getByText('No coupon NO-SUCH-CODE in this program.').waitFor();
  });

  it('stamps and referrals: a stamp card with progress, referral settings saved, top referrers shown', async () => {
    const gift = await ok('POST', '/v1/rewards', { name: `Free coffee ${tag}`, kind: 'gift', points_cost: 0 });
    const page = await c.page();
    await page.goto('/admin/stamps-referrals');
    await page.getByRole('heading', { name: 'Stamp cards & referrals', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Add stamp card' }).click();
    const card = dialogNamed(page, 'Add stamp card');
    await card.getByLabel('Stamps to complete the card').fill('5');
    await card.getByLabel('Reward for a full card').selectOption(gift.id);
    await card.getByRole('button', { name: 'Save stamp card' }).click();
    await expect.poll(() => card.isVisible()).toBe(false);
    await ok('POST', `/v1/members/${ids.alan}/adjustments`, { points: 3, currency: 'stamps', reason: 'e2e stamps' });
    await ok('POST', `/v1/members/${ids.grace}/adjustments`, { points: 3, currency: 'stamps', reason: 'e2e stamps' });

    const form = page.getByRole('form', { name: 'Referral settings' });
    await form.getByLabel('Referrals are on').check();
    await form.getByLabel("Referrer's reward (points)").fill('500');
    await form.getByLabel("Referee's reward (points)").fill('200');
    await form.getByLabel('Ambassador threshold').fill('1');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByText('Saved.').waitFor();
    expect(await ok('GET', '/v1/referrals/settings')).toMatchObject({ enabled: true, referrer_reward: { points: 500 }, referee_reward: { points: 200 }, ambassador_threshold: 1 });

    // Ada refers a friend who buys: Ada is the top referrer, and an ambassador.
    const code = (await ok('GET', `/v1/members/${ids.ada}/referral`)).code;
    await ok('POST', '/v1/members', { email: `friend-${tag}@example.com`, first_name: 'Mary', referral_code: code });
    n++;
    await ok('POST', '/v1/events', { id: `cat-${tag}-${n}`, type: 'purchase', member: { email: `friend-${tag}@example.com` }, order_id: `o-${tag}-${n}`, amount: 2500, currency: 'GBP' });
    await page.reload();
    const top = page.getByRole('table', { name: 'Top referrers' });
    await top.getByRole('row', { name: new RegExp(`Ada Lovelace Ambassador ${code} 1 1 500 points`) }).waitFor();
    await page.getByText('1 ambassador at 1 or more qualified referrals.').waitFor();
    await page.getByRole('table', { name: 'Referrals' }).getByRole('row', { name: /Ada Lovelace Mary Qualified/ }).waitFor();
    const stamps = page.getByRole('table', { name: 'Members by stamps held on stamps' });
    await stamps.getByRole('row', { name: /^3 2/ }).waitFor();
    await page.getByText('2 members hold stamps; 0 cards completed by 0 members.').waitFor();
    await shot(page, 'stamps-referrals');
    await expectAccessible(page);
  });

  it('an analyst sees the catalog screens without any edit button', async () => {
    const { context } = await c.staffContext('analyst');
    const page = await context.newPage();
    await page.goto('/admin/tiers');
    await page.getByRole('table', { name: 'Levels' }).waitFor();
    await page.getByRole('table', { name: 'Members per tier' }).waitFor();
    expect(await page.getByRole('button', { name: /Edit|Add level|Delete/ }).count()).toBe(0);

    await page.goto('/admin/rewards');
    const link = page.getByRole('link', { name: new RegExp(`Ten pounds off ${tag}`) });
    await link.waitFor();
    expect(await page.getByRole('link', { name: 'Add reward' }).count()).toBe(0);
    await link.click();
    await page.getByLabel('Codes left').waitFor();
    expect(await page.getByRole('button', { name: /Save changes|Upload/ }).count()).toBe(0);
    expect(await page.getByLabel('CSV file of codes').count()).toBe(0);
    expect(await page.getByLabel('Name').isDisabled()).toBe(true);

    await page.goto('/admin/rewards/coupons');
    await page.getByLabel('Coupon code').waitFor();
    expect(await page.getByRole('button', { name: 'Validate' }).count()).toBe(0);

    await page.goto('/admin/stamps-referrals');
    await page.getByRole('table', { name: 'Top referrers' }).waitFor();
    expect(await page.getByRole('button', { name: /Save settings|Add stamp card|Edit/ }).count()).toBe(0);
    expect(await page.getByLabel('Ambassador threshold').isDisabled()).toBe(true);
    await shot(page, 'stamps-referrals-analyst');
  });
});
