import { Command } from 'commander';
import { cliConfig, describeDatabase, openForCommand } from './context.js';
import { out, progress } from './output.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply the database migrations not yet applied (serve also applies them at start-up)')
    .addHelpText('after', '\nSafe to run while other processes start: on PostgreSQL a lock makes them take turns.')
    .action(async () => {
      const config = cliConfig();
      progress(`Migrating ${describeDatabase(config)}…`);
      const { migration, close } = await openForCommand(config, 'migrate');
      await close();
      if (migration.applied.length) {
        for (const version of migration.applied) out(`applied ${version}`);
        out(`Applied ${migration.applied.length} migration${migration.applied.length > 1 ? 's' : ''}; the schema is at ${migration.current}.`);
      } else {
        out(`The schema is up to date (${migration.current ?? 'no migrations'}).`);
      }
    });
}
