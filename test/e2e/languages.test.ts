import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { flatMessages } from '../locales.js';
import { NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// Every screen of the navigation in each language: its heading and text come from that language's catalog, and
// no English text of the console shows through (a string left out of a catalog, or written into a component).
// A screenshot of each in test-output/screens/<screen>-<locale>.png for a reviewer who reads the language.

const english = flatMessages('en').messages;
/** The English texts a leak would show: whole sentences or labels, not ones every language writes alike. */
function leaksFor(locale: string): string[] {
  const theirs = flatMessages(locale).messages;
  return [...english]
    .filter(([key, text]) => theirs.get(key) !== text && !/[{}<]/.test(text) && /[a-z]{3}/i.test(text) && text.length >= 6)
    .map(([, text]) => text);
}


describe.skipIf(NO_BROWSER)('every screen in every language', () => {
  let c: Console;
  beforeAll(async () => {
    c = await startConsole();
    // Something to show on the lists: a member with a purchase.
    await c.api('POST', '/v1/events', { type: 'purchase', id: 'lang-buy-1', order_id: 'lang-o-1', member: { email: 'lang@example.com' }, amount: 2_500, currency: 'GBP' });
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it.each(['zh-Hans', 'zh-Hant', 'ru'])('%s: each screen is in the language, with no English left', async (locale) => {
    const page = await c.page();
    await page.goto('/admin');
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    const switcher = page.locator('select').filter({ has: page.locator(`option[value="${locale}"]`) });
    await switcher.selectOption(locale);
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(locale);
    const leaks = leaksFor(locale);
    expect(leaks.length).toBeGreaterThan(100);
    // The screens the navigation offers the owner (every one), as a user would open them.
    const nav = page.locator('nav.nav a');
    const screens = await nav.evaluateAll((links) => links.map((a) => ({ path: new URL((a as HTMLAnchorElement).href).pathname, name: a.querySelector('.nav-label')?.textContent?.trim() ?? '' })));
    expect(screens.length).toBeGreaterThan(10);
    for (const screen of screens) {
      await page.goto(screen.path);
      // The navigation names the screen in the language; the page has settled (no loading state left).
      await page.getByRole('link', { name: screen.name, exact: true }).waitFor();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await expect.poll(() => page.locator('.state-loading').count(), { timeout: 15_000 }).toBe(0);
      const text = await page.locator('body').innerText();
      const shown = leaks.filter((l) => text.includes(l));
      expect(shown, `${locale} ${screen.path}`).toEqual([]);
      await shot(page, `${screen.path.replace(/^\/admin\/?/, '').replace(/\//g, '-') || 'dashboard'}-${locale}`);
    }
  });
});
