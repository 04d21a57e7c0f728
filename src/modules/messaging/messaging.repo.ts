import type { Queryable } from '../../platform/db.js';
import type { Channel, Locale, MessageStatus, Source } from './messaging.contract.js';
import type { StoredVariants } from './messaging.render.js';

export interface TemplateRow {
  program_id: string;
  id: string;
  name: string;
  channel: Channel;
  default_locale: Locale;
  variants: StoredVariants;
  status: 'active' | 'archived';
  created_at: Date;
  updated_at: Date;
}

export interface MessageRow {
  program_id: string;
  id: string;
  key: string;
  member_id: string | null;
  channel: Channel;
  template_id: string;
  locale: string | null;
  source: Source;
  data: Record<string, unknown>;
  to_address: string | null;
  status: MessageStatus;
  reason: string | null;
  due_at: Date;
  attempts: number;
  claimed_at: Date | null;
  transport: string | null;
  subject: string | null;
  body: string | null;
  text_body: string | null;
  headers: Record<string, string> | null;
  provider_id: string | null;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface EmailChannelRow {
  smtp_url_masked: string;
  smtp_url_sealed: string;
  from_address: string;
  reply_to: string | null;
  updated_at: Date;
}

/** What a send attempt ends in: the row's new state. */
export interface Outcome {
  status: MessageStatus;
  reason?: string | null;
  due_at?: Date;
  locale?: string | null;
  to_address?: string | null;
  transport?: string | null;
  subject?: string | null;
  body?: string | null;
  text_body?: string | null;
  headers?: Record<string, string> | null;
  provider_id?: string | null;
  sent_at?: Date | null;
}

const LIST_COLUMNS = `program_id, id, key, member_id, channel, template_id, locale, source, data, to_address, status, reason, due_at,
  attempts, claimed_at, transport, subject, provider_id, sent_at, created_at, updated_at, null::text as body, null::text as text_body, null::jsonb as headers`;

/** SQL only: templates, settings, the email channel, the message queue and the suppression list. */
export const messagingRepo = {
  async insertTemplate(q: Queryable, t: Omit<TemplateRow, 'status'>) {
    await q.query(
      `insert into message_templates (program_id, id, name, channel, default_locale, variants, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $7)`,
      [t.program_id, t.id, t.name, t.channel, t.default_locale, t.variants, t.created_at],
    );
  },

  async template(q: Queryable, programId: string, id: string, lock = false) {
    const rows = await q.query<TemplateRow>(
      `select * from message_templates where program_id = $1 and id = $2${lock ? ' for update' : ''}`,
      [programId, id],
    );
    return rows[0] ?? null;
  },

  async templates(q: Queryable, programId: string, f: { channel?: Channel; status?: 'active' | 'archived'; after?: string; limit: number }) {
    return q.query<TemplateRow>(
      `select * from message_templates
       where program_id = $1 and ($2::text is null or channel = $2) and ($3::text is null or status = $3) and ($4::text is null or id > $4)
       order by id limit $5`,
      [programId, f.channel ?? null, f.status ?? null, f.after ?? null, f.limit],
    );
  },

  async updateTemplate(q: Queryable, programId: string, id: string, t: Pick<TemplateRow, 'name' | 'default_locale' | 'variants' | 'status' | 'updated_at'>) {
    await q.query(
      `update message_templates set name = $3, default_locale = $4, variants = $5, status = $6, updated_at = $7 where program_id = $1 and id = $2`,
      [programId, id, t.name, t.default_locale, t.variants, t.status, t.updated_at],
    );
  },

  async settings(q: Queryable, programId: string) {
    const rows = await q.query<{ settings: unknown; updated_at: Date }>(`select settings, updated_at from messaging_settings where program_id = $1`, [programId]);
    return rows[0] ?? null;
  },

  async saveSettings(q: Queryable, programId: string, settings: object, now: Date) {
    await q.query(
      `insert into messaging_settings (program_id, settings, updated_at) values ($1, $2, $3)
       on conflict (program_id) do update set settings = excluded.settings, updated_at = excluded.updated_at`,
      [programId, settings, now],
    );
  },

  async emailChannel(q: Queryable, programId: string) {
    const rows = await q.query<EmailChannelRow>(
      `select smtp_url_masked, smtp_url_sealed, from_address, reply_to, updated_at from messaging_email_channels where program_id = $1`,
      [programId],
    );
    return rows[0] ?? null;
  },

  async saveEmailChannel(q: Queryable, programId: string, c: EmailChannelRow) {
    await q.query(
      `insert into messaging_email_channels (program_id, smtp_url_masked, smtp_url_sealed, from_address, reply_to, updated_at)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (program_id) do update set smtp_url_masked = excluded.smtp_url_masked, smtp_url_sealed = excluded.smtp_url_sealed,
         from_address = excluded.from_address, reply_to = excluded.reply_to, updated_at = excluded.updated_at`,
      [programId, c.smtp_url_masked, c.smtp_url_sealed, c.from_address, c.reply_to, c.updated_at],
    );
  },

  async deleteEmailChannel(q: Queryable, programId: string) {
    const rows = await q.query(`delete from messaging_email_channels where program_id = $1 returning program_id`, [programId]);
    return rows.length > 0;
  },

  /** Inserts a message unless the key is taken; answers the id of the one with that key and whether it is new. */
  async enqueue(
    q: Queryable,
    m: Pick<MessageRow, 'program_id' | 'id' | 'key' | 'member_id' | 'channel' | 'template_id' | 'source' | 'data' | 'to_address' | 'due_at' | 'created_at'> & { locale?: string | null },
  ) {
    const rows = await q.query<{ id: string }>(
      `insert into messages (program_id, id, key, member_id, channel, template_id, locale, source, data, to_address, status, due_at, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $12, $12)
       on conflict (program_id, key) do nothing returning id`,
      [m.program_id, m.id, m.key, m.member_id, m.channel, m.template_id, m.locale ?? null, m.source, m.data, m.to_address, m.due_at, m.created_at],
    );
    if (rows[0]) return { id: rows[0].id, created: true };
    const [had] = await q.query<{ id: string }>(`select id from messages where program_id = $1 and key = $2`, [m.program_id, m.key]);
    return { id: had!.id, created: false };
  },

  async byKey(q: Queryable, programId: string, key: string) {
    const rows = await q.query<{ id: string }>(`select id from messages where program_id = $1 and key = $2`, [programId, key]);
    return rows[0]?.id ?? null;
  },

  async message(q: Queryable, programId: string, id: string) {
    const rows = await q.query<MessageRow>(`select * from messages where program_id = $1 and id = $2`, [programId, id]);
    return rows[0] ?? null;
  },

  async messages(q: Queryable, programId: string, f: { member_id?: string; status?: MessageStatus; channel?: Channel; before?: string; limit: number }) {
    return q.query<MessageRow>(
      `select ${LIST_COLUMNS} from messages
       where program_id = $1 and ($2::text is null or member_id = $2) and ($3::text is null or status = $3)
         and ($4::text is null or channel = $4) and ($5::text is null or id < $5)
       order by id desc limit $6`,
      [programId, f.member_id ?? null, f.status ?? null, f.channel ?? null, f.before ?? null, f.limit],
    );
  },

  /**
   * Claims what is due, across programs, soonest first: queued and deferred rows whose time has come, and rows
   * left `sending` by a process that stopped before it finished (claimed before `staleBefore`). The claim marks
   * them `sending` in the claim's own transaction; SKIP LOCKED lets several dispatchers claim side by side.
   */
  async claim(q: Queryable, now: Date, staleBefore: Date, limit: number) {
    return q.query<MessageRow>(
      `update messages m set status = 'sending', claimed_at = $1, updated_at = $1
       from (select program_id, id from messages
             where (status in ('queued', 'deferred') and due_at <= $1) or (status = 'sending' and claimed_at < $2)
             order by due_at, id limit $3 for update skip locked) c
       where m.program_id = c.program_id and m.id = c.id
       returning m.*`,
      [now, staleBefore, limit],
    );
  },

  /** Holds the member's channel until the transaction ends, so two dispatchers never both pass one cap. */
  async lockMemberChannel(q: Queryable, programId: string, memberId: string, channel: Channel) {
    await q.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`patron:msg:${programId}:${memberId}:${channel}`]);
  },

  /**
   * The hand-overs (or hand-overs under way) to a member on a channel since `since`, oldest first, not counting
   * test sends nor the message `exceptId`: what the frequency caps count.
   */
  async sentSince(q: Queryable, programId: string, memberId: string, channel: Channel, since: Date, exceptId: string) {
    const rows = await q.query<{ sent_at: Date }>(
      `select sent_at from messages
       where program_id = $1 and member_id = $2 and channel = $3 and sent_at >= $4 and id <> $5
         and status in ('sending', 'sent', 'delivered') and source->>'kind' <> 'test'
       order by sent_at`,
      [programId, memberId, channel, since, exceptId],
    );
    return rows.map((r) => r.sent_at);
  },

  /** Marks the hand-over as started (it counts for the caps from now) and counts the attempt. */
  async startSend(q: Queryable, programId: string, id: string, now: Date) {
    await q.query(`update messages set sent_at = $3, attempts = attempts + 1, updated_at = $3 where program_id = $1 and id = $2`, [programId, id, now]);
  },

  async finish(q: Queryable, programId: string, id: string, o: Outcome, now: Date) {
    const set: string[] = ['status = $3', 'updated_at = $4', 'claimed_at = null'];
    const params: unknown[] = [programId, id, o.status, now];
    const add = (col: string, v: unknown) => {
      params.push(v);
      set.push(`${col} = $${params.length}`);
    };
    if (o.reason !== undefined) add('reason', o.reason);
    if (o.due_at !== undefined) add('due_at', o.due_at);
    if (o.locale !== undefined) add('locale', o.locale);
    if (o.to_address !== undefined) add('to_address', o.to_address);
    if (o.transport !== undefined) add('transport', o.transport);
    if (o.subject !== undefined) add('subject', o.subject);
    if (o.body !== undefined) add('body', o.body);
    if (o.text_body !== undefined) add('text_body', o.text_body);
    if (o.headers !== undefined) add('headers', o.headers);
    if (o.provider_id !== undefined) add('provider_id', o.provider_id);
    if (o.sent_at !== undefined) add('sent_at', o.sent_at);
    await q.query(`update messages set ${set.join(', ')} where program_id = $1 and id = $2`, params);
  },

  async suppressed(q: Queryable, programId: string, channel: Channel, address: string) {
    const rows = await q.query(`select 1 from message_suppressions where program_id = $1 and channel = $2 and address = $3`, [programId, channel, address]);
    return rows.length > 0;
  },

  async suppress(q: Queryable, programId: string, channel: Channel, address: string, reason: string, messageId: string, now: Date) {
    await q.query(
      `insert into message_suppressions (program_id, channel, address, reason, message_id, created_at) values ($1, $2, $3, $4, $5, $6)
       on conflict do nothing`,
      [programId, channel, address, reason, messageId, now],
    );
  },
};
