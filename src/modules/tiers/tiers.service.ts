import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { conflict, invalid, unprocessable } from '../../platform/errors.js';
import type { ConfigStore, Program } from '../programs/index.js';
import type { MembersService } from '../members/index.js';
import type { LedgerService, Tx } from '../ledger/index.js';
import type { EventContext, EventsService } from '../events/index.js';
import type { GrantCreate } from './tiers.contract.js';
import { createTierConfig, STATUS_CURRENCY, type Level, type Scheme, type TierConfig, type UnknownRewards } from './tiers.config.js';
import { tiersRepo as repo, type MemberTierRow, type TierChangeRow } from './tiers.repo.js';
import { createTierOutlook } from './tiers.outlook.js';
import { currentWindow, landing, nextPeriodEnd, periodEndAfter, qualifyingLevel, rankOf, reviewAt, reviewWindow } from './tiers.policy.js';

export interface TierMaintenanceReport {
  reviewed: number;
  downgraded: number;
  grants_expired: number;
}

/** Longest run of missed periods one review catches up on (maintenance that did not run for years). */
const MAX_PERIODS = 100;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const changeView = (c: TierChangeRow) => ({
  id: c.id,
  member_id: c.member_id,
  from: c.from_level_id ? { id: c.from_level_id, name: c.from_name ?? '' } : null,
  to: c.to_level_id ? { id: c.to_level_id, name: c.to_name ?? '' } : null,
  reason: c.reason,
  metric_value: c.metric_value,
  note: c.note,
  event_id: c.event_id,
  at: c.at.toISOString(),
});

const levelRef = (l: Level) => ({ id: l.id, name: l.name, rank: l.rank, threshold: l.threshold, benefits: l.benefits });

/**
 * Tiers: members move up as soon as their metric reaches a level, and down only when a qualification period is
 * reviewed (after its grace period, at most one level with a soft landing). A manual grant holds until it ends.
 * Every change is a row in tier_changes, which later journeys react to.
 */
