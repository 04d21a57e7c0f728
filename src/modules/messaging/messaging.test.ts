import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, uniq } from '../../../test/fixtures.js';
import { startTestSmtp, type TestSmtp } from '../../../test/smtp.js';
import { signedInStaff } from '../../../test/staff.js';
import { manualClock } from '../../platform/clock.js';
import type { Channel } from './messaging.contract.js';

const clock = manualClock('2026-03-02T10:00:00Z');
let h: Harness;
let smtp: TestSmtp;
beforeAll(async () => {
  h = await harness({ clock });
  smtp = await startTestSmtp({ user: 'mailer', pass: 's3cret-pw' });
});
afterAll(async () => {
  h.services.messaging.close();
  await smtp.close();
  await h.close();
});

const WELCOME = {
  name: 'Welcome',
  channel: 'email',
  default_locale: 'en',
  variants: {
    en: {
      subject: 'Welcome, {{ member.first_name }}!',
      mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ member.first_name }}, you have {{ balance.available | points }} points. Spend {{ data.amount | money }}.</mj-text><mj-text><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text></mj-column></mj-section></mj-body></mjml>',
    },
    ru: {
      subject: 'Добро пожаловать, {{ member.first_name }}!',
      mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Здравствуйте, {{ member.first_name }}! Баллы: {{ balance.available | points }}.</mj-text></mj-column></mj-section></mj-body></mjml>',
      text: 'Здравствуйте, {{ member.first_name }}! Отписаться: {{ unsubscribe_url }}',
    },
    'zh-Hant': {
      subject: '歡迎 {{ member.first_name }}',
      mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{ member.first_name }}，您好 {{ data.amount | money }}</mj-text></mj-column></mj-section></mj-body></mjml>',
    },
  },
};

