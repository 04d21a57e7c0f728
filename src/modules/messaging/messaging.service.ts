import type { Db, Queryable } from '../../platform/db.js';
import { afterCommit } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { Secrets } from '../../platform/secrets.js';
import { conflict, invalid, isAppError, notFound } from '../../platform/errors.js';
import type { ConfigStore, Program } from '../programs/index.js';
import { safeZone } from './messaging.time.js';
import type {
  Channel,
  ChannelRulesOut,
  EmailChannel,
  EmailChannelInput,
  Message,
  MessageSummary,
  MessagingSettings,
  MessagingSettingsInput,
  OutboxQuery,
  PreviewRequest,
  Rendered,
  Source,
  Template,
  TemplateCreate,
  TemplateListQuery,
  TemplateUpdate,
  TestSendRequest,
} from './messaging.contract.js';
import { messagingRepo as repo, type MessageRow, type TemplateRow } from './messaging.repo.js';
import { compileVariants, localeFor, pickVariant, renderVariant } from './messaging.render.js';
import { createEmail, maskSmtpUrl } from './messaging.email.js';
import { createDispatcher } from './messaging.dispatch.js';
import { memberVariables, type VarsDeps } from './messaging.vars.js';
import { unsubscribeToken, type Unsubscribe } from './messaging.unsubscribe.js';

type Settings = Omit<MessagingSettings, 'updated_at'>;
const none: ChannelRulesOut = { per_day: null, per_week: null, quiet_hours: null };
const NIGHT = { start: '21:00', end: '08:00' };

/** Without settings: email at most 2 a day and 5 a week; SMS and push keep quiet from 21:00 to 08:00. */
export const DEFAULT_MESSAGING: Settings = {
  time_zone: 'UTC',
  email: { per_day: 2, per_week: 5, quiet_hours: null },
  sms: { ...none, quiet_hours: NIGHT },
  push: { ...none, quiet_hours: NIGHT },
  wechat: none,
};

function zoneOrThrow(raw: string): string {
  const z = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(raw) ? safeZone(raw) : null;
  if (!z) throw invalid('messaging.invalid_time_zone', 'time_zone must be an IANA time zone such as Europe/London', 'time_zone');
  return new Intl.DateTimeFormat('en', { timeZone: z }).resolvedOptions().timeZone;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toTemplate(r: TemplateRow): Template {
  const variants: Template['variants'] = {};
  for (const [locale, v] of Object.entries(r.variants)) {
    if (!v) continue;
    const { html: _html, ...given } = v;
    variants[locale] = given;
  }
  return { id: r.id, name: r.name, channel: r.channel, default_locale: r.default_locale, variants, status: r.status, created_at: iso(r.created_at)!, updated_at: iso(r.updated_at)! };
}

function toSummary(r: MessageRow): MessageSummary {
  return {
    id: r.id,
    member_id: r.member_id,
    channel: r.channel,
    template_id: r.template_id,
    to: r.to_address,
    subject: r.subject,
    status: r.status,
    reason: r.reason,
    transport: r.transport,
    source: r.source,
    locale: r.locale,
    attempts: r.attempts,
    due_at: iso(r.due_at)!,
    sent_at: iso(r.sent_at),
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
  };
}

const cursorOf = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function readCursor(cursor: string | undefined, prefix: 'tpl' | 'msg'): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!new RegExp(`^${prefix}_[0-9a-z]{26}$`).test(id)) throw invalid('pagination.invalid_cursor', 'The cursor is not one this API gave out', 'cursor');
  return id;
}

export interface EnqueueInput {
  key: string;
  member_id: string;
  channel: Channel;
  template_id: string;
  data?: Record<string, unknown>;
  source?: Source;
  not_before?: Date;
}

/**
 * Messaging: templates, the email channel and its outbox, and the delivery queue. Callers (journeys,
 * broadcasts) `enqueue` in their own transaction; the dispatcher sends after commit.
 */
