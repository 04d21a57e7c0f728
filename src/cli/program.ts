import { Command, CommanderError } from 'commander';
import { ZodError } from 'zod';
import { VERSION } from '../main.js';
import { isAppError } from '../platform/errors.js';
import { demoCommand } from './demo.js';
import { expireCommand } from './expire.js';
import { importCommand } from './import.js';
import { keysCommand } from './keys.js';
import { staffCommand } from './staff.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { verifyCommand } from './verify.js';
import { streamCommand, workerCommand } from './worker.js';
import { analyticsCommand } from './analytics.js';
import { recommendCommand } from './recommend.js';

/** Exit statuses: 0 done, 1 the command failed (or `verify` found a breach), 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command('patron')
    .description('Patron, the open-source loyalty platform: members, a double-entry points ledger, events.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      [
        '',
        'Every command uses PostgreSQL when DATABASE_URL is set, else the embedded PGlite database in',
        '$PATRON_DATA_DIR/pglite (default ./data/pglite), which only one process can open at a time.',
        'Run `patron <command> --help` for the options of each command.',
      ].join('\n'),
    );
  for (const cmd of [serveCommand(), migrateCommand(), keysCommand(), staffCommand(), verifyCommand(), expireCommand(), importCommand(), demoCommand(), workerCommand(), streamCommand(), analyticsCommand(), recommendCommand()]) {
    program.addCommand(cmd);
  }
  // Commands built on their own do not inherit the program's settings (exit override, help after errors).
  const inherit = (parent: Command) => {
    for (const child of parent.commands) {
      child.copyInheritedSettings(parent);
      inherit(child);
    }
  };
  inherit(program);
  return program;
}

/** Runs the command line and answers its exit status; an error is printed as `error: <message> (<code>)`. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    // Commander has already printed its message (or the help / version asked for).
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // Input the command passed on to a schema and that it refused: a usage error, said in one line.
    if (e instanceof ZodError) {
      const issue = e.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      process.stderr.write(`error: ${where}${issue?.message ?? 'invalid input'}\n(add --help for usage)\n`);
      return EXIT.usage;
    }
    if (isAppError(e)) {
      process.stderr.write(`error: ${e.message} (${e.code})\n`);
      return EXIT.failed;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`error: ${err.message}\n`);
    if (/^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '')) process.stderr.write(`${err.stack ?? ''}\n`);
    else process.stderr.write('(unexpected: run again with LOG_LEVEL=debug to see where it came from)\n');
    return EXIT.failed;
  }
}
