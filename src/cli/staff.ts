import { Command, InvalidArgumentError } from 'commander';
import type { Services } from '../main.js';
import type { Config } from '../platform/config.js';
import { invalid, notFound } from '../platform/errors.js';
import type { Principal } from '../modules/programs/index.js';
import { Role, setupUrl, StaffCreate, type Staff } from '../modules/staff/index.js';
import { withServices } from './context.js';
import { out, printJson, printTable, shortTime } from './output.js';
import { baseUrl } from './serve.js';

function parseRole(raw: string): Role {
  const parsed = Role.safeParse(raw);
  if (!parsed.success) throw new InvalidArgumentError(`one of ${Role.options.join(', ')}`);
  return parsed.data;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The workspace a command acts on: the one named, else the first one there is. */
async function workspaceOf(services: Services, named: string | undefined): Promise<string> {
  if (named) return named;
  const first = await services.programs.firstWorkspace();
  if (!first) throw notFound('workspace.not_found', 'There is no workspace yet: start `patron serve` once and it creates one', 'workspace');
  return first;
}

/** Links point at PATRON_PUBLIC_URL, else at the address `patron serve` listens on. */
const linkBase = (config: Config) => config.publicUrl ?? baseUrl(config.host, config.port);

/** The command line acts as the operator of the installation: an owner. */
const operator = (workspaceId: string): Principal => ({
  kind: 'key',
  keyId: 'cli',
  label: 'patron staff (command line)',
  workspaceId,
  programId: null,
  scopes: ['admin'],
  role: 'owner',
});

const programsOf = (s: Staff) => (s.program_ids ? s.program_ids.join(',') : '(all programs)');

export function staffCommand(): Command {
  const staff = new Command('staff').description('Staff users of the console: create, reset a password, list');

  staff
    .command('create')
    .description('Create a staff user and print a one-time link (7 days) to set the password')
    .requiredOption('--email <email>', 'their email, which they sign in with')
    .requiredOption('--role <role>', `one of ${Role.options.join(', ')}`, parseRole)
    .option('--program <id>', 'limit them to this program (prg_…); repeat for several; default: every program', collect)
    .option('--name <name>', 'their name, as the console shows it')
    .option('--workspace <id>', 'the workspace (wsp_…); default: the first workspace')
    .option('--json', 'print the staff user and the link as JSON')
    .action(async (opts: { email: string; role: Role; program?: string[]; name?: string; workspace?: string; json?: boolean }) => {
      const input = StaffCreate.safeParse({ email: opts.email, role: opts.role, name: opts.name, program_ids: opts.program ?? null });
      if (!input.success) {
        const issue = input.error.issues[0]!;
        const field = String(issue.path[0] ?? 'email');
        throw invalid(`validation.${issue.code}`, `--${field === 'program_ids' ? 'program' : field}: ${issue.message}`, field);
      }
      await withServices('staff create', async ({ config, services }) => {
        const workspaceId = await workspaceOf(services, opts.workspace);
        const made = await services.staff.create(operator(workspaceId), { ...input.data, workspaceId });
        const url = setupUrl(linkBase(config), made.token);
        if (opts.json) return printJson({ staff: made.staff, setup_url: url });
        out(`Created staff user ${made.staff.id} ${made.staff.email} (${made.staff.role}) in workspace ${workspaceId}`);
        out(`  programs: ${programsOf(made.staff)}`);
        out('');
        out('Send them this one-time link to set their password (valid 7 days):');
        out('');
        out(`    ${url}`);
        out('');
      });
    });

  staff
    .command('reset-password')
    .description('Print a new one-time link (24 hours) for a staff user to set a password')
    .requiredOption('--email <email>', 'the staff user')
    .option('--workspace <id>', 'the workspace (wsp_…); default: the first workspace')
    .option('--json', 'print the link as JSON')
    .action(async (opts: { email: string; workspace?: string; json?: boolean }) => {
      await withServices('staff reset-password', async ({ config, services }) => {
        const workspaceId = await workspaceOf(services, opts.workspace);
        const url = setupUrl(linkBase(config), await services.staff.resetByEmail(workspaceId, opts.email));
        if (opts.json) return printJson({ setup_url: url });
        out(`A one-time link for ${opts.email.trim().toLowerCase()} to set a new password (valid 24 hours):`);
        out('');
        out(`    ${url}`);
        out('');
      });
    });

  staff
    .command('list')
    .description('List the staff users of a workspace')
    .option('--workspace <id>', 'the workspace (wsp_…); default: the first workspace')
    .option('--json', 'print them as JSON')
    .action(async (opts: { workspace?: string; json?: boolean }) => {
      await withServices('staff list', async ({ services }) => {
        const workspaceId = await workspaceOf(services, opts.workspace);
        const all: Staff[] = [];
        let cursor: string | undefined;
        do {
          const page = await services.staff.list(workspaceId, { cursor, limit: 200 });
          all.push(...page.data);
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        if (opts.json) return printJson({ workspace_id: workspaceId, data: all });
        if (!all.length) return out(`No staff users in workspace ${workspaceId}.`);
        out(`Staff users of workspace ${workspaceId}:`);
        out('');
        printTable(
          ['id', 'email', 'name', 'role', 'programs', 'disabled', 'last sign-in'],
          all.map((s) => [s.id, s.email, s.name, s.role, programsOf(s), s.disabled ? 'yes' : '', shortTime(s.last_sign_in_at)]),
        );
      });
    });

  return staff;
}