export function createMessagingService(deps: Omit<VarsDeps, 'db'> & {
  db: Db;
  clock: Clock;
  ids: Ids;
  log: Logger;
  secrets: Secrets;
  config: ConfigStore;
  /** PATRON_SMTP_URL and PATRON_SMTP_FROM: the server of programs without one of their own. */
  smtpUrl?: string;
  smtpFrom?: string;
  /** How long a dispatcher's claim lasts; default 5 minutes. */
  leaseMs?: number;
}) {
  const { db, clock, ids, members, config, secrets } = deps;
  const email = createEmail({ db, secrets, smtpUrl: deps.smtpUrl, smtpFrom: deps.smtpFrom });

  const part = config.define('messaging', async (q, program): Promise<Settings & { updated_at: Date | null }> => {
    const row = await repo.settings(q, program.id);
    return row ? { ...(row.settings as Settings), updated_at: row.updated_at } : { ...DEFAULT_MESSAGING, updated_at: null };
  });

  const dispatcher = createDispatcher({
    ...deps,
    email,
    leaseMs: deps.leaseMs ?? 5 * 60_000,
    settingsOf: (snapshot) => part.of(snapshot),
  });

  async function template(q: Queryable, programId: string, id: string, lock = false): Promise<TemplateRow> {
    const t = await repo.template(q, programId, id, lock);
    if (!t) throw notFound('template.not_found', `No template ${id}`, 'template_id');
    return t;
  }

  async function message(programId: string, id: string): Promise<MessageRow> {
    const m = await repo.message(db, programId, id);
    if (!m) throw notFound('message.not_found', `No message ${id}`, 'message_id');
    return m;
  }

  function toMessage(r: MessageRow): Message {
    return { ...toSummary(r), html: r.body, text: r.text_body, headers: r.headers ?? {}, provider_id: r.provider_id, data: r.data };
  }

  async function settingsView(q: Queryable, program: Program): Promise<MessagingSettings> {
    const s = await config.read(program, part, q);
    return { ...s, updated_at: iso(s.updated_at) };
  }

  return {
    dispatch: dispatcher.dispatch,

    async createTemplate(q: Queryable, program: Program, input: TemplateCreate): Promise<Template> {
      const variants = await compileVariants(input.channel, input.default_locale, input.variants);
      const now = clock.now();
      const row = { program_id: program.id, id: ids.next('tpl'), name: input.name, channel: input.channel, default_locale: input.default_locale, variants, created_at: now, updated_at: now };
      await repo.insertTemplate(q, row);
      return toTemplate({ ...row, status: 'active' });
    },

    async updateTemplate(q: Queryable, program: Program, id: string, input: TemplateUpdate): Promise<Template> {
      const t = await template(q, program.id, id, true);
      const defaultLocale = input.default_locale ?? t.default_locale;
      const variants = input.variants ? await compileVariants(t.channel, defaultLocale, input.variants) : t.variants;
      if (!input.variants && !variants[defaultLocale]) {
        throw invalid('template.missing_default', `The default locale ${defaultLocale} needs a variant`, 'default_locale');
      }
      const next = { ...t, name: input.name ?? t.name, default_locale: defaultLocale, variants, updated_at: clock.now() };
      await repo.updateTemplate(q, program.id, id, next);
      return toTemplate(next);
    },

    async archiveTemplate(q: Queryable, program: Program, id: string): Promise<Template> {
      const t = await template(q, program.id, id, true);
      const next = { ...t, status: 'archived' as const, updated_at: clock.now() };
      await repo.updateTemplate(q, program.id, id, next);
      return toTemplate(next);
    },

    async getTemplate(program: Program, id: string, q: Queryable = db): Promise<Template> {
      return toTemplate(await template(q, program.id, id));
    },

    async listTemplates(program: Program, query: TemplateListQuery) {
      const rows = await repo.templates(db, program.id, {
        channel: query.channel,
        status: query.status === 'all' ? undefined : query.status,
        after: readCursor(query.cursor, 'tpl'),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      return { data: page.map(toTemplate), next_cursor: rows.length > query.limit ? cursorOf(page[page.length - 1]!.id) : null };
    },

    /** Renders a template with a real member, sending nothing. */
    async preview(program: Program, id: string, req: PreviewRequest): Promise<Rendered> {
      const t = await template(db, program.id, id);
      const member = await members.get(program.id, req.member_id).catch((e: unknown) => {
        throw (e as { code?: string }).code === 'member.not_found' ? notFound('member.not_found', `No member ${req.member_id}`, 'member_id') : e;
      });
      const unsubscribeUrl = `${deps.publicUrl()}/u/${unsubscribeToken(secrets, { programId: program.id, memberId: null, channel: t.channel })}`;
      const vars = await memberVariables({ ...deps, db }, program, member, { unsubscribeUrl, data: req.data ?? {} });
      try {
        return await renderVariant(t.channel, pickVariant(t.variants, t.default_locale, req.locale ?? localeFor(member.locale)), vars, program.currency);
      } catch (err) {
        throw invalid('template.render_failed', (err as Error).message.split('\n')[0]!, 'template_id');
      }
    },

    /** Sends one message of the template to `to` now (source kind test: no consent, caps or quiet hours). */
    async testSend(program: Program, id: string, req: TestSendRequest): Promise<Message> {
      const t = await template(db, program.id, id);
      if (t.channel !== 'email') throw invalid('template.test_send_email_only', 'Test sends are for email templates', 'template_id');
      if (req.member_id) await members.get(program.id, req.member_id);
      const now = clock.now();
      const msgId = ids.next('msg');
      // Inserted already claimed, so no dispatcher takes it while this request hands it over.
      await db.tx(async (q) => {
        await repo.enqueue(q, {
          program_id: program.id,
          id: msgId,
          key: `test:${msgId}`,
          member_id: req.member_id ?? null,
          channel: 'email',
          template_id: t.id,
          locale: req.locale ?? null,
          source: { kind: 'test', id: t.id },
          data: req.data ?? {},
          to_address: req.to,
          due_at: now,
          created_at: now,
        });
        await q.query(`update messages set status = 'sending', claimed_at = $3 where program_id = $1 and id = $2`, [program.id, msgId, now]);
      });
      await dispatcher.deliver(await message(program.id, msgId));
      return toMessage(await message(program.id, msgId));
    },

    /**
     * Queues one message to one member in the caller's transaction, idempotent on `key` (the same key answers
     * the message already queued). Nothing is sent here: the dispatcher sends after commit.
     */
    async enqueue(q: Queryable, program: Program, m: EnqueueInput): Promise<{ id: string; created: boolean }> {
      if (!m.key || m.key.length > 500) throw invalid('message.invalid_key', 'key must be 1 to 500 characters', 'key');
      const t = await template(q, program.id, m.template_id);
      if (t.channel !== m.channel) throw invalid('message.channel_mismatch', `Template ${t.id} is a ${t.channel} template`, 'channel');
      if (t.status === 'archived') {
        const had = await repo.byKey(q, program.id, m.key);
        if (had) return { id: had, created: false };
        throw conflict('template.archived', `Template ${t.id} is archived`, { field: 'template_id' });
      }
      await members.get(program.id, m.member_id, q);
      const now = clock.now();
      const made = await repo.enqueue(q, {
        program_id: program.id,
        id: ids.next('msg'),
        key: m.key,
        member_id: m.member_id,
        channel: m.channel,
        template_id: m.template_id,
        source: m.source ?? { kind: 'journey', id: 'unknown' },
        data: m.data ?? {},
        to_address: null,
        due_at: m.not_before && m.not_before > now ? m.not_before : now,
        created_at: now,
      });
      return made;
    },

    async getSettings(q: Queryable, program: Program) {
      return settingsView(q, program);
    },

    async putSettings(q: Queryable, program: Program, input: MessagingSettingsInput): Promise<MessagingSettings> {
      const current = await config.read(program, part, q);
      const merged: Settings = { time_zone: input.time_zone ? zoneOrThrow(input.time_zone) : current.time_zone } as Settings;
      for (const c of ['email', 'sms', 'push', 'wechat'] as const) {
        const given = input[c];
        const had = current[c];
        merged[c] = {
          per_day: given?.per_day !== undefined ? given.per_day : had.per_day,
          per_week: given?.per_week !== undefined ? given.per_week : had.per_week,
          quiet_hours: given?.quiet_hours !== undefined ? given.quiet_hours : had.quiet_hours,
        };
      }
      const now = clock.now();
      await repo.saveSettings(q, program.id, merged, now);
      await config.bump(q, program.id);
      return { ...merged, updated_at: iso(now) };
    },

    async emailChannel(program: Program, q: Queryable = db): Promise<EmailChannel> {
      const own = await repo.emailChannel(q, program.id);
      if (own) return { transport: 'program', smtp_url: own.smtp_url_masked, from: own.from_address, reply_to: own.reply_to, updated_at: iso(own.updated_at) };
      const env = email.defaults;
      return {
        transport: env.smtpUrl ? 'environment' : 'outbox',
        smtp_url: env.smtpUrl ? maskSmtpUrl(env.smtpUrl) : null,
        from: env.from,
        reply_to: null,
        updated_at: null,
      };
    },

    async putEmailChannel(q: Queryable, program: Program, input: EmailChannelInput): Promise<EmailChannel> {
      let url: URL;
      try {
        url = new URL(input.smtp_url);
      } catch {
        throw invalid('channel.invalid_smtp_url', 'smtp_url must be smtp://user:pass@host:port or smtps://…', 'smtp_url');
      }
      if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
        throw invalid('channel.invalid_smtp_url', 'smtp_url must be smtp://user:pass@host:port or smtps://…', 'smtp_url');
      }
      if (!/^[^<>\s]+@[^<>\s]+$|^[^<>]*<[^<>\s]+@[^<>\s]+>$/.test(input.from)) {
        throw invalid('channel.invalid_from', 'from must be an address, or "Name <address>"', 'from');
      }
      const previous = await repo.emailChannel(q, program.id);
      const now = clock.now();
      await repo.saveEmailChannel(q, program.id, {
        smtp_url_masked: maskSmtpUrl(input.smtp_url),
        smtp_url_sealed: secrets.seal(input.smtp_url),
        from_address: input.from,
        reply_to: input.reply_to ?? null,
        updated_at: now,
      });
      if (previous) afterCommit(q, () => email.forget(secrets.open(previous.smtp_url_sealed)));
      return { transport: 'program', smtp_url: maskSmtpUrl(input.smtp_url), from: input.from, reply_to: input.reply_to ?? null, updated_at: iso(now) };
    },

    async deleteEmailChannel(q: Queryable, program: Program): Promise<EmailChannel> {
      const previous = await repo.emailChannel(q, program.id);
      if (!previous) throw notFound('channel.not_configured', 'The program has no SMTP server of its own', 'channel');
      await repo.deleteEmailChannel(q, program.id);
      afterCommit(q, () => email.forget(secrets.open(previous.smtp_url_sealed)));
      return this.emailChannel(program, q);
    },

    async outbox(program: Program, query: OutboxQuery) {
      const rows = await repo.messages(db, program.id, { member_id: query.member_id, status: query.status, channel: query.channel, before: readCursor(query.cursor, 'msg'), limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      return { data: page.map(toSummary), next_cursor: rows.length > query.limit ? cursorOf(page[page.length - 1]!.id) : null };
    },

    async message(program: Program, id: string): Promise<Message> {
      return toMessage(await message(program.id, id));
    },

    /** The one-click unsubscribe: the channel's consent off. A test send's link changes nothing. */
    async unsubscribe(u: Unsubscribe): Promise<'done' | 'unknown'> {
      if (!u.memberId) return 'done';
      const consent = u.channel === 'wechat' ? null : { [u.channel]: false };
      try {
        if (consent) await members.update(u.programId, u.memberId, { consent });
        return 'done';
      } catch (e) {
        if (!isAppError(e)) throw e;
        // A member that is gone is no link any more; one that cannot be changed (erased) gets nothing anyway.
        return e.kind === 'not_found' ? 'unknown' : 'done';
      }
    },

    close: () => email.close(),
  };
}
export type MessagingService = ReturnType<typeof createMessagingService>;
