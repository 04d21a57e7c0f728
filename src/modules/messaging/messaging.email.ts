import nodemailer, { type Transporter } from 'nodemailer';
import type { Secrets } from '../../platform/secrets.js';
import type { Db } from '../../platform/db.js';
import { messagingRepo as repo } from './messaging.repo.js';

/** Where a program's email goes: its own SMTP server, the one of PATRON_SMTP_URL, or the outbox. */
export type EmailRoute =
  | { kind: 'smtp'; origin: 'program' | 'environment'; url: string; from: string; replyTo: string | null }
  | { kind: 'outbox'; from: string; replyTo: string | null };

export interface Mail {
  messageId: string;
  from: string;
  to: string;
  replyTo: string | null;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/** A hand-over's end: accepted, refused for good (a 5xx about the recipient or message), or worth retrying. */
export type HandOver = { ok: true; providerId: string | null } | { ok: false; permanent: boolean; reason: string };

/** smtp://user:secret@host → smtp://user:****@host: what GET shows and logs may carry. */
export function maskSmtpUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '****';
    return u.toString().replace(/\/$/, '');
  } catch {
    return raw.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:****@');
  }
}

/** The domain of a From address (for Message-IDs and the mailto: of List-Unsubscribe). */
export function domainOf(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'localhost';
}

/** The bare address of a From header (`Shop <news@shop.example>` → news@shop.example). */
export function addressOf(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}

export function createEmail(deps: { db: Db; secrets: Secrets; smtpUrl?: string; smtpFrom?: string }) {
  const { db, secrets } = deps;
  const defaultFrom = deps.smtpFrom ?? 'Patron <no-reply@localhost>';
  /** One transporter per SMTP URL, made once. */
  const transports = new Map<string, Transporter>();

  function transport(url: string): Transporter {
    let t = transports.get(url);
    if (!t) {
      t = nodemailer.createTransport(url);
      transports.set(url, t);
    }
    return t;
  }

  return {
    async route(programId: string): Promise<EmailRoute> {
      const own = await repo.emailChannel(db, programId);
      if (own) return { kind: 'smtp', origin: 'program', url: secrets.open(own.smtp_url_sealed), from: own.from_address, replyTo: own.reply_to };
      if (deps.smtpUrl) return { kind: 'smtp', origin: 'environment', url: deps.smtpUrl, from: defaultFrom, replyTo: null };
      return { kind: 'outbox', from: defaultFrom, replyTo: null };
    },

    defaults: { smtpUrl: deps.smtpUrl, from: defaultFrom },

    /** Drops the transporter of a URL no longer in use (a program changed its server). */
    forget(url: string) {
      transports.get(url)?.close();
      transports.delete(url);
    },

    async send(route: Extract<EmailRoute, { kind: 'smtp' }>, mail: Mail): Promise<HandOver> {
      try {
        const info = (await transport(route.url).sendMail({
          messageId: mail.messageId,
          from: mail.from,
          to: mail.to,
          replyTo: mail.replyTo ?? undefined,
          subject: mail.subject,
          html: mail.html,
          text: mail.text,
          headers: mail.headers,
        })) as { response?: string };
        return { ok: true, providerId: info.response?.slice(0, 500) ?? null };
      } catch (err) {
        const e = err as { responseCode?: number; code?: string; command?: string; message?: string };
        // A 5xx to the recipient or the message is the receiving side's final word; a 5xx to AUTH is ours to fix.
        const permanent = (e.responseCode ?? 0) >= 500 && e.code !== 'EAUTH' && e.command !== 'AUTH PLAIN' && e.command !== 'AUTH LOGIN';
        const reason = (e.responseCode ? `${e.responseCode} ` : '') + (e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 300);
        return { ok: false, permanent, reason };
      }
    },

    close() {
      for (const t of transports.values()) t.close();
      transports.clear();
    },
  };
}
export type Email = ReturnType<typeof createEmail>;
