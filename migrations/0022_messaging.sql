-- Messaging: templates, the email channel of each program, the delivery queue (which is also the outbox and the
-- record of what was sent), and the addresses that bounced.

-- A template: per-locale variants (jsonb: {"en": {"subject", "mjml", "html", "text"}, …}); `html` is the MJML
-- compiled when the template was saved, so a send only renders liquid. Archived templates take no new messages.
create table message_templates (
  program_id      text not null,
  id              text not null,
  name            text not null,
  channel         text not null check (channel in ('email', 'sms', 'push', 'wechat')),
  default_locale  text not null,
  variants        jsonb not null,
  status          text not null default 'active' check (status in ('active', 'archived')),
  created_at      timestamptz not null,
  updated_at      timestamptz not null,
  primary key (program_id, id)
);
create index message_templates_list on message_templates (program_id, status, id);

-- One row per program: caps, quiet hours and the program's time zone (jsonb, see messaging.contract.ts).
create table messaging_settings (
  program_id  text not null,
  settings    jsonb not null,
  updated_at  timestamptz not null,
  primary key (program_id)
);

-- A program's own SMTP server; the password inside smtp_url is kept encrypted (secrets.ts), never in plain text.
create table messaging_email_channels (
  program_id        text not null,
  smtp_url_masked   text not null,
  smtp_url_sealed   text not null,
  from_address      text not null,
  reply_to          text,
  updated_at        timestamptz not null,
  primary key (program_id)
);

-- The delivery queue. status: queued | deferred (waits for a cap, quiet hours or a retry) | sending (claimed:
-- the hand-over is under way, see claimed_at) | sent | delivered | bounced | failed | suppressed.
create table messages (
  program_id     text not null,
  id             text not null,
  key            text not null,
  member_id      text,
  channel        text not null,
  template_id    text not null,
  locale         text,
  source         jsonb not null,
  data           jsonb not null default '{}',
  to_address     text,
  status         text not null,
  reason         text,
  due_at         timestamptz not null,
  attempts       integer not null default 0,
  claimed_at     timestamptz,
  transport      text,
  subject        text,
  body           text,
  text_body      text,
  headers        jsonb,
  provider_id    text,
  sent_at        timestamptz,
  created_at     timestamptz not null,
  updated_at     timestamptz not null,
  primary key (program_id, id),
  unique (program_id, key)
);
-- The dispatcher's claim: what is due, across programs, soonest first.
create index messages_due on messages (due_at) where status in ('queued', 'deferred', 'sending');
-- Frequency caps: a member's hand-overs on a channel in the last week.
create index messages_member_sent on messages (program_id, member_id, channel, sent_at) where sent_at is not null;
-- The outbox list: newest first, by member or status.
create index messages_list on messages (program_id, id);
create index messages_by_member on messages (program_id, member_id, id);

-- Addresses a channel must not be sent to again (a hard bounce at hand-over).
create table message_suppressions (
  program_id  text not null,
  channel     text not null,
  address     text not null,
  reason      text not null,
  message_id  text,
  created_at  timestamptz not null,
  primary key (program_id, channel, address)
);
