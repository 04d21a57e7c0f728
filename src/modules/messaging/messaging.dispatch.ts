import type { Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { Secrets } from '../../platform/secrets.js';
import { DAY_MS } from '../../platform/clock.js';
import type { ConfigSnapshot, Program } from '../programs/index.js';
import type { Member } from '../members/index.js';
import type { ChannelRulesOut, MessagingSettings } from './messaging.contract.js';
import { messagingRepo as repo, type MessageRow, type Outcome } from './messaging.repo.js';
import { addressOf, domainOf, type Email } from './messaging.email.js';
import { localeFor, pickVariant, renderVariant } from './messaging.render.js';
import { nextLocalDay, quietUntil, safeZone, startOfLocalDay } from './messaging.time.js';
import { unsubscribeToken } from './messaging.unsubscribe.js';
import { memberVariables, sampleVariables, type VarsDeps } from './messaging.vars.js';

/** Hand-overs tried at most; a temporary failure waits 1, 2, 4, 8 minutes between them. */
export const MAX_ATTEMPTS = 5;
const backoffMs = (attempts: number) => 60_000 * 2 ** (attempts - 1);

export interface DispatchReport {
  sent: number;
  deferred: number;
  suppressed: number;
  failed: number;
}

type Decision = { kind: 'send'; to: string; member: Member | null } | { kind: 'stop'; outcome: Outcome };

export interface DispatchDeps extends VarsDeps {
  clock: Clock;
  log: Logger;
  secrets: Secrets;
  email: Email;
  config: { get(programId: string, q?: Queryable): Promise<ConfigSnapshot> };
  settingsOf: (snapshot: ConfigSnapshot) => Omit<MessagingSettings, 'updated_at'>;
  /** How long a claim is its process's; a row still `sending` after that is claimed again. */
  leaseMs: number;
}

/**
 * The dispatcher: claims due messages and hands them over, one at a time.
 *
 * Delivery is at least once, and twice only in one narrow case. The claim commits `sending` before anything
 * is sent; the decision (consent, suppression, caps, quiet hours) then commits `sent_at` (the hand-over under
 * way, which counts for the caps), and only after that is the mail handed to the SMTP server; the outcome is
 * written once the server answered. A process that dies before the hand-over leaves a `sending` row that the
 * next claim after the lease (`leaseMs`) takes again and sends once. A process that dies after the server
 * accepted the mail but before writing `sent` leaves the same row: it is sent again after the lease, with the
 * same Message-ID (the message id), so a receiving system that removes duplicates by Message-ID shows it once;
 * otherwise the member gets it twice. Nothing is ever lost: every claimed row ends in a final state or is
 * claimed again.
 */
export function createDispatcher(deps: DispatchDeps) {
  const { db, clock, log, members, email, secrets } = deps;

  const unsubscribeUrl = (programId: string, memberId: string | null, channel: MessageRow['channel']) =>
    `${deps.publicUrl()}/u/${unsubscribeToken(secrets, { programId, memberId, channel })}`;

  /** Whether `m` may go now, to whom; or how it ends (suppressed) or waits (deferred). */
  async function decide(q: Queryable, program: Program, rules: ChannelRulesOut, zoneOfProgram: string, m: MessageRow, now: Date): Promise<Decision> {
    const stop = (status: Outcome['status'], reason: string, due_at?: Date): Decision => ({ kind: 'stop', outcome: { status, reason, due_at } });
    const test = m.source.kind === 'test';
    const member = m.member_id ? await members.get(program.id, m.member_id, q).catch(() => null) : null;
    if (test) return { kind: 'send', to: m.to_address!, member };
    if (!member) return stop('failed', 'member_not_found');
    if (member.status === 'erased') return stop('suppressed', 'member_erased');
    const consent = m.channel === 'email' ? member.consent.email : m.channel === 'sms' ? member.consent.sms : member.consent.push;
    if (!consent) return stop('suppressed', 'consent');
    const to = member.email;
    if (!to) return stop('suppressed', 'no_address');
    if (await repo.suppressed(q, program.id, m.channel, to)) return stop('suppressed', 'address_suppressed');
    await repo.lockMemberChannel(q, program.id, member.id, m.channel);
    const zone = safeZone(member.time_zone) ?? zoneOfProgram;
    if (rules.quiet_hours) {
      const until = quietUntil(now, zone, rules.quiet_hours);
      if (until) return stop('deferred', 'quiet_hours', until);
    }
    if (rules.per_day !== null) {
      const today = await repo.sentSince(q, program.id, member.id, m.channel, startOfLocalDay(now, zone), m.id);
      if (today.length >= rules.per_day) return stop('deferred', 'cap_per_day', nextLocalDay(now, zone));
    }
    if (rules.per_week !== null) {
      const week = await repo.sentSince(q, program.id, member.id, m.channel, new Date(now.getTime() - 7 * DAY_MS + 1), m.id);
      if (week.length >= rules.per_week) {
        // The cap allows one more once the oldest send that keeps it full is a week old.
        const oldest = week[week.length - rules.per_week]!;
        return stop('deferred', 'cap_per_week', new Date(oldest.getTime() + 7 * DAY_MS));
      }
    }
    return { kind: 'send', to, member };
  }

  /** Sends one claimed email message and answers its final (or next) state. */
  async function sendEmail(program: Program, m: MessageRow, to: string, member: Member | null): Promise<Outcome> {
    const template = await repo.template(db, program.id, m.template_id);
    if (!template) return { status: 'failed', reason: 'template_not_found', sent_at: null };
    const want = (m.locale as ReturnType<typeof localeFor>) ?? localeFor(member?.locale);
    const unsubscribe = unsubscribeUrl(program.id, m.source.kind === 'test' ? null : m.member_id, 'email');
    const vars = member
      ? await memberVariables(deps, program, member, { unsubscribeUrl: unsubscribe, data: m.data })
      : sampleVariables(program, { email: to, unsubscribeUrl: unsubscribe, data: m.data });
    let rendered;
    try {
      rendered = await renderVariant('email', pickVariant(template.variants, template.default_locale, want), vars, program.currency);
    } catch (err) {
      return { status: 'failed', reason: `render: ${(err as Error).message.split('\n')[0]!.slice(0, 200)}`, sent_at: null };
    }
    const route = await email.route(program.id);
    const from = route.from;
    const domain = domainOf(from);
    const messageId = `<${m.id}@${domain}>`;
    const mailto = `mailto:${addressOf(route.replyTo ?? from)}?subject=unsubscribe`;
    const headers: Record<string, string> = {
      'List-Unsubscribe': `<${unsubscribe}>, <${mailto}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
    const record: Omit<Outcome, 'status'> = {
      locale: rendered.locale,
      to_address: to,
      subject: rendered.subject,
      body: rendered.html,
      text_body: rendered.text,
      headers: { From: from, To: to, Subject: rendered.subject ?? '', 'Message-ID': messageId, ...(route.replyTo ? { 'Reply-To': route.replyTo } : {}), ...headers },
      transport: route.kind,
    };
    if (route.kind === 'outbox') return { status: 'sent', reason: null, ...record, provider_id: null };
    const handed = await email.send(route, {
      messageId,
      from,
      to,
      replyTo: route.replyTo,
      subject: rendered.subject ?? '',
      html: rendered.html ?? '',
      text: rendered.text ?? '',
      headers,
    });
    if (handed.ok) return { status: 'sent', reason: null, ...record, provider_id: handed.providerId };
    if (handed.permanent) return { status: 'bounced', reason: handed.reason, ...record };
    if (m.attempts >= MAX_ATTEMPTS) return { status: 'failed', reason: handed.reason, ...record };
    // A retry is not a hand-over: it stops counting for the caps until it is tried again.
    return { status: 'deferred', reason: `retry: ${handed.reason}`, due_at: new Date(clock.now().getTime() + backoffMs(m.attempts)), sent_at: null, ...record };
  }

  /** Takes one claimed row to its next state. */
  async function deliver(m: MessageRow): Promise<Outcome['status']> {
    const now = clock.now();
    const snapshot = await deps.config.get(m.program_id);
    const program = snapshot.program;
    if (m.channel !== 'email') {
      await repo.finish(db, program.id, m.id, { status: 'failed', reason: `channel_not_configured: ${m.channel}` }, now);
      return 'failed';
    }
    const settings = deps.settingsOf(snapshot);
    const decision = await db.tx(async (q) => {
      const d = await decide(q, program, settings[m.channel], settings.time_zone, m, now);
      if (d.kind === 'send') await repo.startSend(q, program.id, m.id, now);
      else await repo.finish(q, program.id, m.id, d.outcome, now);
      return d;
    });
    if (decision.kind === 'stop') return decision.outcome.status;
    const attempted = { ...m, attempts: m.attempts + 1 };
    let outcome: Outcome;
    try {
      outcome = await sendEmail(program, attempted, decision.to, decision.member);
    } catch (err) {
      log.error({ err, program_id: program.id, message_id: m.id }, 'message send failed unexpectedly');
      outcome = attempted.attempts >= MAX_ATTEMPTS
        ? { status: 'failed', reason: 'internal_error', sent_at: null }
        : { status: 'deferred', reason: 'retry: internal_error', due_at: new Date(clock.now().getTime() + backoffMs(attempted.attempts)), sent_at: null };
    }
    await db.tx(async (q) => {
      await repo.finish(q, program.id, m.id, outcome, clock.now());
      if (outcome.status === 'bounced') await repo.suppress(q, program.id, m.channel, decision.to, outcome.reason ?? 'bounced', m.id, clock.now());
    });
    return outcome.status;
  }

  return {
    deliver,

    async dispatch(opts: { limit?: number } = {}): Promise<DispatchReport> {
      const now = clock.now();
      const report: DispatchReport = { sent: 0, deferred: 0, suppressed: 0, failed: 0 };
      const claimed = await db.tx((q) => repo.claim(q, now, new Date(now.getTime() - deps.leaseMs), opts.limit ?? 100));
      for (const m of claimed) {
        let status: Outcome['status'];
        try {
          status = await deliver(m);
        } catch (err) {
          // The row stays `sending`: claimed again after the lease.
          log.error({ err, program_id: m.program_id, message_id: m.id }, 'message dispatch failed');
          continue;
        }
        if (status === 'sent' || status === 'delivered') report.sent++;
        else if (status === 'deferred' || status === 'queued') report.deferred++;
        else if (status === 'suppressed') report.suppressed++;
        else report.failed++;
      }
      return report;
    },
  };
}
export type Dispatcher = ReturnType<typeof createDispatcher>;
