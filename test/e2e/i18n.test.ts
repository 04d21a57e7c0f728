import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { messagesOf } from '../locales.js';
import { expectAccessible, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// The language switcher: the console's text changes at once, and the choice is kept on the staff user.

type Messages = { nav: { dashboard: string; members: string }; dashboard: { title: string; kpi: { members: string } }; shell: { language: string } };
const messages = (locale: string) => messagesOf(locale) as unknown as Messages;
const en = messages('en');

describe.skipIf(NO_BROWSER)('console languages', () => {
  let c: Console;
  beforeAll(async () => {
    c = await startConsole();
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('switching language shows translated text, and the choice stays after a reload', async () => {
    const page = await c.page();
    await page.goto('/admin');
    await page.getByRole('heading', { name: en.dashboard.title, level: 1 }).waitFor();
    let current = en;
    for (const locale of ['zh-Hans', 'zh-Hant', 'ru']) {
      const m = messages(locale);
      expect(m.nav.members).not.toBe(en.nav.members);
      await page.getByRole('combobox', { name: current.shell.language }).selectOption(locale);
      await page.getByRole('heading', { name: m.dashboard.title, level: 1 }).waitFor();
      await page.getByRole('link', { name: m.nav.members, exact: true }).waitFor();
      await page.getByRole('group', { name: m.dashboard.kpi.members, exact: true }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe(locale);
      await shot(page, `dashboard-${locale}`);
      await expectAccessible(page);
      current = m;
    }
    // Saved on the staff user: a reload, and the session answer, keep Russian.
    await expect.poll(async () => ((await (await page.request.get('/v1/staff/session')).json()) as { staff: { locale: string } }).staff.locale).toBe('ru');
    await page.reload();
    await page.getByRole('heading', { name: messages('ru').dashboard.title, level: 1 }).waitFor();
    await page.getByRole('link', { name: messages('ru').nav.members }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/members');
    await shot(page, 'members-ru');
    await page.getByRole('combobox', { name: messages('ru').shell.language }).selectOption('en');
    await page.getByRole('link', { name: en.nav.dashboard }).waitFor();
  });
});