export function createTiersService(deps: {
  db: Db;
  clock: Clock;
  ids: Ids;
  members: MembersService;
  ledger: LedgerService;
  events: EventsService;
  /** The programs' configuration snapshots, which the tier set-up is a part of. */
  config: ConfigStore;
  log?: Logger;
  /** Which reward ids are not the program's, to refuse level benefits that name them. */
  unknownRewards?: UnknownRewards;
}) {
  const { db, clock, ids, members, ledger, events } = deps;
  const config = createTierConfig({ clock, ids, config: deps.config, unknownRewards: deps.unknownRewards });

  /**
   * Member tier rows read during a batch of events, per transaction handle: rules (`member.tier`) and this
   * hook ask for them several times per event. Locked reads always go to the database; writes forget the row.
   */
  const batchRows = new WeakMap<Queryable, Map<string, MemberTierRow | undefined>>();

  async function tierRow(q: Queryable, programId: string, memberId: string, lock = false): Promise<MemberTierRow | undefined> {
    const cache = batchRows.get(q);
    if (!lock && cache?.has(memberId)) return cache.get(memberId);
    const row = await repo.memberTier(q, programId, memberId, lock);
    cache?.set(memberId, row);
    return row;
  }

  function forget(q: Queryable, memberId: string) {
    batchRows.get(q)?.delete(memberId);
  }

  async function setTier(q: Queryable, programId: string, row: MemberTierRow) {
    await repo.setMemberTier(q, programId, row);
    forget(q, row.member_id);
  }

  /** The member's metric over [from, to) (to null: open end), never below zero. */
  async function metric(q: Queryable, programId: string, scheme: Scheme, memberId: string, range: { from: Date; to: Date | null }) {
    if (scheme.metric === 'status_credits') {
      return Math.max(0, await ledger.credited(q, programId, memberId, STATUS_CURRENCY, range));
    }
    const stats = await events.purchaseStats(q, programId, memberId, range);
    return Math.max(0, scheme.metric === 'spend' ? stats.amount : stats.count);
  }

  /** The level a member holds: their recorded one, or without a record the base level (threshold 0) if any. */
  function levelOf(cfg: TierConfig, state: MemberTierRow | undefined): Level | null {
    if (!state) return cfg.levels[0]?.threshold === 0 ? cfg.levels[0] : null;
    return cfg.levels.find((l) => l.id === state.level_id) ?? null;
  }

  /** The member's tier row, locked; made (with no level) if it did not exist. */
  async function lockState(q: Queryable, programId: string, memberId: string, now: Date): Promise<MemberTierRow> {
    const found = await tierRow(q, programId, memberId, true);
    if (found) return found;
    await repo.ensureMemberTier(q, programId, memberId, now);
    forget(q, memberId);
    return (await tierRow(q, programId, memberId, true))!;
  }

  async function record(
    q: Queryable,
    programId: string,
    c: { memberId: string; from: Level | null; to: Level | null; reason: TierChangeRow['reason']; value: number | null; note?: string; eventId?: string; at: Date },
  ) {
    const row: TierChangeRow = {
      id: ids.next('tch'),
      member_id: c.memberId,
      from_level_id: c.from?.id ?? null,
      from_name: c.from?.name ?? null,
      to_level_id: c.to?.id ?? null,
      to_name: c.to?.name ?? null,
      reason: c.reason,
      metric_value: c.value,
      note: c.note ?? null,
      event_id: c.eventId ?? null,
      at: c.at,
    };
    await repo.insertChange(q, programId, row);
    return row;
  }

  /** Moves the member up if their metric now reaches a higher level. Never moves anyone down. */
  async function evaluate(q: Queryable, program: Program, memberId: string, now: Date, eventId?: string) {
    const programId = program.id;
    const cfg = await config.get(q, program);
    const scheme = cfg.scheme;
    if (!scheme || cfg.levels.length === 0) return null;
    const seen = levelOf(cfg, await tierRow(q, programId, memberId));
    if (seen && seen.rank === cfg.levels.length) return null;
    const value = await metric(q, programId, scheme, memberId, currentWindow(scheme.window, now));
    const target = qualifyingLevel(cfg.levels, value);
    if (!target || target.rank <= rankOf(seen)) return null;
    const state = await lockState(q, programId, memberId, now);
    const current = state.level_id ? levelOf(cfg, state) : seen;
    if (target.rank <= rankOf(current)) return null;
    await setTier(q, programId, {
      ...state,
      level_id: target.id,
      qualified_at: now,
      period_end: periodEndAfter(scheme.window, now),
      granted_until: null,
      grant_reason: null,
      updated_at: now,
    });
    return record(q, programId, { memberId, from: current, to: target, reason: 'upgrade', value, eventId, at: now });
  }

  /** A grant has ended: the member keeps what the metric gives, else lands (softly, if so set) below. */
  async function endGrant(q: Queryable, programId: string, cfg: TierConfig, scheme: Scheme, state: MemberTierRow, current: Level, now: Date) {
    const value = await metric(q, programId, scheme, state.member_id, currentWindow(scheme.window, now));
    const qualifying = qualifyingLevel(cfg.levels, value);
    const target = rankOf(qualifying) >= current.rank ? qualifying : landing(cfg.levels, current, qualifying, scheme.soft_landing);
    await setTier(q, programId, {
      ...state,
      level_id: target?.id ?? null,
      qualified_at: now,
      period_end: target ? periodEndAfter(scheme.window, now) : null,
      granted_until: null,
      grant_reason: null,
      updated_at: now,
    });
    if (target?.id === current.id) return null;
    const reason = rankOf(target) > current.rank ? 'upgrade' : 'expiry';
    return record(q, programId, { memberId: state.member_id, from: current, to: target, reason, value, note: 'grant ended', at: now });
  }

  /**
   * Reviews every qualification period of the member that ended (grace included) by `now`: the level is kept if
   * the metric over the period (and its grace days) reached it, else the member drops. Returns the changes made.
   */
  async function review(q: Queryable, programId: string, cfg: TierConfig, memberId: string, now: Date) {
    const scheme = cfg.scheme!;
    const state = await tierRow(q, programId, memberId, true);
    let current = state?.level_id ? levelOf(cfg, state) : null;
    if (!state || !current) return { grantEnded: false, changes: [] as TierChangeRow[] };
    if (state.granted_until) {
      if (state.granted_until > now) return { grantEnded: false, changes: [] };
      const change = await endGrant(q, programId, cfg, scheme, state, current, now);
      return { grantEnded: true, changes: change ? [change] : [] };
    }
    const changes: TierChangeRow[] = [];
    let end = state.period_end;
    let qualifiedAt = state.qualified_at;
    for (let i = 0; current && end && reviewAt(end, scheme.grace_days) <= now && i < MAX_PERIODS; i++) {
      const value = await metric(q, programId, scheme, memberId, reviewWindow(scheme.window, end, scheme.grace_days));
      const qualifying = qualifyingLevel(cfg.levels, value);
      const next: Level | null = rankOf(qualifying) >= current.rank ? current : landing(cfg.levels, current, qualifying, scheme.soft_landing);
      if (next?.id !== current.id) {
        const note = `period ending ${end.toISOString()}`;
        changes.push(await record(q, programId, { memberId, from: current, to: next, reason: 'downgrade', value, note, at: now }));
        qualifiedAt = end;
      }
      current = next;
      end = current ? nextPeriodEnd(scheme.window, end) : null;
    }
    await setTier(q, programId, { ...state, level_id: current?.id ?? null, qualified_at: qualifiedAt, period_end: end, updated_at: now });
    return { grantEnded: false, changes };
  }

  async function memberView(q: Queryable, program: Program, memberId: string) {
    await members.get(program.id, memberId, q);
    const cfg = await config.get(q, program);
    const scheme = cfg.scheme;
    if (!scheme) throw conflict('tiers.no_scheme', 'This program has no tier scheme yet: PUT /v1/tiers/scheme', { field: 'scheme' });
    const now = clock.now();
    const state = await tierRow(q, program.id, memberId);
    const level = levelOf(cfg, state);
    const window = currentWindow(scheme.window, now);
    const value = await metric(q, program.id, scheme, memberId, window);
    const next = cfg.levels[rankOf(level)] ?? null;
    const held = !!state?.level_id && !!level;
    const periodEnd = held ? state.period_end : scheme.window.type === 'calendar_year' ? window.to : null;
    return {
      member_id: memberId,
      level: level ? levelRef(level) : null,
      metric: scheme.metric,
      metric_value: value,
      window: { from: window.from.toISOString(), to: (window.to ?? now).toISOString() },
      next_level: next ? { ...levelRef(next), amount_needed: Math.max(0, next.threshold - value) } : null,
      qualified_at: held ? iso(state.qualified_at) : null,
      period_end: iso(periodEnd),
      review_at: held && state.period_end ? iso(reviewAt(state.period_end, scheme.grace_days)) : null,
      granted_until: held ? iso(state.granted_until) : null,
    };
  }

  const outlook = createTierOutlook({ clock, config, metric });

  return {
    config,
    summary: outlook.summary,
    downgrades: outlook.downgrades,

    /** The level a member holds now, for rules (`tierLookup`) and rewards; null when they hold none. */
    async currentTier(q: Queryable, program: Program, memberId: string) {
      const cfg = await config.get(q, program);
      const level = levelOf(cfg, await tierRow(q, program.id, memberId));
      return level ? { level_id: level.id, name: level.name, rank: level.rank, benefits: level.benefits } : null;
    },

    /**
     * The events hook: after each applied event, in its transaction, upgrade the member if they now qualify. The
     * window is measured as of the event's own occurred_at, so imported history qualifies as it happened.
     */
    async onEvent(ctx: EventContext) {
      const q = ctx.tx.q;
      if (ctx.batch && !batchRows.has(q)) {
        batchRows.set(q, new Map());
        ctx.batch.beforeEnd(async () => void batchRows.delete(q));
        ctx.batch.onAbort(() => batchRows.delete(q));
      }
      const change = await evaluate(ctx.tx.q, ctx.tx.program, ctx.member.id, ctx.occurredAt, ctx.event.id);
      if (!change) return;
      (ctx.result.outcomes ??= []).push({
        kind: 'tier_changed',
        from: change.from_level_id,
        to: change.to_level_id,
        from_name: change.from_name,
        to_name: change.to_name,
        reason: change.reason,
        change_id: change.id,
      });
    },

    /** The ledger's adjustment hook: a manual status-credit adjustment can upgrade the member at once. */
    async onAdjustment(tx: Tx, memberId: string, currency: string) {
      if (currency !== STATUS_CURRENCY) return;
      const cfg = await config.get(tx.q, tx.program);
      if (cfg.scheme?.metric !== 'status_credits') return;
      await evaluate(tx.q, tx.program, memberId, tx.now);
    },

    member: memberView,

    async history(q: Queryable, program: Program, memberId: string, opts: { limit: number; cursor?: string }) {
      await members.get(program.id, memberId, q);
      const rows = await repo.changes(q, program.id, memberId, opts);
      return { data: rows.map(changeView), next_cursor: rows.length === opts.limit ? rows[rows.length - 1]!.id : null };
    },

    /** Puts the member on a level until `until`, whatever their metric; it is reviewed when the grant ends. */
    async grant(q: Queryable, program: Program, memberId: string, g: GrantCreate) {
      const m = await members.get(program.id, memberId, q);
      if (m.status !== 'active') throw unprocessable(`member.${m.status}`, `Member ${memberId} is ${m.status}`, { field: 'member_id' });
      const cfg = await config.get(q, program);
      if (!cfg.scheme) throw conflict('tiers.no_scheme', 'This program has no tier scheme yet: PUT /v1/tiers/scheme', { field: 'scheme' });
      const level = cfg.levels.find((l) => l.id === g.level_id);
      if (!level) throw unprocessable('tiers.level_not_found', `No tier level ${g.level_id}`, { field: 'level_id' });
      const now = clock.now();
      const until = new Date(g.until);
      if (until <= now) throw invalid('tiers.until_in_past', 'until must be in the future', 'until');
      const state = await lockState(q, program.id, memberId, now);
      const from = levelOf(cfg, state.level_id ? state : undefined);
      await setTier(q, program.id, { ...state, level_id: level.id, qualified_at: now, period_end: null, granted_until: until, grant_reason: g.reason, updated_at: now });
      const change = await record(q, program.id, { memberId, from, to: level, reason: 'grant', value: null, note: g.reason, at: now });
      return { ...(await memberView(q, program, memberId)), change: changeView(change) };
    },

    /**
     * Reviews every member whose qualification period (plus grace) or grant has ended by `now`, each in its own
     * transaction. Run by `patron expire` and the in-process maintenance job, next to the ledger's.
     */
    async runMaintenance(opts: { programId?: string; now?: Date } = {}): Promise<TierMaintenanceReport> {
      const now = opts.now ?? clock.now();
      const report: TierMaintenanceReport = { reviewed: 0, downgraded: 0, grants_expired: 0 };
      const programIds = opts.programId ? [opts.programId] : await repo.programsWithScheme(db);
      for (const programId of programIds) {
        const cfg = await config.current(programId);
        if (!cfg.scheme) continue;
        let after = '';
        for (;;) {
          const due = await repo.due(db, programId, now, cfg.scheme.grace_days, after, 200);
          if (due.length === 0) break;
          for (const memberId of due) {
            const r = await db.tx((q) => review(q, programId, cfg, memberId, now));
            report.reviewed++;
            if (r.grantEnded) report.grants_expired++;
            report.downgraded += r.changes.filter((c) => c.reason === 'downgrade' || c.reason === 'expiry').length;
          }
          after = due[due.length - 1]!;
        }
      }
      return report;
    },
  };
}

export type TiersService = ReturnType<typeof createTiersService>;