async function template(p: TestProgram, body: Record<string, unknown> = WELCOME): Promise<string> {
  const res = await p.api('POST', '/v1/templates', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function member(p: TestProgram, extra: Record<string, unknown> = {}) {
  return enrol(p, { first_name: 'Ann', consent: { email: true }, ...extra });
}

async function enqueue(p: TestProgram, m: { member_id: string; template_id: string; key?: string; channel?: Channel; data?: Record<string, unknown> }) {
  const program = await h.services.programs.program(p.programId);
  return h.db.tx((q) =>
    h.services.messaging.enqueue(q, program, {
      key: m.key ?? uniq('k'),
      member_id: m.member_id,
      channel: m.channel ?? 'email',
      template_id: m.template_id,
      data: m.data,
      source: { kind: 'journey', id: 'jrn_test', version: 1, step: 's1' },
    }),
  );
}

async function outboxMessage(p: TestProgram, id: string) {
  const res = await p.api('GET', `/v1/outbox/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function useSmtp(p: TestProgram) {
  const res = await p.api('PUT', '/v1/channels/email', { smtp_url: smtp.url, from: 'Shop <news@shop.example>', reply_to: 'care@shop.example' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const mailTo = (to: string) => smtp.mails.filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((a) => a?.text.includes(to)));

describe('the email channel over SMTP', () => {
  it('sends the member’s locale variant with an HTML and a text part and the one-click unsubscribe headers', async () => {
    const p = await h.program();
    await useSmtp(p);
    const tpl = await template(p);
    const email = `${uniq('ru')}@example.com`;
    const m = await member(p, { email, first_name: 'Ольга', locale: 'ru-RU' });
    const queued = await enqueue(p, { member_id: m, template_id: tpl });
    expect(queued.created).toBe(true);
    const report = await h.services.messaging.dispatch();
    expect(report).toMatchObject({ sent: 1, failed: 0 });

    const [mail] = mailTo(email);
    expect(mail, 'the SMTP server received the mail').toBeDefined();
    expect(mail!.subject).toBe('Добро пожаловать, Ольга!');
    expect(mail!.html).toContain('Здравствуйте, Ольга!');
    expect(mail!.text).toContain('Здравствуйте, Ольга! Отписаться: http://localhost:3000/u/');
    expect(mail!.messageId).toBe(`<${queued.id}@shop.example>`);
    expect(mail!.from?.text).toContain('news@shop.example');
    expect(mail!.replyTo?.text).toContain('care@shop.example');
    const lu = String(mail!.headers.get('list-unsubscribe') ?? (mail!.headerLines.find((l) => l.key === 'list-unsubscribe')?.line ?? ''));
    const raw = mail!.headerLines.find((l) => l.key === 'list-unsubscribe')!.line.replace(/\r\n\s+/g, ' ');
    expect(raw).toMatch(/^List-Unsubscribe: <http:\/\/localhost:3000\/u\/[^>]+>, <mailto:care@shop\.example\?subject=unsubscribe>$/);
    expect(lu).toBeTruthy();
    expect(mail!.headerLines.find((l) => l.key === 'list-unsubscribe-post')!.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    const rec = await outboxMessage(p, queued.id);
    expect(rec).toMatchObject({ status: 'sent', transport: 'smtp', to: email, locale: 'ru', subject: 'Добро пожаловать, Ольга!', attempts: 1 });
    expect(rec.provider_id).toMatch(/^250/);
  });

  it('derives the text part from the HTML, formats money and points per locale, and escapes member values in HTML', async () => {
    const p = await h.program();
    await useSmtp(p);
    const tpl = await template(p);
    const email = `${uniq('en')}@example.com`;
    const m = await member(p, { email, first_name: '<b>Bo</b>' });
    await enqueue(p, { member_id: m, template_id: tpl, data: { amount: 123456 } });
    await h.services.messaging.dispatch();
    const [mail] = mailTo(email);
    expect(mail!.subject).toBe('Welcome, <b>Bo</b>!');
    expect(mail!.html).toContain('Hello &lt;b&gt;Bo&lt;/b&gt;');
    expect(mail!.html).toContain('Spend £1,234.56.');
    expect(mail!.text).toContain('Hello <b>Bo</b>, you have 0 points. Spend £1,234.56.');
    expect(mail!.text).toMatch(/Unsubscribe \(http:\/\/localhost:3000\/u\/[^)]+\)/);
  });

  it('keeps the SMTP password encrypted and never answers it', async () => {
    const p = await h.program();
    await useSmtp(p);
    const got = await p.api('GET', '/v1/channels/email');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ transport: 'program', smtp_url: `smtp://mailer:****@127.0.0.1:${smtp.port}`, from: 'Shop <news@shop.example>' });
    expect(JSON.stringify(got.body)).not.toContain('s3cret-pw');
    const rows = await h.db.query<Record<string, unknown>>(`select * from messaging_email_channels where program_id = $1`, [p.programId]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('s3cret-pw');
    const audit = await p.api('GET', '/v1/audit?action=channel.email.put');
    expect(JSON.stringify(audit.body)).not.toContain('s3cret-pw');
    const bad = await p.api('PUT', '/v1/channels/email', { smtp_url: 'http://x', from: 'a@b.c' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('smtp_url');
    const badFrom = await p.api('PUT', '/v1/channels/email', { smtp_url: smtp.url, from: 'not an address' });
    expect(badFrom.body).toMatchObject({ code: 'channel.invalid_from', field: 'from' });
    const gone = await p.api('DELETE', '/v1/channels/email');
    expect(gone.body).toMatchObject({ transport: 'outbox', smtp_url: null });
  });

  it('marks a 550 as bounced, suppresses the address, and suppresses the next message to it', async () => {
    const p = await h.program();
    await useSmtp(p);
    const tpl = await template(p);
    const m = await member(p, { email: `bounce-${uniq()}@example.com` });
    const first = await enqueue(p, { member_id: m, template_id: tpl });
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 0, failed: 1 });
    const rec = await outboxMessage(p, first.id);
    expect(rec.status).toBe('bounced');
    expect(rec.reason).toMatch(/^550 /);
    const second = await enqueue(p, { member_id: m, template_id: tpl });
    expect(await h.services.messaging.dispatch()).toMatchObject({ suppressed: 1 });
    expect(await outboxMessage(p, second.id)).toMatchObject({ status: 'suppressed', reason: 'address_suppressed' });
  });

  it('retries a temporary failure with backoff, then fails after five attempts', async () => {
    const p = await h.program();
    await useSmtp(p);
    const tpl = await template(p);
    const m = await member(p, { email: `flaky-${uniq()}@example.com` });
    const { id } = await enqueue(p, { member_id: m, template_id: tpl });
    const start = clock.now().getTime();
    const waits: number[] = [];
    for (let i = 1; i <= 5; i++) {
      await h.services.messaging.dispatch();
      const rec = await outboxMessage(p, id);
      expect(rec.attempts).toBe(i);
      if (i < 5) {
        expect(rec).toMatchObject({ status: 'deferred' });
        expect(rec.reason).toMatch(/^retry: 451 /);
        waits.push(new Date(rec.due_at).getTime() - clock.now().getTime());
        clock.set(rec.due_at);
      } else expect(rec).toMatchObject({ status: 'failed' });
    }
    expect(waits).toEqual([60_000, 120_000, 240_000, 480_000]);
    clock.set(new Date(start));
  });
});

describe('the outbox (no SMTP configured)', () => {
  it('keeps the mail in the database, listed newest first and filtered, with HTML, text and headers', async () => {
    const p = await h.program();
    expect((await p.api('GET', '/v1/channels/email')).body).toMatchObject({ transport: 'outbox', smtp_url: null });
    const tpl = await template(p);
    const a = await member(p, { first_name: 'Ann' });
    const b = await member(p, { first_name: 'Ben', locale: 'zh-TW' });
    const ma = await enqueue(p, { member_id: a, template_id: tpl });
    const mb = await enqueue(p, { member_id: b, template_id: tpl, data: { amount: 500 } });
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 2 });

    const list = await p.api('GET', '/v1/outbox');
    expect(list.status).toBe(200);
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([mb.id, ma.id]);
    expect(list.body.data[0]).toMatchObject({ status: 'sent', transport: 'outbox', subject: '歡迎 Ben', locale: 'zh-Hant', member_id: b });
    const paged = await p.api('GET', '/v1/outbox?limit=1');
    expect(paged.body.data).toHaveLength(1);
    const next = await p.api('GET', `/v1/outbox?limit=1&cursor=${paged.body.next_cursor}`);
    expect(next.body.data[0].id).toBe(ma.id);
    expect(next.body.next_cursor).toBeNull();
    expect((await p.api('GET', `/v1/outbox?member_id=${a}`)).body.data.map((m: { id: string }) => m.id)).toEqual([ma.id]);
    expect((await p.api('GET', '/v1/outbox?status=failed')).body.data).toEqual([]);
    expect((await p.api('GET', '/v1/outbox?cursor=nonsense')).body).toMatchObject({ code: 'pagination.invalid_cursor', field: 'cursor' });

    const one = await outboxMessage(p, mb.id);
    expect(one.html).toContain('Ben，您好 £5.00');
    expect(one.text).toContain('Ben，您好');
    expect(one.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(one.headers['Message-ID']).toBe(`<${mb.id}@localhost>`);
    expect(one.source).toEqual({ kind: 'journey', id: 'jrn_test', version: 1, step: 's1' });
    expect((await p.api('GET', '/v1/outbox/msg_nothing')).status).toBe(404);
  });
});

