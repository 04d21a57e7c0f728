import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { cleanupCli } from '../cli.js';
import { expectAccessible, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// The main flow for earning rules: build a rule in the form (no JSON), see its JSON, preview it against a
// member and a sample purchase, activate it, send a purchase through the API as a shop would, and see on the
// Events screen that this rule paid it and what the member's balance is. Then the roles: an analyst reads rules
// without a way to change them; support has no rules screen but reads the events.

const tag = Date.now().toString(36);
const ada = { email: `ada-${tag}@example.com`, first_name: 'Ada', last_name: 'Lovelace' };
const RULE = 'Double points over £50';

describe.skipIf(NO_BROWSER)('earning rules and events', () => {
  let c: Console;
  let adaId: string;
  let ruleId: string;
  const eventId = `rules-e2e-${tag}`;

  beforeAll(async () => {
    c = await startConsole();
    const made = await c.api<{ id: string }>('POST', '/v1/members', ada);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    adaId = made.body.id;
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  const previewTotal = (page: Page) => page.locator('.preview-total');

  it('builds a rule in the form, previews it, sees its JSON and saves it', async () => {
    const page = await c.page();
    await page.goto('/admin/rules');
    await page.getByRole('heading', { name: 'Earning rules', level: 1 }).waitFor();
    await page.getByText('No earning rules yet').waitFor();
    await page.getByRole('link', { name: 'Create rule' }).click();
    await page.getByRole('heading', { name: 'New earning rule', level: 1 }).waitFor();

    await page.getByLabel('Name', { exact: true }).fill(RULE);
    await page.getByRole('button', { name: 'Add a condition' }).click();
    // The new condition reads "purchase amount is at least 50 (GBP)": money is typed in pounds.
    const row = page.getByRole('group', { name: 'Condition', exact: true });
    expect(await row.getByLabel('Field').inputValue()).toBe('event.amount');
    expect(await row.getByLabel('Operator').inputValue()).toBe('gte');
    expect(await row.getByLabel('Value (GBP)').inputValue()).toBe('50');
    const effect = page.getByRole('group', { name: 'Effect 1' });
    await effect.getByLabel('Effect', { exact: true }).selectOption('multiplier');
    // A multiplier of 1 is refused by the server, beside its field (below).
    await effect.getByLabel('Multiplier').fill('1');

    // Preview against Ada and a sample purchase of £60 (prefilled).
    await page.getByLabel('Member', { exact: true }).fill(ada.email);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: /Preview for Ada Lovelace/ }).click();
    await page.getByText(/effects\.0\.multiplier: A multiplier is above 1/).first().waitFor();
    await effect.getByLabel('Multiplier').fill('2');
    // The base rate pays 60 for £60, the rule doubles it: 120 in all.
    await expect.poll(() => previewTotal(page).textContent(), { timeout: 15_000 }).toBe('Would pay 120 points');
    const draftRow = page.getByRole('row').filter({ hasText: RULE });
    await draftRow.getByText('Pays').waitFor();
    await shot(page, 'rules-builder');
    await expectAccessible(page);

    // The preview follows the sample: under £50 the rule does not fire, and says why.
    await page.getByLabel('Amount (GBP)').fill('40');
    await expect.poll(() => previewTotal(page).textContent(), { timeout: 15_000 }).toBe('Would pay 40 points');
    await draftRow.getByText('Purchase amount is at least £50.00 did not hold: it was £40.00.').waitFor();
    await page.getByLabel('Amount (GBP)').fill('60');
    await expect.poll(() => previewTotal(page).textContent(), { timeout: 15_000 }).toBe('Would pay 120 points');
    await shot(page, 'rules-preview');

    // The JSON view shows the same rule; bad JSON is an error, not a crash; good JSON changes the builder.
    await page.getByRole('tab', { name: 'JSON' }).click();
    const json = page.getByLabel('The rule as JSON');
    const text = await json.inputValue();
    expect(JSON.parse(text)).toMatchObject({
      name: RULE,
      trigger: 'purchase',
      conditions: { all: [{ field: 'event.amount', op: 'gte', value: 5000 }] },
      effects: [{ type: 'multiplier', multiplier: '2' }],
    });
    await shot(page, 'rules-json');
    await expectAccessible(page);
    await json.fill(text.slice(0, -3));
    await page.getByText(/^Not valid JSON/).waitFor();
    await json.fill(JSON.stringify({ ...JSON.parse(text), priority: 5 }, null, 2));
    await expect.poll(() => page.getByText(/^Not valid JSON/).count()).toBe(0);
    await page.getByRole('tab', { name: 'Builder' }).click();
    expect(await page.getByLabel('Priority').inputValue()).toBe('5');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(RULE);

    // A field error from the server lands beside its field: a per-member limit that caps nothing.
    await page.getByRole('button', { name: 'Add a per-member limit' }).click();
    const limit = page.getByRole('group', { name: 'Limit 1' });
    await limit.getByLabel('At most times').fill('');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await limit.getByText('A limit caps points, times, or both').waitFor();
    await shot(page, 'rules-field-error');
    await limit.getByRole('button', { name: 'Remove' }).click();

    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/admin\/rules\/rul_[0-9a-z]{26}$/);
    ruleId = new URL(page.url()).pathname.split('/').at(-1)!;
    await page.getByRole('heading', { name: RULE, level: 1 }).waitFor();
    await page.getByText('Draft', { exact: true }).first().waitFor();
    const saved = await c.api('GET', `/v1/rules/${ruleId}`);
    expect(saved.body).toMatchObject({ status: 'draft', version: 1, priority: 5, effects: [{ type: 'multiplier', multiplier: '2' }] });
  });

  it('activates the rule after a confirmation, edits it as a new version, and lists it', async () => {
    const page = await c.page();
    await page.goto(`/admin/rules/${ruleId}`);
    await page.getByRole('heading', { name: RULE, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Activate “${RULE}”?` });
    await dialog.waitFor();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Activate now' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await page.getByText('This rule is active: saving makes version 2, in force at once.').waitFor();
    expect((await c.api('GET', `/v1/rules/${ruleId}`)).body.status).toBe('active');
    await page.getByRole('heading', { name: 'Versions' }).waitFor();
    // Editing an active rule makes a new version, in force at once; the first stays in the list.
    await page.getByLabel('Priority').fill('6');
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.getByText('This rule is active: saving makes version 3, in force at once.').waitFor();
    expect((await c.api('GET', `/v1/rules/${ruleId}`)).body).toMatchObject({ status: 'active', version: 2, priority: 6 });
    const versions = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Made' }) });
    await expect.poll(() => versions.getByRole('row').count()).toBe(3);
    await versions.getByRole('row').filter({ hasText: 'version 2' }).getByText('Current').waitFor();
    await shot(page, 'rules-versions');

    await page.goto('/admin/rules');
    const row = page.getByRole('row').filter({ hasText: RULE });
    await row.getByText('Active').waitFor();
    await row.getByText('Purchase').waitFor();
    await shot(page, 'rules-list');
    await expectAccessible(page);
  });

  it('a purchase sent through the API shows on the Events screen as paid by the rule, with the balance', async () => {
    const sent = await c.api('POST', '/v1/events', {
      id: eventId,
      type: 'purchase',
      member: { email: ada.email },
      order_id: `o-${tag}`,
      amount: 6000,
      currency: 'GBP',
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.points).toEqual({ points: 120 });
    // Another member's sign-up, which no rule pays: for the filters.
    expect((await c.api('POST', '/v1/members', { email: `bob-${tag}@example.com` })).status).toBe(201);
    expect((await c.api('POST', '/v1/events', { id: `${eventId}-b`, type: 'signup', member: { email: `bob-${tag}@example.com` } })).status).toBe(201);

    const page = await c.page();
    await page.goto('/admin/events');
    await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: eventId }).filter({ hasText: '£60.00' });
    await row.getByRole('link', { name: RULE }).waitFor();
    await row.getByText('+60').first().waitFor();
    await row.getByText('Base rate').waitFor();
    await row.getByText('Earned points').waitFor();
    await shot(page, 'events');
    await expectAccessible(page);

    // Filters: by member (an email is that identity) and by outcome.
    await page.getByLabel('Member', { exact: true }).fill(ada.email);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByRole('row').filter({ hasText: `${eventId}-b` }).count()).toBe(0);
    await row.waitFor();
    await page.getByLabel('Member', { exact: true }).fill('');
    await page.getByLabel('Outcome').selectOption('no_points');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('row').filter({ hasText: `${eventId}-b` }).waitFor();
    await expect.poll(() => page.getByRole('row').filter({ hasText: '£60.00' }).count()).toBe(0);
    await page.getByLabel('Outcome').selectOption('guest');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No events match these filters.').waitFor();
    await shot(page, 'events-filtered-empty');

    await page.goto(`/admin/events/${eventId}`);
    await page.getByRole('heading', { name: 'Purchase event', level: 1 }).waitFor();
    const paid = page.getByRole('row').filter({ has: page.getByRole('link', { name: RULE }) });
    await paid.getByText('version 2').waitFor();
    await paid.getByRole('cell', { name: '60', exact: true }).waitFor();
    await expect.poll(() => page.getByLabel('Available points').textContent()).toBe('120 points');
    expect(await page.getByRole('link', { name: ada.email }).getAttribute('href')).toBe(`/admin/members/${adaId}`);
    await shot(page, 'event-detail');
    await expectAccessible(page);
    await paid.getByRole('link', { name: RULE }).click();
    await page.waitForURL(`**/admin/rules/${ruleId}`);
  });

  it('an event the API refused shows on Events → Refused with the reason as a sentence, and on the member 360', async () => {
    // A refund of more than Ada's £60 order: refused, and nothing changes.
    const refused = await c.api('POST', '/v1/events', { id: `${eventId}-r`, type: 'refund', order_id: `o-${tag}`, amount: 999_999 });
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.code).toBe('refund.exceeds_paid');

    const page = await c.page();
    await page.goto('/admin/events');
    await page.getByRole('navigation', { name: 'Event views' }).getByRole('link', { name: 'Refused' }).click();
    await page.waitForURL('**/admin/events?view=refused');
    const row = page.getByRole('row').filter({ hasText: `${eventId}-r` });
    await row.getByText('The refund is larger than what is left to refund on the order.').waitFor();
    await row.getByText('refund.exceeds_paid · field amount').waitFor();
    expect(await row.getByRole('link', { name: adaId }).getAttribute('href')).toBe(`/admin/members/${adaId}`);
    await row.getByText('What was sent').click();
    await row.getByText('"amount": 999999').waitFor();
    await shot(page, 'events-refused');
    await expectAccessible(page);

    // Filters keep the view: no refusal of a suspended member here.
    await page.getByLabel('Reason').selectOption('member.suspended');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No refused events match these filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('view')).toBe('refused');

    // The member 360 says how many of Ada's events were refused, and links to them.
    await page.goto(`/admin/members/${adaId}`);
    await page.getByRole('link', { name: '1 refused event' }).click();
    await page.waitForURL(`**/admin/events?view=refused&member=${adaId}`);
    await row.waitFor();
  });

  it('an analyst sees the rules but nothing to change them with; support has no rules screen', async () => {
    const { context } = await c.staffContext('analyst');
    const page = await context.newPage();
    await page.goto('/admin/rules');
    await page.getByRole('link', { name: RULE }).waitFor();
    expect(await page.getByRole('link', { name: 'Create rule' }).count()).toBe(0);
    await page.getByRole('link', { name: RULE }).click();
    await page.getByRole('heading', { name: RULE, level: 1 }).waitFor();
    await page.getByText('You can look at this rule, but your role cannot change it.').waitFor();
    for (const name of ['Save as new version', 'Activate', 'Archive', 'Add condition', 'Add effect', 'Find']) {
      expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    }
    expect(await page.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    await shot(page, 'rules-analyst');
    await expectAccessible(page);
    // The API refuses the analyst too.
    const csrf = ((await (await context.request.get('/v1/staff/session')).json()) as { csrf_token: string }).csrf_token;
    const write = await context.request.post(`/v1/rules/${ruleId}/archive`, { headers: { 'x-csrf-token': csrf, 'patron-program': c.programId }, data: {} });
    expect(write.status()).toBe(403);

    const support = await c.staffContext('support');
    const sp = await support.context.newPage();
    await sp.goto('/admin/events');
    const spRow = sp.getByRole('row').filter({ hasText: eventId }).filter({ hasText: '£60.00' });
    await spRow.waitFor();
    expect(await sp.getByRole('navigation').getByRole('link', { name: 'Earning rules' }).count()).toBe(0);
    // Support reads the events, and sees who paid by name without a link into rules it cannot open.
    await spRow.getByText(RULE).waitFor();
    expect(await sp.getByRole('link', { name: RULE }).count()).toBe(0);
  });
});
