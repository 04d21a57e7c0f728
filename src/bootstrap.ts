import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from './main.js';

export interface FirstRun {
  workspaceId: string;
  programId: string;
  /** Set only on the run that created the workspace: the admin key, shown once. */
  adminKey?: string;
  adminKeyFile?: string;
}

/**
 * On the first start against an empty database: a workspace, a program, and a workspace-wide admin key,
 * written to `<dataDir>/admin-key` (mode 0600) so it can be read again by its owner.
 */
export async function ensureFirstRun(services: Services, dataDir: string, env = process.env): Promise<FirstRun> {
  const existing = await services.programs.firstWorkspace();
  if (existing) {
    const [program] = await services.programs.listPrograms(existing);
    return { workspaceId: existing, programId: program?.id ?? '' };
  }
  const workspaceId = await services.programs.createWorkspace(env.PATRON_WORKSPACE_NAME || 'My workspace');
  const program = await services.programs.createProgram(workspaceId, {
    name: env.PATRON_PROGRAM_NAME || 'My loyalty program',
    currency: env.PATRON_PROGRAM_CURRENCY || 'GBP',
  });
  const key = await services.programs.createKey({ workspaceId, programId: null, name: 'first admin key', scopes: ['admin'] });
  mkdirSync(dataDir, { recursive: true });
  const adminKeyFile = join(dataDir, 'admin-key');
  writeFileSync(adminKeyFile, `${key.secret}\n`, { mode: 0o600 });
  return { workspaceId, programId: program.id, adminKey: key.secret, adminKeyFile };
}

/** Where the owner's one-time console link waits, readable only by the one who runs Patron, until it is used. */
export const ownerSetupFile = (dataDir: string) => join(dataDir, 'owner-setup-url');

/**
 * The owner's first password: a workspace without an owner gets one (no password yet), and while it has none,
 * each start makes a new one-time link. Answers the link's token, or undefined once the owner has a password.
 */
export function ensureOwnerSetup(services: Services, workspaceId: string, email: string): Promise<string | undefined> {
  return services.staff.ensureOwner(workspaceId, email);
}

/** Writes the link to `<dataDir>/owner-setup-url` (0600), or removes the file when there is no link. */
export function writeOwnerSetupUrl(dataDir: string, url: string | undefined): void {
  const file = ownerSetupFile(dataDir);
  if (!url) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dataDir, { recursive: true });
  rmSync(file, { force: true });
  writeFileSync(file, `${url}\n`, { mode: 0o600 });
}