describe('consent and one-click unsubscribe', () => {
  it('turns consent off from the List-Unsubscribe link, and the next message is suppressed', async () => {
    const p = await h.program();
    const tpl = await template(p);
    const m = await member(p);
    const { id } = await enqueue(p, { member_id: m, template_id: tpl });
    await h.services.messaging.dispatch();
    const rec = await outboxMessage(p, id);
    const link = /^<http:\/\/localhost:3000(\/u\/[^>]+)>/.exec(rec.headers['List-Unsubscribe'])![1]!;
    expect(rec.html).toContain(`http://localhost:3000${link}`);

    const page = await h.app.inject({ method: 'GET', url: link });
    expect(page.statusCode, page.body).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<form method="post">');
    // A GET changes nothing.
    expect((await p.api('GET', `/v1/members/${m}`)).body.consent.email).toBe(true);

    const click = await h.app.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(click.statusCode).toBe(200);
    expect((await p.api('GET', `/v1/members/${m}`)).body.consent.email).toBe(false);

    const next = await enqueue(p, { member_id: m, template_id: tpl });
    expect(await h.services.messaging.dispatch()).toMatchObject({ suppressed: 1, sent: 0 });
    expect(await outboxMessage(p, next.id)).toMatchObject({ status: 'suppressed', reason: 'consent' });

    const forged = link.slice(0, -3) + (link.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await h.app.inject({ method: 'POST', url: forged })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/u/garbage' })).statusCode).toBe(404);
  });

  it('suppresses members without consent', async () => {
    const p = await h.program();
    const tpl = await template(p);
    const m = await enrol(p);
    const { id } = await enqueue(p, { member_id: m, template_id: tpl });
    await h.services.messaging.dispatch();
    expect(await outboxMessage(p, id)).toMatchObject({ status: 'suppressed', reason: 'consent' });
  });
});

describe('frequency caps and quiet hours', () => {
  it('defers the third email of a day to the next day (default 2 a day), across sources', async () => {
    clock.set('2026-03-02T10:00:00Z');
    const p = await h.program();
    const tpl = await template(p);
    const m = await member(p, { time_zone: 'Europe/London' });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await enqueue(p, { member_id: m, template_id: tpl })).id);
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 2, deferred: 1 });
    const third = await outboxMessage(p, ids[2]!);
    expect(third).toMatchObject({ status: 'deferred', reason: 'cap_per_day', due_at: '2026-03-03T00:00:00.000Z' });
    clock.set('2026-03-02T23:59:00Z');
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 0 });
    clock.set('2026-03-03T00:00:00Z');
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 1 });
    expect(await outboxMessage(p, ids[2]!)).toMatchObject({ status: 'sent', sent_at: '2026-03-03T00:00:00.000Z' });
    clock.set('2026-03-02T10:00:00Z');
  });

  it('defers past the weekly cap until the oldest send of the week is a week old; test sends do not count', async () => {
    clock.set('2026-03-02T10:00:00Z');
    const p = await h.program();
    expect((await p.api('PUT', '/v1/messaging/settings', { email: { per_day: null, per_week: 2 } })).status).toBe(200);
    const tpl = await template(p);
    const m = await member(p);
    expect((await p.api('POST', `/v1/templates/${tpl}/test-send`, { to: 'qa@shop.example', member_id: m })).body.status).toBe('sent');
    await enqueue(p, { member_id: m, template_id: tpl });
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 1 });
    clock.set('2026-03-04T10:00:00Z');
    await enqueue(p, { member_id: m, template_id: tpl });
    const third = await enqueue(p, { member_id: m, template_id: tpl });
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 1, deferred: 1 });
    expect(await outboxMessage(p, third.id)).toMatchObject({ status: 'deferred', reason: 'cap_per_week', due_at: '2026-03-09T10:00:00.000Z' });
    clock.set('2026-03-09T10:00:00Z');
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 1 });
    clock.set('2026-03-02T10:00:00Z');
  });

  it('holds messages through quiet hours in each member’s time zone, not dropping them', async () => {
    const p = await h.program();
    const put = await p.api('PUT', '/v1/messaging/settings', { time_zone: 'europe/london', email: { quiet_hours: { start: '21:00', end: '08:00' } } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ time_zone: 'Europe/London', email: { per_day: 2, per_week: 5, quiet_hours: { start: '21:00', end: '08:00' } }, sms: { quiet_hours: { start: '21:00', end: '08:00' } } });
    const tpl = await template(p);
    const shanghai = await member(p, { time_zone: 'Asia/Shanghai' });
    const newYork = await member(p, { time_zone: 'America/New_York' });
    const london = await member(p);

    // 14:00 UTC: 22:00 in Shanghai (quiet), 09:00 in New York, 14:00 in London (the program's zone).
    clock.set('2026-03-02T14:00:00Z');
    const s = await enqueue(p, { member_id: shanghai, template_id: tpl });
    const n = await enqueue(p, { member_id: newYork, template_id: tpl });
    const l = await enqueue(p, { member_id: london, template_id: tpl });
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 2, deferred: 1 });
    expect(await outboxMessage(p, s.id)).toMatchObject({ status: 'deferred', reason: 'quiet_hours', due_at: '2026-03-03T00:00:00.000Z' });
    expect((await outboxMessage(p, n.id)).status).toBe('sent');
    expect((await outboxMessage(p, l.id)).status).toBe('sent');

    // 02:30 UTC next day: 21:30 in New York (quiet until 08:00 EST = 13:00 UTC), 10:30 in Shanghai.
    clock.set('2026-03-03T02:30:00Z');
    const n2 = await enqueue(p, { member_id: newYork, template_id: tpl });
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 1, deferred: 1 });
    expect((await outboxMessage(p, s.id)).status).toBe('sent');
    expect(await outboxMessage(p, n2.id)).toMatchObject({ status: 'deferred', reason: 'quiet_hours', due_at: '2026-03-03T13:00:00.000Z' });
    clock.set('2026-03-03T13:00:00Z');
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 1 });
    clock.set('2026-03-02T10:00:00Z');

    const bad = await p.api('PUT', '/v1/messaging/settings', { time_zone: 'Mars/Olympus' });
    expect(bad.body).toMatchObject({ code: 'messaging.invalid_time_zone', field: 'time_zone' });
    const badWindow = await p.api('PUT', '/v1/messaging/settings', { email: { quiet_hours: { start: '25:00', end: '08:00' } } });
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.field).toBe('email.quiet_hours.start');
  });
});

