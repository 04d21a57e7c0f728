import type { Queryable } from '../../platform/db.js';
import { DAY_MS } from '../../platform/clock.js';
import type { MembersService } from '../members/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { EventContext, EventsService } from '../events/index.js';
import type { Program } from '../programs/index.js';
import type { ReferralStatus, StoredReferralSettings as Settings } from './referrals.contract.js';
import { referralsRepo as repo, type ReferralRow } from './referrals.repo.js';

const AMBASSADOR = 'ambassador';
type SideReward = NonNullable<Settings['referrer_reward']>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The events hook that qualifies referrals: on a linked referee's purchase that meets the program's condition,
 * the referral is settled once (a conditional update: parallel purchases cannot both win), both sides are
 * credited (the referrer up to the cap), and a referrer with enough qualified referees is tagged `ambassador`.
 */
export function createQualifier(deps: {
  members: MembersService;
  ledger: LedgerService;
  events: EventsService;
  settingsOf: (q: Queryable, program: Program) => Promise<Settings>;
}) {
  const { members, ledger, events, settingsOf } = deps;

  /** Why a pending referral's referee purchase does not qualify: null if it does, else whether it never can. */
  async function check(ctx: EventContext, order: { amount: number }, s: Settings): Promise<null | { lapsed: boolean }> {
    const { q, program } = ctx.tx;
    const { within_days, min_amount, first_purchase } = s.condition;
    if (within_days !== null) {
      const enrolledAt = new Date((await members.get(program.id, ctx.member.id, q)).enrolled_at);
      if (ctx.occurredAt.getTime() > enrolledAt.getTime() + within_days * DAY_MS) return { lapsed: true };
    }
    if (first_purchase && (await events.purchaseStats(q, program.id, ctx.member.id)).count !== 1) return { lapsed: true };
    if (order.amount < min_amount) return { lapsed: first_purchase };
    return null;
  }

  async function credit(ctx: EventContext, referral: ReferralRow, side: 'referrer' | 'referee', r: SideReward | null) {
    // The referee's reward goes with the order (its refund takes it back); the referrer's does not.
    const orderId = side === 'referee' ? referral.order_id : null;
    if (!r) return null;
    const memberId = side === 'referrer' ? referral.referrer_id : referral.referee_id;
    const out = await ledger.core.credit(ctx.tx, {
      memberId,
      currency: r.currency,
      amount: r.points,
      type: 'earn',
      source: 'issuance',
      availableAt: r.pending_days > 0 ? new Date(ctx.occurredAt.getTime() + r.pending_days * DAY_MS) : null,
      orderId,
      eventId: ctx.event.id,
      occurredAt: ctx.occurredAt,
      metadata: { referral_id: referral.id, side },
    });
    if (side === 'referee') {
      ctx.result.points[r.currency] = (ctx.result.points[r.currency] ?? 0) + r.points;
      ctx.result.transactions.push({
        id: out.txnId,
        type: 'earn',
        currency: r.currency,
        points: r.points,
        pending: out.pending,
        available_at: iso(out.availableAt ?? null),
        rule_id: 'referral',
        rule_version: null,
      });
    }
    return { currency: r.currency, points: r.points, txn_id: out.txnId };
  }

  return async function onEvent(ctx: EventContext) {
    const order = ctx.order;
    if (!order) return;
    const { q, program } = ctx.tx;
    const s = await settingsOf(q, program);
    if (!s.enabled) return;
    const pending = await repo.ofReferee(q, program.id, ctx.member.id);
    if (!pending || pending.status !== 'pending') return;
    const miss = await check(ctx, order, s);
    if (miss) {
      if (miss.lapsed) {
        await repo.settle(q, program.id, pending.id, { status: 'lapsed', qualifiedAt: null, eventId: ctx.event.id, orderId: order.id });
      }
      return;
    }
    const referral = await repo.settle(q, program.id, pending.id, {
      status: 'qualified',
      qualifiedAt: ctx.occurredAt,
      eventId: ctx.event.id,
      orderId: order.id,
    });
    if (!referral) return; // another purchase of this referee settled it first
    const before = await repo.lockCounts(q, program.id, referral.referrer_id);
    const underCap = s.cap_per_referrer === null || (before?.rewarded ?? 0) < s.cap_per_referrer;
    const counted = await repo.countQualified(q, program.id, referral.referrer_id, underCap);
    const status: ReferralStatus = underCap ? 'qualified' : 'capped';
    const rewards = {
      referrer: underCap ? await credit(ctx, referral, 'referrer', s.referrer_reward) : null,
      referee: await credit(ctx, referral, 'referee', s.referee_reward),
    };
    await repo.setOutcome(q, program.id, referral.id, status, rewards);
    const outcomes = (ctx.result.outcomes ??= []);
    outcomes.push({
      kind: 'referral_qualified',
      referral_id: referral.id,
      referrer_id: referral.referrer_id,
      referee_id: referral.referee_id,
      status,
      rewards,
    });
    if (s.ambassador_threshold !== null && counted.qualified >= s.ambassador_threshold) {
      if (await members.changeTags(q, program.id, referral.referrer_id, { add: [AMBASSADOR] })) {
        outcomes.push({ kind: 'tag_added', member_id: referral.referrer_id, tag: AMBASSADOR });
      }
    }
  };
}
