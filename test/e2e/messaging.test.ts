import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { expectAccessible, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// Templates and the Outbox on the embedded default (no SMTP server): a marketer writes a template, previews it
// with a real member found by search, test-sends it and finds the email in the Outbox with its headers.

const tag = Date.now().toString(36);

describe.skipIf(NO_BROWSER)('templates and the outbox', () => {
  let c: Console;
  beforeAll(async () => {
    c = await startConsole();
    const made = await c.api('POST', '/v1/members', { email: `olga-${tag}@example.com`, first_name: 'Olga', last_name: `Petrova${tag}`, locale: 'ru-RU' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('creates a template, previews it with a member, test-sends it and shows it in the Outbox', async () => {
    const page = await c.page();
    page.setDefaultTimeout(15_000);
    await page.goto('/admin/templates');
    await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
    await page.getByText('No templates yet.').waitFor();
    await expectAccessible(page);

    await page.getByRole('link', { name: 'New template' }).click();
    await page.getByLabel('Template name').fill('Welcome');
    await page.getByLabel('Subject').fill('Welcome, {{ member.first_name }}');
    await page.getByRole('tab', { name: 'Русский' }).click();
    await page.getByLabel('Subject').fill('Здравствуйте, {{ member.first_name }');
    await page.getByLabel('Body (MJML)').fill('<mjml><mj-body><mj-section><mj-column><mj-text>Привет, {{ member.first_name }}!</mj-text></mj-column></mj-section></mj-body></mjml>');
    await page.getByRole('button', { name: 'Save template' }).click();
    // The broken subject is refused beside its field, on its tab.
    await page.getByText('This field is not valid liquid: check the tags and the double curly braces.').waitFor();
    await page.getByLabel('Subject').fill('Здравствуйте, {{ member.first_name }}');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByRole('heading', { name: 'Welcome', level: 1 }).waitFor();
    await expectAccessible(page);

    await page.getByLabel('Find a member').fill(`Petrova${tag}`);
    await page.getByRole('button', { name: new RegExp(`Olga Petrova${tag}`) }).click();
    await page.getByRole('button', { name: 'Show preview' }).click();
    await page.getByTestId('preview-subject').getByText('Здравствуйте, Olga').waitFor();
    const frame = page.getByTitle('Preview of the email');
    expect(await frame.getAttribute('sandbox')).toBe('');
    await page.frameLocator('iframe[title="Preview of the email"]').getByText('Привет, Olga!').waitFor();
    await expectAccessible(page, { exclude: 'iframe[sandbox]' });
    await shot(page, 'template-edit');

    await page.getByLabel('Send a test to').fill(`qa-${tag}@shop.example`);
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByRole('status').getByText(`Sent to qa-${tag}@shop.example: Sent.`).waitFor();

    await page.goto('/admin/outbox');
    await page.getByRole('heading', { name: 'Outbox', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Outbox' });
    await table.getByRole('row', { name: new RegExp(`qa-${tag}@shop\\.example Welcome, Ann Sent`) }).waitFor();
    await expectAccessible(page);
    await shot(page, 'outbox');

    await table.getByRole('link', { name: 'Welcome, Ann' }).click();
    await page.getByRole('heading', { name: 'Welcome, Ann', level: 1 }).waitFor();
    expect(await page.getByTitle('The email as sent').getAttribute('sandbox')).toBe('');
    const headers = page.getByRole('table', { name: 'Headers' });
    await headers.getByRole('row', { name: /List-Unsubscribe-Post List-Unsubscribe=One-Click/ }).waitFor();
    // The one-click link points at this server (it listens on a port picked at start).
    const link = await headers.getByRole('row', { name: /^List-Unsubscribe </ }).getByRole('cell').textContent();
    expect(link).toMatch(new RegExp(`^<${c.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/u/[^>]+>, <mailto:`));
    await page.getByText('Outbox (no SMTP server)').waitFor();
    await expectAccessible(page, { exclude: 'iframe[sandbox]' });
    await shot(page, 'outbox-message');
  }, 120_000);
});