describe('the queue', () => {
  it('enqueues once per key', async () => {
    const p = await h.program();
    const tpl = await template(p);
    const m = await member(p);
    const key = `jrn:j1:1:${m}:s1`;
    const a = await enqueue(p, { member_id: m, template_id: tpl, key });
    const b = await enqueue(p, { member_id: m, template_id: tpl, key });
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 1 });
    expect((await p.api('GET', `/v1/outbox?member_id=${m}`)).body.data).toHaveLength(1);
    // After the send the key still answers the same message.
    expect(await enqueue(p, { member_id: m, template_id: tpl, key })).toEqual({ id: a.id, created: false });
  });

  it('answers a clear failure for channels not built yet, and refuses a template of another channel', async () => {
    const p = await h.program();
    const sms = await template(p, { name: 'SMS', channel: 'sms', variants: { en: { text: 'Hi {{ member.first_name }}' } } });
    const m = await member(p, { consent: { email: true, sms: true } });
    const { id } = await enqueue(p, { member_id: m, template_id: sms, channel: 'sms' });
    expect(await h.services.messaging.dispatch()).toMatchObject({ failed: 1 });
    expect(await outboxMessage(p, id)).toMatchObject({ status: 'failed', reason: 'channel_not_configured: sms' });
    await expect(enqueue(p, { member_id: m, template_id: sms, channel: 'email' })).rejects.toMatchObject({ code: 'message.channel_mismatch' });
    await expect(enqueue(p, { member_id: m, template_id: 'tpl_nothing' })).rejects.toMatchObject({ code: 'template.not_found' });
  });

  it('sends a message left `sending` by a stopped process once its lease is over, with the same Message-ID', async () => {
    const p = await h.program();
    const tpl = await template(p);
    const m = await member(p);
    const { id } = await enqueue(p, { member_id: m, template_id: tpl });
    // A dispatcher claimed it and stopped before answering.
    await h.db.query(`update messages set status = 'sending', claimed_at = $3 where program_id = $1 and id = $2`, [p.programId, id, clock.now()]);
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 0 });
    clock.advance(5 * 60_000 + 1);
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 1 });
    expect(await h.services.messaging.dispatch()).toMatchObject({ sent: 0 });
    expect(await outboxMessage(p, id)).toMatchObject({ status: 'sent', headers: { 'Message-ID': `<${id}@localhost>` } });
    clock.set('2026-03-02T10:00:00Z');
  });
});

