import { Command } from 'commander';
import { withServices } from './context.js';
import { out, printJson, progress } from './output.js';

export function expireCommand(): Command {
  return new Command('expire')
    .description('Run the maintenance once: release matured pending points, expire lots and stale holds, review tiers')
    .option('--program <id>', 'this program only (prg_…); default: every program')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      [
        '',
        '`patron serve` runs the same maintenance every PATRON_JOBS_INTERVAL seconds; this runs it now.',
        'On the embedded database (PGlite) stop `patron serve` first: only one process can open it.',
      ].join('\n'),
    )
    .action(async (opts: { program?: string; json?: boolean }) => {
      await withServices('expire', async ({ services }) => {
        if (opts.program) await services.programs.program(opts.program);
        progress(`Running the ledger maintenance of ${opts.program ? `program ${opts.program}` : 'every program'}…`);
        const r = await services.ledger.runMaintenance({ programId: opts.program });
        const tiers = await services.tiers.runMaintenance({ programId: opts.program });
        const rewards = await services.rewards.runMaintenance({ programId: opts.program });
        if (opts.json) return printJson({ ...r, tiers, rewards });
        out('Maintenance done:');
        out(`  pending points released  ${r.released_points} points in ${r.released_lots} lot${r.released_lots === 1 ? '' : 's'}`);
        out(`  points expired           ${r.expired_points} points in ${r.expired_lots} lot${r.expired_lots === 1 ? '' : 's'}`);
        out(`  holds expired            ${r.expired_holds}`);
        out(`  idempotency records      ${r.idempotency_records_purged} expired, deleted`);
        if (r.held_out_of_range > 0) out(`  held back                ${r.held_out_of_range} (would pass ±(2^53 − 1) points; tried again next run)`);
        out(`  tier reviews             ${tiers.reviewed} (${tiers.downgraded} level${tiers.downgraded === 1 ? '' : 's'} dropped, ${tiers.grants_expired} grant${tiers.grants_expired === 1 ? '' : 's'} ended)`);
        out(`  reward reservations      ${rewards.expired_reservations} expired, stock returned`);
      });
    });
}
