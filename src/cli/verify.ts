import { Command } from 'commander';
import { withServices } from './context.js';
import { out, printJson, progress } from './output.js';

export function verifyCommand(): Command {
  return new Command('verify')
    .description("Check every invariant of the ledger; exit 1 if any is broken")
    .option('--program <id>', 'check this program only (prg_…); default: every program')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Checks, among others, that every transaction sums to zero and that every cached balance equals its postings.',
        'Exit status: 0 when every check passes, 1 on any breach or error.',
        'On the embedded database (PGlite) stop `patron serve` first: only one process can open it.',
      ].join('\n'),
    )
    .action(async (opts: { program?: string; json?: boolean }) => {
      await withServices('verify', async ({ services }) => {
        if (opts.program) await services.programs.program(opts.program);
        progress(`Verifying the ledger of ${opts.program ? `program ${opts.program}` : 'every program'}…`);
        const report = await services.ledger.verify({ programId: opts.program });
        if (!report.ok) process.exitCode = 1;
        if (opts.json) return printJson(report);
        out(`Checked ${report.programs} program${report.programs === 1 ? '' : 's'}:`);
        for (const check of report.checks) {
          out(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}: ${check.description}${check.ok ? '' : ` (${check.violations} violation${check.violations === 1 ? '' : 's'})`}`);
          if (!check.ok) for (const example of check.examples) out(`          ${JSON.stringify(example)}`);
        }
        const failed = report.checks.filter((c) => !c.ok);
        out(
          report.ok
            ? `The ledger is consistent: ${report.checks.length} check${report.checks.length === 1 ? '' : 's'} passed.`
            : `BREACH: ${failed.length} of ${report.checks.length} checks failed (${failed.reduce((n, c) => n + c.violations, 0)} violations).`,
        );
      });
    });
}