describe('templates', () => {
  it('creates, lists, edits and archives; an archived template takes no new messages', async () => {
    const p = await h.program();
    const id = await template(p);
    const got = await p.api('GET', `/v1/templates/${id}`);
    expect(got.body).toMatchObject({ id, name: 'Welcome', channel: 'email', default_locale: 'en', status: 'active' });
    expect(Object.keys(got.body.variants).sort()).toEqual(['en', 'ru', 'zh-Hant']);
    expect(got.body.variants.en).not.toHaveProperty('html');
    const patched = await p.api('PATCH', `/v1/templates/${id}`, { name: 'Welcome 2', default_locale: 'ru' });
    expect(patched.body).toMatchObject({ name: 'Welcome 2', default_locale: 'ru' });
    expect((await p.api('PATCH', `/v1/templates/${id}`, { default_locale: 'zh-Hans' })).body).toMatchObject({ code: 'template.missing_default', field: 'default_locale' });
    expect((await p.api('GET', '/v1/templates')).body.data.map((t: { id: string }) => t.id)).toEqual([id]);
    expect((await p.api('POST', `/v1/templates/${id}/archive`)).body.status).toBe('archived');
    expect((await p.api('GET', '/v1/templates')).body.data).toEqual([]);
    expect((await p.api('GET', '/v1/templates?status=archived')).body.data).toHaveLength(1);
    await expect(enqueue(p, { member_id: await member(p), template_id: id })).rejects.toMatchObject({ code: 'template.archived' });
  });

  it('refuses templates that do not parse, naming the field, and writes nothing', async () => {
    const p = await h.program();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...WELCOME, variants: { ...WELCOME.variants, 'zh-Hans': { subject: '你好 {{ member.first_name ', mjml: WELCOME.variants.en.mjml } } }, 'template.invalid_liquid', 'variants.zh-Hans.subject'],
      [{ ...WELCOME, variants: { en: { subject: 'x', mjml: '<mjml><mj-body>{% if %}</mj-body></mjml>' } } }, 'template.invalid_liquid', 'variants.en.mjml'],
      [{ ...WELCOME, variants: { en: { subject: 'x', mjml: '<mjml><mj-body><mj-text>bare</mj-text></mj-body></mjml>' } } }, 'template.invalid_mjml', 'variants.en.mjml'],
      [{ ...WELCOME, variants: { en: { subject: 'x', mjml: 'just text' } } }, 'template.invalid_mjml', 'variants.en.mjml'],
      [{ ...WELCOME, variants: { en: { subject: '{{ 1 | nope }}', mjml: WELCOME.variants.en.mjml } } }, 'template.invalid_liquid', 'variants.en.subject'],
      [{ ...WELCOME, default_locale: 'ru', variants: { en: WELCOME.variants.en } }, 'template.missing_default', 'variants.ru'],
      [{ ...WELCOME, variants: { en: { subject: 'x' } } }, 'template.missing_field', 'variants.en.mjml'],
      [{ name: 'sms', channel: 'sms', variants: { en: { text: 'hi', mjml: '<mjml></mjml>' } } }, 'template.field_not_allowed', 'variants.en.mjml'],
      [{ name: 'push', channel: 'push', variants: { en: { text: 'hi' } } }, 'template.missing_field', 'variants.en.title'],
    ];
    for (const [body, code, field] of cases) {
      const res = await p.api('POST', '/v1/templates', body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code, field });
    }
    const shape = await p.api('POST', '/v1/templates', { name: 'x', channel: 'fax', variants: {} });
    expect(shape.status).toBe(400);
    expect(shape.body.field).toBe('channel');
    expect((await p.api('GET', '/v1/templates?status=all')).body.data).toEqual([]);
  });

  it('previews with a real member in their locale, or the locale asked, and sends nothing', async () => {
    const p = await h.program();
    const id = await template(p);
    const m = await member(p, { first_name: 'Mei', locale: 'zh-Hant-HK' });
    const res = await p.api('POST', `/v1/templates/${id}/preview`, { member_id: m, data: { amount: 1999 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ locale: 'zh-Hant', subject: '歡迎 Mei' });
    expect(res.body.html).toContain('Mei，您好 £19.99');
    const en = await p.api('POST', `/v1/templates/${id}/preview`, { member_id: m, locale: 'en' });
    expect(en.body.subject).toBe('Welcome, Mei!');
    const fallback = await p.api('POST', `/v1/templates/${id}/preview`, { member_id: m, locale: 'zh-Hans' });
    expect(fallback.body.locale).toBe('en');
    expect((await p.api('POST', `/v1/templates/${id}/preview`, { member_id: 'mbr_nobody' })).body).toMatchObject({ code: 'member.not_found', field: 'member_id' });
    expect((await p.api('GET', '/v1/outbox')).body.data).toEqual([]);
  });

  it('test-sends to any address through SMTP, outside consent and caps', async () => {
    const p = await h.program();
    await useSmtp(p);
    const id = await template(p);
    const to = `${uniq('qa')}@shop.example`;
    const res = await p.api('POST', `/v1/templates/${id}/test-send`, { to });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'sent', to, source: { kind: 'test', id }, subject: 'Welcome, Ann!' });
    expect(mailTo(to)).toHaveLength(1);
    expect((await p.api('POST', `/v1/templates/${id}/test-send`, { to: 'not-an-email' })).body.field).toBe('to');
  });
});

