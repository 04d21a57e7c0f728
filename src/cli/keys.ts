import { Command, InvalidArgumentError } from 'commander';
import type { Services } from '../main.js';
import { invalid, notFound } from '../platform/errors.js';
import { KeyCreate, Scope, type ApiKey } from '../modules/programs/index.js';
import { withServices } from './context.js';
import { out, printJson, printTable, shortTime } from './output.js';

function parseScopes(raw: string): Scope[] {
  const scopes = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!scopes.length) throw new InvalidArgumentError(`Give one or more of ${Scope.options.join(', ')}, separated by commas.`);
  return scopes.map((s) => {
    const parsed = Scope.safeParse(s);
    if (!parsed.success) throw new InvalidArgumentError(`Unknown scope "${s}"; the scopes are ${Scope.options.join(', ')}.`);
    return parsed.data;
  });
}

/** The workspace a command acts on: the one named, else the program's, else the first one there is. */
async function resolveWorkspace(services: Services, opts: { workspace?: string; program?: string }): Promise<string> {
  if (opts.workspace) return opts.workspace;
  if (opts.program) return (await services.programs.program(opts.program)).workspace_id;
  const first = await services.programs.firstWorkspace();
  if (!first) throw notFound('workspace.not_found', 'There is no workspace yet: start `patron serve` once and it creates one', 'workspace');
  return first;
}

const programOf = (k: ApiKey) => k.program_id ?? '(all programs)';

export function keysCommand(): Command {
  const keys = new Command('keys').description('Create, list and revoke API keys');

  keys
    .command('create')
    .description('Create an API key and print its secret, once')
    .requiredOption('--name <name>', 'what the key is for, e.g. "checkout" or "pos-store-12"')
    .requiredOption('--scopes <scopes>', 'comma-separated, from admin, server, read (admin ⊃ server ⊃ read)', parseScopes)
    .option('--program <id>', 'limit the key to this program (prg_…); default: every program of the workspace')
    .option('--workspace <id>', "the key's workspace (wsp_…); default: the program's, else the first workspace")
    .option('--json', 'print the key as JSON')
    .action(async (opts: { name: string; scopes: Scope[]; program?: string; workspace?: string; json?: boolean }) => {
      const input = KeyCreate.safeParse({ name: opts.name, scopes: opts.scopes, program_id: opts.program ?? null });
      if (!input.success) {
        const issue = input.error.issues[0]!;
        throw invalid(`validation.${issue.code}`, `--${String(issue.path[0] ?? 'name')}: ${issue.message}`, String(issue.path[0] ?? ''));
      }
      await withServices('keys create', async ({ services }) => {
        const workspaceId = await resolveWorkspace(services, opts);
        const key = await services.programs.createKey({
          workspaceId,
          programId: input.data.program_id ?? null,
          name: input.data.name,
          scopes: input.data.scopes,
        });
        if (opts.json) return printJson(key);
        out(`Created API key ${key.id} "${key.name}" in workspace ${key.workspace_id}`);
        out(`  program: ${programOf(key)}`);
        out(`  scopes:  ${key.scopes.join(', ')}`);
        out('');
        out('Its secret, shown this once (Patron keeps only a hash):');
        out('');
        out(`    ${key.secret}`);
        out('');
      });
    });

  keys
    .command('list')
    .description('List the API keys of a workspace (never their secrets)')
    .option('--workspace <id>', 'the workspace (wsp_…); default: the first workspace')
    .option('--program <id>', 'only the keys limited to this program (prg_…)')
    .option('--json', 'print the keys as JSON')
    .action(async (opts: { workspace?: string; program?: string; json?: boolean }) => {
      await withServices('keys list', async ({ services }) => {
        const workspaceId = await resolveWorkspace(services, opts);
        const list = await services.programs.listKeys(workspaceId, opts.program);
        if (opts.json) return printJson({ workspace_id: workspaceId, data: list });
        if (!list.length) return out(`No API keys in workspace ${workspaceId}${opts.program ? ` for program ${opts.program}` : ''}.`);
        out(`API keys of workspace ${workspaceId}:`);
        out('');
        printTable(
          ['id', 'name', 'program', 'scopes', 'created', 'revoked', 'last used'],
          list.map((k) => [
            k.id,
            k.name,
            programOf(k),
            k.scopes.join(','),
            shortTime(k.created_at),
            shortTime(k.revoked_at),
            shortTime(k.last_used_at),
          ]),
        );
      });
    });

  keys
    .command('revoke')
    .description('Revoke an API key: every call made with it is refused from then on')
    .argument('<key_id>', 'the key to revoke (key_…), as `patron keys list` shows it')
    .option('--json', 'print the revoked key as JSON')
    .addHelpText('after', '\nA server running in another process may accept the key for up to 5 more seconds (its key cache).')
    .action(async (keyId: string, opts: { json?: boolean }) => {
      await withServices('keys revoke', async ({ services }) => {
        const before = await services.programs.getKey(keyId);
        if (!before) throw notFound('key.not_found', `No API key ${keyId}`, 'key_id');
        const key = await services.programs.revokeKey(keyId);
        if (opts.json) return printJson(key);
        if (before.revoked_at) out(`API key ${key.id} "${key.name}" was already revoked (at ${key.revoked_at}).`);
        else out(`Revoked API key ${key.id} "${key.name}".`);
      });
    });

  return keys;
}
