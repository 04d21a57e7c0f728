import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli } from '../cli.js';
import { expectAccessible, NO_BROWSER, shot, startConsole, type Console } from '../browser.js';

// The data screens' main flows: a file of purchases uploaded, mapped and imported with its progress, counts
// and rejects; then Analytics on what it brought in (RFM, cohorts, a CLV fit), with a chart's CSV checked.

const FIXTURE = resolve('test/fixtures/imports-purchases.csv');
const SCREENS = resolve('test-output', 'screens');

/** Clicks what starts a download and answers the downloaded file's text. */
async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

const section = (page: Page, title: string): Locator => page.locator('section.card').filter({ has: page.getByRole('heading', { name: title, level: 2, exact: true }) });

describe.skipIf(NO_BROWSER)('imports and analytics', () => {
  let c: Console;
  beforeAll(async () => {
    c = await startConsole();
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('uploads purchases, maps the columns, watches the import finish and downloads its rejects', async () => {
    const page = await c.page();
    await page.goto('/admin/imports');
    await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor();
    await page.getByText('No file has been imported yet.').waitFor();
    await shot(page, 'imports-upload');
    await expectAccessible(page);

    await page.getByLabel('Choose a file to upload').setInputFiles(FIXTURE);
    await page.getByRole('heading', { name: 'Map the columns of imports-purchases.csv' }).waitFor();
    // Prefilled from the Online Retail preset the server recognised.
    await page.getByText('Recognised as the online-retail layout').waitFor();
    expect(await page.getByLabel('Field for column InvoiceNo').inputValue()).toBe('order_id');
    expect(await page.getByLabel('Field for column CustomerID').inputValue()).toBe('member');
    // Leaving a required field unmapped is caught before the start.
    await page.getByLabel('Field for column InvoiceDate').selectOption('');
    await page.getByText('Still to map: occurred_at').waitFor();
    expect(await page.getByRole('button', { name: 'Start the import' }).isDisabled()).toBe(true);
    await page.getByLabel('Field for column InvoiceDate').selectOption('occurred_at');
    await shot(page, 'imports-mapping');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Start the import' }).click();
    const bar = page.getByRole('progressbar', { name: 'Import progress' });
    await bar.waitFor();
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 60_000 }).toBe('100');
    const card = section(page, 'Import of imports-purchases.csv');
    await card.getByText('Completed', { exact: true }).waitFor();
    await card.getByRole('group', { name: 'Imported', exact: true }).getByText('663', { exact: true }).waitFor();
    await card.getByRole('group', { name: 'Rejected', exact: true }).getByText('2', { exact: true }).waitFor();
    await card.getByRole('group', { name: 'Rows read', exact: true }).getByText('1,008', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'imports-purchases.csv' }).waitFor();
    await shot(page, 'imports-finished');
    await expectAccessible(page);

    const rejects = await downloaded(page, () => page.getByRole('button', { name: 'Download the 2 rejected rows (CSV)' }).click());
    expect(rejects.name).toMatch(/^imp_.*-rejects\.csv$/);
    const lines = rejects.text.trim().split('\n');
    expect(lines[0]).toBe('line,lines,id,code,field,message');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 1).concat(l.split(',')[3]!))).toEqual([
      ['11', 'import.invalid_date'],
      ['21', 'import.invalid_amount'],
    ]);
  }, 120_000);

  it('an analyst is not offered imports', async () => {
    const { context } = await c.staffContext('analyst');
    const page = await context.newPage();
    await page.goto(`${c.url}/admin/analytics`);
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: 'Imports' }).count()).toBe(0);
    // Analysts may fit: the button is there for them.
    await page.getByRole('button', { name: 'Start a fit' }).waitFor();
    await context.close();
  }, 60_000);

  it('opens analytics on the imported data: RFM, cohorts, a CLV fit, and a chart as CSV', async () => {
    const page = await c.page();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/admin/analytics');
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();

    const grid = page.getByRole('table', { name: 'Members by recency score (rows) and frequency score (columns)' });
    await grid.waitFor();
    await page.getByText('150 members scored; 5 is the best quintile.').waitFor();
    const cells = await grid.locator('td').allTextContents();
    expect(cells).toHaveLength(25);
    expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBe(150);
    await page.getByRole('button', { name: 'Spend', exact: true }).click();
    await page.getByText('Average monetary score (1–5)', { exact: false }).waitFor();
    await section(page, 'RFM: recency × frequency').screenshot({ path: join(SCREENS, 'analytics-rfm.png') });
    await page.getByRole('button', { name: 'Members', exact: true }).click();

    const cohorts = page.getByRole('table', { name: 'Cohort retention' });
    await cohorts.waitFor();
    expect(await cohorts.locator('tbody tr').count()).toBeGreaterThan(3);
    await section(page, 'Cohort retention').screenshot({ path: join(SCREENS, 'analytics-cohorts.png') });
    const csv = await downloaded(page, () => page.getByRole('button', { name: 'Download CSV: Cohort retention' }).click());
    expect(csv.name).toBe('cohorts.csv');
    const rows = csv.text.trim().split('\r\n');
    expect(rows[0]).toBe('cohort,size,months_since,active,retention');
    // Month 0 of every cohort: everyone in it was active then.
    const first = rows.slice(1).filter((r) => r.split(',')[2] === '0');
    expect(first.length).toBe(await cohorts.locator('tbody tr').count());
    expect(first.every((r) => r.split(',')[1] === r.split(',')[3] && r.split(',')[4] === '1')).toBe(true);
    expect(first.reduce((s, r) => s + Number(r.split(',')[1]), 0)).toBe(150);

    const clv = section(page, 'Lifetime value and churn risk');
    await clv.getByText('No fit yet', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Start a fit' }).click();
    await clv.getByText('Fit complete').waitFor({ timeout: 90_000 });
    await clv.getByText('150 members scored', { exact: false }).waitFor();
    await clv.getByRole('figure', { name: 'CLV distribution' }).waitFor();
    const dist = await downloaded(page, () => clv.getByRole('button', { name: 'Download CSV: CLV distribution' }).click());
    const bins = dist.text.trim().split('\r\n');
    expect(bins[0]).toBe('clv_from_minor_units,clv_to_minor_units,members');
    expect(bins.slice(1).reduce((s, r) => s + Number(r.split(',')[2]), 0)).toBe(150);
    await clv.screenshot({ path: join(SCREENS, 'analytics-clv.png') });

    await page.getByRole('heading', { name: 'Points by earning rule' }).waitFor();
    await section(page, 'Points by channel').screenshot({ path: join(SCREENS, 'analytics-points.png') });
    await shot(page, 'analytics');
    await expectAccessible(page);
  }, 180_000);
});