describe('roles', () => {
  it('lets marketers write templates, analysts and support read them and the outbox, and nobody else write', async () => {
    const p = await h.program();
    const id = await template(p);
    const marketer = await signedInStaff(h, p, { role: 'marketer' });
    const analyst = await signedInStaff(h, p, { role: 'analyst' });
    const support = await signedInStaff(h, p, { role: 'support' });
    expect((await marketer.api('POST', '/v1/templates', WELCOME)).status).toBe(201);
    expect((await marketer.api('PUT', '/v1/messaging/settings', { email: { per_day: 3 } })).status).toBe(200);
    expect((await analyst.api('POST', '/v1/templates', WELCOME)).status).toBe(403);
    expect((await analyst.api('PATCH', `/v1/templates/${id}`, { name: 'x' })).status).toBe(403);
    expect((await analyst.api('GET', '/v1/templates')).status).toBe(200);
    expect((await support.api('GET', '/v1/outbox')).status).toBe(200);
    expect((await support.api('GET', '/v1/channels/email')).status).toBe(200);
    expect((await support.api('PUT', '/v1/channels/email', { smtp_url: smtp.url, from: 'a@b.c' })).status).toBe(403);
    expect((await support.api('POST', `/v1/templates/${id}/test-send`, { to: 'a@b.c' })).status).toBe(403);
    expect((await p.raw('GET', '/v1/outbox')).status).toBe(401);
  });
});
