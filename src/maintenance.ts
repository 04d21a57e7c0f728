import { refreshStatistics } from './platform/statistics.js';
import type { Services } from './main.js';
import type { Logger } from './platform/logger.js';
import { processOwner, runRound, type RoundOutcome } from './platform/rounds.js';

/**
 * The periodic work of `patron serve`, shared by every server on the database: each round runs in one
 * process only (runRound: an advisory lock, and at most once per interval by the database's clock), so two
 * servers neither release and expire points twice over nor fit the daily scores twice.
 */
export function createMaintenance(services: Services, log: Logger, opts: { everyMs: number }) {
  const owner = processOwner();
  const logSkip = (name: string, r: RoundOutcome<unknown>) => {
    if (!r.ran) log.debug({ job: name, reason: r.reason, by: r.owner, started_at: r.started_at?.toISOString() }, `${name} round skipped: another process ran it`);
  };
  return {
    owner,
    /** The ledger maintenance (pending release, expiry, stale holds), tier reviews, reward reservations and old event refusals. */
    async maintenance() {
      const r = await runRound(services.db, { name: 'maintenance', everyMs: opts.everyMs, owner }, async () => {
        const ledger = await services.ledger.runMaintenance();
        const tiers = await services.tiers.runMaintenance();
        const rewards = await services.rewards.runMaintenance();
        const events = await services.refusals.prune();
        // What autovacuum does on PostgreSQL: the planner's statistics of the tables that grew much (PGlite).
        await refreshStatistics(services.db);
        return { ledger, tiers, rewards, events };
      });
      if (r.ran) {
        const { ledger, tiers, rewards, events } = r.value;
        const did =
          Object.values(ledger).some((n) => n > 0) || tiers.downgraded > 0 || tiers.grants_expired > 0 || rewards.expired_reservations > 0 || events.refusals_deleted > 0;
        log[did ? 'info' : 'debug']({ job: 'maintenance', owner, ...ledger, tiers, rewards, events }, 'maintenance round done');
      } else logSkip('maintenance', r);
      return r;
    },
    /**
     * The daily refit of member scores, a round of its own so that a long fit never holds up the release
     * and expiry of points.
     */
    async dailyRefit() {
      const r = await runRound(services.db, { name: 'analytics.daily', everyMs: opts.everyMs, owner }, () => services.analyticsJobs.refreshDaily());
      if (r.ran) for (const done of r.value) log.info({ job: 'analytics.daily', owner, ...done }, 'daily member scores (RFM, churn risk, CLV)');
      else logSkip('analytics.daily', r);
      return r;
    },
    /** The co-purchase models that are a day old and have new orders, made again (a round of its own: it reads every order). */
    async recommendations() {
      const r = await runRound(services.db, { name: 'recommendations', everyMs: opts.everyMs, owner }, () => services.recommendations.refreshDue());
      if (r.ran) for (const done of r.value) log.info({ job: 'recommendations', owner, ...done }, 'co-purchase recommendations refreshed');
      else logSkip('recommendations', r);
      return r;
    },
  };
}
