import { z } from 'zod';

export const LOCALES = ['en', 'zh-Hans', 'zh-Hant', 'ru'] as const;
export const Locale = z.enum(LOCALES);
export type Locale = z.infer<typeof Locale>;

export const Channel = z.enum(['email', 'sms', 'push', 'wechat']);
export type Channel = z.infer<typeof Channel>;

export const MessageStatus = z.enum(['queued', 'deferred', 'sending', 'sent', 'delivered', 'bounced', 'failed', 'suppressed']);
export type MessageStatus = z.infer<typeof MessageStatus>;

const liquid = (max: number) => z.string().max(max);

/** One locale's content. Email: subject + mjml (+ text); sms and wechat: text; push: title + text (+ url). */
export const Variant = z
  .object({
    subject: liquid(998).min(1).optional().describe('Email: the subject line (liquid)'),
    mjml: liquid(200_000).min(1).optional().describe('Email: the body in MJML (liquid inside), compiled to HTML'),
    title: liquid(200).min(1).optional().describe('Push: the title (liquid)'),
    text: liquid(100_000).min(1).optional().describe('Email: the plain-text part (else derived from the HTML); sms, push, wechat: the message'),
    url: liquid(2000).min(1).optional().describe('Push: the page a tap opens (liquid)'),
  })
  .strict();
export type Variant = z.infer<typeof Variant>;

export const Variants = z
  .object({ en: Variant.optional(), 'zh-Hans': Variant.optional(), 'zh-Hant': Variant.optional(), ru: Variant.optional() })
  .strict()
  .describe('A variant per locale; the member’s locale picks one, the default locale’s answers the rest');
export type Variants = z.infer<typeof Variants>;

export const TemplateCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    channel: Channel,
    default_locale: Locale.default('en').describe('The variant used when the member’s locale has none; it must be given'),
    variants: Variants,
  })
  .strict();
export type TemplateCreate = z.infer<typeof TemplateCreate>;

export const TemplateUpdate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    default_locale: Locale.optional(),
    variants: Variants.optional().describe('Replaces every variant'),
  })
  .strict();
export type TemplateUpdate = z.infer<typeof TemplateUpdate>;

