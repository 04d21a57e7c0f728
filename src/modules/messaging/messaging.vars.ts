import type { Db } from '../../platform/db.js';
import type { Program } from '../programs/index.js';
import type { Member, MembersService } from '../members/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { TiersService } from '../tiers/index.js';
import type { ReferralsService } from '../referrals/index.js';

export interface VarsDeps {
  db: Db;
  members: MembersService;
  ledger: LedgerService;
  tiers: TiersService;
  referrals: ReferralsService;
  /** The address people reach the server at (asked each time: a server learns its port once it listens). */
  publicUrl: () => string;
}

/**
 * The liquid variables of a message to `member`: member (names, email, locale, tier and the points to the
 * next), balance (available, pending, next expiry), program, referral (when the program runs referrals),
 * unsubscribe_url and the caller's data. Read outside any transaction, at send time, so they are current.
 */
export async function memberVariables(
  deps: VarsDeps,
  program: Program,
  member: Member,
  extra: { unsubscribeUrl: string; data: Record<string, unknown> },
): Promise<Record<string, unknown>> {
  const { db, ledger, tiers } = deps;
  const [balance, tier, referral] = await Promise.all([
    ledger.balance(program, member.id).catch(() => null),
    tiers.member(db, program, member.id).catch(() => null),
    referralOf(deps, program, member.id),
  ]);
  const next = balance?.next_expiries[0];
  return {
    member: {
      id: member.id,
      first_name: member.first_name ?? '',
      last_name: member.last_name ?? '',
      email: member.email ?? '',
      locale: member.locale ?? '',
      tier: tier?.level ? { name: tier.level.name } : null,
      next_tier: tier?.next_level ? { name: tier.next_level.name, points_needed: tier.next_level.amount_needed } : null,
      points_to_next_tier: tier?.next_level?.amount_needed ?? null,
      tier_progress: tier?.next_level ? { value: tier.metric_value, needed: tier.next_level.amount_needed, next: tier.next_level.name } : null,
      attributes: member.attributes,
      tags: member.tags,
    },
    balance: {
      available: balance?.available ?? 0,
      pending: balance?.pending ?? 0,
      next_expiry: next ? { points: next.points, at: next.expires_at } : null,
    },
    program: { id: program.id, name: program.name, currency: program.currency },
    referral,
    unsubscribe_url: extra.unsubscribeUrl,
    data: extra.data,
  };

  async function referralOf(d: VarsDeps, p: Program, memberId: string) {
    const settings = await d.referrals.getSettings(d.db, p).catch(() => null);
    if (!settings?.enabled) return null;
    const r = await d.referrals.memberReferral(p.id, memberId).catch(() => null);
    return r ? { code: r.code, link: `${d.publicUrl()}/m/${encodeURIComponent(p.id)}/join?ref=${encodeURIComponent(r.code)}` } : null;
  }
}

/** Sample values for a test send without a member. */
export function sampleVariables(program: Program, extra: { email: string; unsubscribeUrl: string; data: Record<string, unknown> }) {
  return {
    member: {
      id: 'mbr_sample',
      first_name: 'Ann',
      last_name: 'Example',
      email: extra.email,
      locale: '',
      tier: { name: 'Silver' },
      next_tier: { name: 'Gold', points_needed: 40 },
      points_to_next_tier: 40,
      tier_progress: { value: 460, needed: 40, next: 'Gold' },
      attributes: {},
      tags: [],
    },
    balance: { available: 1250, pending: 0, next_expiry: null },
    program: { id: program.id, name: program.name, currency: program.currency },
    referral: null,
    unsubscribe_url: extra.unsubscribeUrl,
    data: extra.data,
  };
}
