import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { cleanupCli } from '../cli.js';
import { completeSetup, csrfToken, expectAccessible, NO_BROWSER, shot, signIn, startConsole, type Console } from '../browser.js';

// The admin screens: a segment built in the builder with its live size, its members and CSV; program settings
// saved and found in the audit log with before and after; a marketer invited through the staff screen; a points
// adjustment found in the audit log; an analyst who reads segments and exports them but cannot change them.

const tag = Date.now().toString(36);
const people = [
  { email: `ada-${tag}@example.com`, first_name: 'Ada', last_name: 'Lovelace', orders: [2599, 4000] },
  { email: `grace-${tag}@example.com`, first_name: 'Grace', last_name: 'Hopper', orders: [1000] },
  { email: `linus-${tag}@example.com`, first_name: 'Linus', last_name: 'Torvalds', orders: [5000, 2000, 500] },
];

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = (await Promise.all([page.waitForEvent('download'), click()])) as [Download, void];
  const path = await download.path();
  return { name: download.suggestedFilename(), text: await readFile(path, 'utf8') };
}

const liveSize = (page: Page) => page.getByRole('status', { name: 'Members in this segment' });

describe.skipIf(NO_BROWSER)('admin screens', () => {
  let c: Console;
  const ids: Record<string, string> = {};
  let segmentId = '';
  beforeAll(async () => {
    c = await startConsole();
    let n = 0;
    for (const p of people) {
      const made = await c.api<{ id: string }>('POST', '/v1/members', { email: p.email, first_name: p.first_name, last_name: p.last_name });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      ids[p.first_name] = made.body.id;
      for (const amount of p.orders) {
        n++;
        const sent = await c.api('POST', '/v1/events', {
          id: `adm-${tag}-${n}`,
          type: 'purchase',
          member: { email: p.email },
          order_id: `adm-o-${tag}-${n}`,
          amount,
          currency: 'GBP',
          occurred_at: new Date(Date.now() - 5 * 86_400_000 + n * 60_000).toISOString(),
        });
        expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      }
    }
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await cleanupCli();
  });

  it('builds a segment with its live size, saves it, lists its members and exports them as CSV', async () => {
    const page = await c.page();
    await page.goto('/admin/segments');
    await page.getByRole('heading', { name: 'Segments', level: 1 }).waitFor();
    await page.getByText('No segments yet.').waitFor();
    await page.getByRole('link', { name: 'New segment' }).first().click();
    await page.getByRole('heading', { name: 'New segment', level: 1 }).waitFor();
    await page.getByText('Fill in every condition to count the members.').waitFor();

    // Everyone who ordered at least once: all three.
    const first = page.getByRole('group', { name: 'Condition 1' });
    await expect.poll(() => first.getByLabel('Field', { exact: true }).inputValue()).toBe('orders_count');
    await first.getByLabel('Value', { exact: true }).fill('1');
    await expect.poll(() => liveSize(page).textContent(), { timeout: 15_000 }).toContain('3 members');
    // …who spent at least £50: Ada (£65.99) and Linus (£75.00).
    await page.getByRole('button', { name: 'Add condition' }).first().click();
    const second = page.getByRole('group', { name: 'Condition 2' });
    await second.getByLabel('Field', { exact: true }).selectOption({ label: 'Total spent' });
    await expect.poll(() => second.getByLabel('Condition', { exact: true }).inputValue()).toBe('gte');
    await second.getByLabel('Value', { exact: true }).fill('50.00');
    await expect.poll(() => liveSize(page).textContent(), { timeout: 15_000 }).toContain('2 members');
    await page.getByRole('table', { name: 'A sample of the members' }).getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    expect(await page.getByRole('table', { name: 'A sample of the members' }).getByRole('link', { name: 'Grace Hopper' }).count()).toBe(0);
    await shot(page, 'segment-builder');
    await expectAccessible(page);

    await page.getByLabel('Name', { exact: true }).fill(`Big spenders ${tag}`);
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('heading', { name: `Big spenders ${tag}`, level: 1 }).waitFor();
    segmentId = new URL(page.url()).pathname.split('/').pop()!;
    expect(segmentId).toMatch(/^seg_/);
    const members = page.getByRole('region', { name: 'Members' }).or(page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Members' }) }));
    await members.getByRole('link', { name: 'Linus Torvalds' }).waitFor();
    await members.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    expect(await members.getByRole('link', { name: 'Grace Hopper' }).count()).toBe(0);
    await page.getByText('Total spent at least £50.00').waitFor();
    await shot(page, 'segment-page');
    await expectAccessible(page);

    const csv = await downloaded(page, () => page.getByRole('button', { name: 'Export CSV' }).click());
    expect(csv.name).toBe(`segment-${segmentId}.csv`);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('member_id,name,orders_count,total_spent');
    expect(lines.slice(1).sort()).toEqual([`${ids.Ada},Ada Lovelace,2,6599`, `${ids.Linus},Linus Torvalds,3,7500`].sort());

    // The member link opens the member 360.
    await members.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();

    await page.goto('/admin/segments');
    await page.getByRole('link', { name: `Big spenders ${tag}` }).waitFor();
    await page.getByRole('row').filter({ hasText: `Big spenders ${tag}` }).getByRole('cell', { name: '2', exact: true }).waitFor();
    await shot(page, 'segments');
    await expectAccessible(page);

    // Editing opens the saved conditions as rows; negating one turns the segment into the small spenders.
    await page.getByRole('link', { name: `Big spenders ${tag}` }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: `Edit Big spenders ${tag}`, level: 1 }).waitFor();
    const saved = page.getByRole('group', { name: 'Condition 2' });
    await expect.poll(() => saved.getByLabel('Value', { exact: true }).inputValue()).toBe('50.00');
    await expect.poll(() => liveSize(page).textContent(), { timeout: 15_000 }).toContain('2 members');
    await saved.getByLabel('Not').check();
    await expect.poll(() => liveSize(page).textContent(), { timeout: 15_000 }).toContain('1 member');
    await page.getByLabel('Name', { exact: true }).fill(`Small spenders ${tag}`);
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('heading', { name: `Small spenders ${tag}`, level: 1 }).waitFor();
    await page.getByText('Not · Total spent at least £50.00').waitFor();
    await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    expect(await page.getByRole('link', { name: 'Ada Lovelace' }).count()).toBe(0);
  });

  it('an analyst reads segments and exports them, but is offered no change and the API refuses one', async () => {
    expect(segmentId).not.toBe('');
    const analyst = await c.staffContext('analyst');
    const page = await analyst.context.newPage();
    await page.goto('/admin/segments');
    await page.getByRole('link', { name: `Small spenders ${tag}` }).click();
    await page.getByRole('heading', { name: `Small spenders ${tag}`, level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: 'New segment' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    const csv = await downloaded(page, () => page.getByRole('button', { name: 'Export CSV' }).click());
    expect(csv.text.trim().split('\n').slice(1)).toEqual([`${ids.Grace},Grace Hopper,1,1000`]);
    await shot(page, 'segment-analyst');
    await expectAccessible(page);

    const headers = { 'x-csrf-token': await csrfToken(analyst.context.request), 'patron-program': c.programId };
    const made = await analyst.context.request.post('/v1/analytics/segments', { data: { name: 'nope', conditions: { all: [{ field: 'orders_count', op: 'gte', value: 1 }] } }, headers });
    expect(made.status()).toBe(403);
    expect(await made.json()).toMatchObject({ code: 'auth.role_forbidden' });
    const removed = await analyst.context.request.delete(`/v1/analytics/segments/${segmentId}`, { headers });
    expect(removed.status()).toBe(403);
    expect((await c.api('GET', `/v1/analytics/segments/${segmentId}`)).status).toBe(200);
  });

  it('changes a program setting, sees it saved, and finds it in the audit log with before and after', async () => {
    const page = await c.page();
    await page.goto('/admin/settings');
    await page.getByRole('heading', { name: 'Program settings', level: 1 }).waitFor();
    const pending = page.getByLabel('Pending days');
    await expect.poll(() => pending.inputValue()).toBe('0');
    await shot(page, 'settings');
    await expectAccessible(page);
    // A value the form refuses shows beside its field, and nothing is sent.
    await pending.fill('400');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Too large').waitFor();
    await pending.fill('14');
    await page.getByLabel('Points expire').selectOption('rolling');
    await page.getByLabel('Days until points expire').fill('365');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    const program = await c.api<{ settings: { pending_days: number; expiry: unknown } }>('GET', `/v1/programs/${c.programId}`);
    expect(program.body.settings.pending_days).toBe(14);
    expect(program.body.settings.expiry).toEqual({ policy: 'rolling', days: 365 });
    await page.reload();
    await expect.poll(() => page.getByLabel('Pending days').inputValue()).toBe('14');


    await page.goto('/admin/settings/audit');
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByLabel('Action', { exact: true }).fill('program.update');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.getByRole('rowgroup').filter({ hasText: 'program.update' }).first();
    await row.waitFor();
    await row.getByRole('button', { name: 'Show changes' }).click();
    const change = row.getByRole('table').getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'settings.pending_days' }) });
    await expect.poll(() => change.textContent()).toBe('settings.pending_days014');
    await row.getByRole('rowheader', { name: 'settings.expiry.days' }).waitFor();
    await shot(page, 'audit');
    await expectAccessible(page);

    const csv = await downloaded(page, () => page.getByRole('link', { name: 'Export CSV' }).click());
    expect(csv.text.split('\n')[0]).toContain('action');
    expect(csv.text).toContain('program.update');
    expect(csv.text).not.toContain('segment.create');

    // Point currencies are added, never removed.
    await page.goto('/admin/settings');
    await page.getByLabel('New currency').fill('Stamps!');
    await page.getByRole('button', { name: 'Add currency' }).click();
    await page.getByText('Use lower-case letters, digits and _, starting with a letter.').waitFor();
    await page.getByLabel('New currency').fill('stamps');
    await page.getByRole('button', { name: 'Add currency' }).click();
    await page.getByRole('list', { name: 'Point currencies' }).getByText('stamps', { exact: true }).waitFor();
    const withStamps = await c.api<{ point_currencies: string[] }>('GET', `/v1/programs/${c.programId}`);
    expect(withStamps.body.point_currencies).toEqual(['points', 'stamps']);
  });

  it('invites a marketer, who completes the link, signs in and sees no API keys or staff', async () => {
    const page = await c.page();
    await page.goto('/admin/settings/staff');
    await page.getByRole('heading', { name: 'Staff & roles', level: 1 }).waitFor();
    await page.getByRole('cell', { name: c.owner.email, exact: true }).waitFor();
    await page.getByText('What each role may do').waitFor();
    const email = `mia-${tag}@example.com`;
    await page.getByRole('button', { name: 'Invite staff' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite a staff user' });
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByLabel('Role').selectOption('marketer');
    await dialog.getByRole('button', { name: 'Invite' }).click();
    const link = dialog.getByLabel('One-time link');
    await link.waitFor();
    const url = new URL(await link.inputValue());
    expect(url.pathname).toBe('/admin/setup');
    await shot(page, 'staff-invite-link');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row').filter({ hasText: email });
    await row.getByText('Marketer').waitFor();
    await row.getByText('Never').waitFor();

    // The owner cannot demote the last owner: the server's refusal, in words.
    await page.getByRole('button', { name: `Change ${c.owner.email}` }).click();
    const edit = page.getByRole('dialog', { name: `Change ${c.owner.email}` });
    await edit.getByLabel('Role').selectOption('admin');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.getByRole('alert').filter({ hasText: 'The workspace needs at least one owner.' }).waitFor();
    await edit.getByRole('button', { name: 'Cancel' }).click();
    await shot(page, 'staff');
    await expectAccessible(page);

    const password = `marketer-${tag}-password`;
    const invited = await c.page({ signedIn: false });
    await invited.goto(url.pathname + url.search);
    await completeSetup(invited, password);
    await invited.waitForURL((u) => u.pathname === '/admin', { timeout: 30_000 });
    const fresh = await c.page({ signedIn: false });
    await signIn(fresh, email, password);
    await fresh.waitForURL((u) => u.pathname === '/admin', { timeout: 30_000 });
    const nav = fresh.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Segments' }).waitFor();
    await nav.getByRole('link', { name: 'Program settings' }).waitFor();
    expect(await nav.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Staff & roles' }).count()).toBe(0);
    // A marketer reads the settings but is offered no way to change them.
    await fresh.goto('/admin/settings');
    await fresh.getByLabel('Pending days').waitFor();
    expect(await fresh.getByRole('button', { name: 'Save settings' }).count()).toBe(0);

    // Back on the staff screen, the user has signed in; disabling them is one click.
    await page.reload();
    await expect.poll(() => page.getByRole('row').filter({ hasText: email }).getByText('Never').count()).toBe(0);
    // A new password link for the user (a forgotten password), shown once.
    await page.getByRole('button', { name: `Reset the password of ${email}` }).click();
    const reset = page.getByRole('dialog', { name: `New password link for ${email}` });
    await reset.getByRole('button', { name: 'Make the link' }).click();
    expect(new URL(await reset.getByLabel('One-time link').inputValue()).pathname).toBe('/admin/setup');
    await reset.getByRole('button', { name: 'Done' }).click();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Disable ${email}` }).click();
    await page.getByRole('row').filter({ hasText: email }).getByText('Disabled').waitFor();

    // Staff changes belong to the workspace, not a program: the audit log shows them in the workspace scope.
    await page.goto('/admin/settings/audit?scope=workspace&action=staff.');
    const staffList = await c.api<{ data: { id: string; email: string }[] }>('GET', '/v1/staff');
    const mia = staffList.body.data.find((s) => s.email === email)!;
    const created = page.getByRole('rowgroup').filter({ hasText: 'staff.create' }).filter({ hasText: mia.id });
    await created.getByRole('cell', { name: 'Workspace', exact: true }).waitFor();
    await created.getByRole('button', { name: 'Show changes' }).click();
    // The staff user's email is personal data, which the log never keeps; the role is there.
    const role = created.getByRole('table').getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'role', exact: true }) });
    await expect.poll(() => role.textContent()).toBe('role—marketer');
    await page.getByRole('rowgroup').filter({ hasText: 'staff.update' }).first().waitFor();
    await shot(page, 'audit-workspace');
    await expectAccessible(page);
  });

  it('adjusts a member’s points on the member 360 and finds the entry in the audit log', async () => {
    const page = await c.page();
    await page.goto(`/admin/members/${ids.Grace}`);
    await page.getByRole('heading', { name: 'Grace Hopper', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Adjust points' }).click();
    const dialog = page.getByRole('dialog', { name: 'Adjust points' });
    await dialog.getByLabel('Points', { exact: true }).fill('30');
    await dialog.getByLabel('Reason').fill(`Apology for a lost order ${tag}`);
    await dialog.getByRole('button', { name: 'Save adjustment' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);

    await page.goto('/admin/settings/audit');
    await page.getByLabel('Action', { exact: true }).fill('member.adjust');
    await page.getByLabel('Target ID').fill(ids.Grace!);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.getByRole('rowgroup').filter({ hasText: 'member.adjust' }).first();
    await row.getByRole('link', { name: ids.Grace! }).waitFor();
    await row.getByText(c.owner.email).waitFor();
    await row.getByRole('button', { name: 'Show changes' }).click();
    await row.getByRole('rowheader', { name: 'request.reason' }).waitFor();
    await row.getByText(`Apology for a lost order ${tag}`).first().waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'program.update' }).count()).toBe(0);
    await shot(page, 'audit-adjustment');
  });

  it('deletes a segment from its page', async () => {
    const made = await c.api<{ id: string }>('POST', '/v1/analytics/segments', { name: `Gone soon ${tag}`, conditions: { all: [{ field: 'orders_count', op: 'gte', value: 3 }] } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const page = await c.page();
    await page.goto(`/admin/segments/${made.body.id}`);
    await page.getByRole('link', { name: 'Linus Torvalds' }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Segments', level: 1 }).waitFor();
    await page.getByRole('link', { name: `Small spenders ${tag}` }).waitFor();
    expect(await page.getByRole('link', { name: `Gone soon ${tag}` }).count()).toBe(0);
    expect((await c.api('GET', `/v1/analytics/segments/${made.body.id}`)).status).toBe(404);
  });
});