export const Template = z.object({
  id: z.string(),
  name: z.string(),
  channel: Channel,
  default_locale: Locale,
  variants: z.record(z.string(), Variant),
  status: z.enum(['active', 'archived']),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Template = z.infer<typeof Template>;

export const TemplateParams = z.object({ template_id: z.string().max(64) }).strict();

export const TemplateListQuery = z
  .object({
    channel: Channel.optional().describe('Only templates of this channel'),
    status: z.enum(['active', 'archived', 'all']).default('active').describe('active (default), archived, or all'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type TemplateListQuery = z.infer<typeof TemplateListQuery>;
export const TemplateList = z.object({ data: z.array(Template), next_cursor: z.string().nullable() });

const Data = z.record(z.string().max(100), z.unknown()).describe('Extra liquid variables, as `data.<name>`');

export const PreviewRequest = z
  .object({
    member_id: z.string().min(1).max(64),
    locale: Locale.optional().describe('Render this variant; default: the member’s'),
    data: Data.optional(),
  })
  .strict();
export type PreviewRequest = z.infer<typeof PreviewRequest>;

export const Rendered = z.object({
  locale: Locale,
  subject: z.string().nullable(),
  html: z.string().nullable(),
  text: z.string().nullable(),
  title: z.string().nullable(),
  url: z.string().nullable(),
});
export type Rendered = z.infer<typeof Rendered>;

export const TestSendRequest = z
  .object({
    to: z.email().max(320).describe('Where the test goes (consent and caps do not apply)'),
    member_id: z.string().min(1).max(64).optional().describe('Render with this member; default: sample values'),
    locale: Locale.optional(),
    data: Data.optional(),
  })
  .strict();
export type TestSendRequest = z.infer<typeof TestSendRequest>;

const Window = z
  .object({
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM').describe('Local time quiet hours begin, HH:MM'),
    end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM').describe('Local time they end'),
  })
  .strict();

const ChannelRules = z
  .object({
    per_day: z.number().int().min(0).max(1000).nullable().optional().describe('Most messages a member gets on this channel per local calendar day; null: no cap'),
    per_week: z.number().int().min(0).max(10_000).nullable().optional().describe('Most per 7 days; null: no cap'),
    quiet_hours: Window.nullable().optional().describe('Messages due in this window of the member’s local time wait to its end; null: none'),
  })
  .strict();

export const MessagingSettingsInput = z
  .object({
    time_zone: z.string().min(1).max(64).optional().describe('The zone of members without one (IANA); default UTC'),
    email: ChannelRules.optional(),
    sms: ChannelRules.optional(),
    push: ChannelRules.optional(),
    wechat: ChannelRules.optional(),
  })
  .strict();
export type MessagingSettingsInput = z.infer<typeof MessagingSettingsInput>;

const ChannelRulesOut = z.object({
  per_day: z.number().int().nullable(),
  per_week: z.number().int().nullable(),
  quiet_hours: z.object({ start: z.string(), end: z.string() }).nullable(),
});
export type ChannelRulesOut = z.infer<typeof ChannelRulesOut>;
export const MessagingSettings = z.object({
  time_zone: z.string(),
  email: ChannelRulesOut,
  sms: ChannelRulesOut,
  push: ChannelRulesOut,
  wechat: ChannelRulesOut,
  updated_at: z.string().nullable().describe('null: never set (the defaults)'),
});
export type MessagingSettings = z.infer<typeof MessagingSettings>;

export const EmailChannelInput = z
  .object({
    smtp_url: z
      .string()
      .max(2000)
      .regex(/^smtps?:\/\/[^\s]+$/, 'smtp://user:pass@host:port or smtps://…')
      .describe('smtp://user:pass@host:587 or smtps://…:465; the password is stored encrypted'),
    from: z.string().trim().min(3).max(320).describe('The From header: an address, or "Name <address>"'),
    reply_to: z.email().max(320).nullable().optional(),
  })
  .strict();
export type EmailChannelInput = z.infer<typeof EmailChannelInput>;

export const EmailChannel = z.object({
  transport: z.enum(['program', 'environment', 'outbox']).describe('program: this program’s SMTP server; environment: PATRON_SMTP_URL; outbox: none, mail is kept in the outbox'),
  smtp_url: z.string().nullable().describe('With the password masked'),
  from: z.string(),
  reply_to: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type EmailChannel = z.infer<typeof EmailChannel>;

export const Source = z.object({
  kind: z.enum(['journey', 'broadcast', 'test']),
  id: z.string(),
  version: z.number().int().optional(),
  step: z.string().optional(),
});
export type Source = z.infer<typeof Source>;

export const MessageSummary = z.object({
  id: z.string(),
  member_id: z.string().nullable(),
  channel: Channel,
  template_id: z.string(),
  to: z.string().nullable(),
  subject: z.string().nullable(),
  status: MessageStatus,
  reason: z.string().nullable(),
  transport: z.string().nullable().describe('smtp, outbox, or null before the hand-over'),
  source: Source,
  locale: z.string().nullable(),
  attempts: z.number().int(),
  due_at: z.string(),
  sent_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type MessageSummary = z.infer<typeof MessageSummary>;

export const Message = MessageSummary.extend({
  html: z.string().nullable(),
  text: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  provider_id: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type Message = z.infer<typeof Message>;

export const OutboxQuery = z
  .object({
    member_id: z.string().max(64).optional().describe('Only messages to this member'),
    status: MessageStatus.optional().describe('Only messages in this status'),
    channel: Channel.optional().describe('Only messages of this channel'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type OutboxQuery = z.infer<typeof OutboxQuery>;
export const OutboxList = z.object({ data: z.array(MessageSummary), next_cursor: z.string().nullable() });

export const MessageParams = z.object({ message_id: z.string().max(64) }).strict();
