import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices, openDatabase } from '../main.js';
import { loadConfig } from '../platform/config.js';
import { cleanupCli, installation, ON_POSTGRES, scratchDatabase, seedProgram, SLOW, type Env } from '../../test/cli.js';

// What the commands print, as a shell pipeline meets it: a reader that stops early (`| head -1`).

afterAll(cleanupCli);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs `patron args` with stdout piped to a reader that takes the first line and closes the pipe, as
 * `head -1` does; answers that line, the exit status and stderr.
 */
function headOne(args: string[], env: Env): Promise<{ first: string; code: number | null; stderr: string }> {
  return new Promise((res, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'patron.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let first: string | undefined;
    let buffered = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      if (first !== undefined) return;
      buffered += d.toString();
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      first = buffered.slice(0, nl);
      child.stdout.destroy();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => res({ first: first ?? '', code, stderr }));
  });
}

describe('output into a pipe that closes early', () => {
  it('`patron keys list | head -1` prints the first line and exits 0, without a stack trace', SLOW, async () => {
    const { env } = installation(ON_POSTGRES ? { databaseUrl: await scratchDatabase() } : {});
    const { workspaceId } = await seedProgram(env);
    // Far more output than a pipe holds (64 KiB) and than one read takes: the writer is still writing when
    // the reader goes.
    const db = await openDatabase(loadConfig(env));
    try {
      const services = createServices({ db });
      for (let i = 0; i < 160; i++) {
        await services.programs.createKey({ workspaceId, programId: null, name: `key ${i} ${'x'.repeat(1500)}`, scopes: ['read'] });
      }
    } finally {
      await db.close();
    }
    for (const args of [['keys', 'list', '--workspace', workspaceId], ['keys', 'list', '--workspace', workspaceId, '--json']]) {
      const r = await headOne(args, env);
      expect(r.first).toMatch(args.includes('--json') ? /^\{$/ : new RegExp(`^API keys of workspace ${workspaceId}:$`));
      expect(r.stderr).not.toMatch(/EPIPE|Error|at .+:\d+:\d+/);
      expect(r.code, r.stderr).toBe(0);
    }
  });
});
