import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `.ci/check-migrations`, which `.ci/run` runs first, on a scratch repository of its own: the script and the
// migrations committed as on main, then the changes a contributor might make.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratchRepo(): { git(...args: string[]): void; check(): { code: number | null; stderr: string }; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'patron-ci-'));
  dirs.push(dir);
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd: dir, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  };
  mkdirSync(join(dir, '.ci'));
  cpSync(join(ROOT, '.ci', 'check-migrations'), join(dir, '.ci', 'check-migrations'));
  cpSync(join(ROOT, 'migrations'), join(dir, 'migrations'), { recursive: true });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'main as it is');
  const check = () => {
    const r = spawnSync(join(dir, '.ci', 'check-migrations'), [], { cwd: dir, env, encoding: 'utf8' });
    return { code: r.status, stderr: r.stderr };
  };
  return { git, check, dir };
}

describe('.ci/check-migrations', () => {
  it('passes main as it is and a new migration', () => {
    const repo = scratchRepo();
    expect(repo.check().code).toBe(0);
    writeFileSync(join(repo.dir, 'migrations', '9999_new.sql'), 'select 1;\n');
    expect(repo.check().code).toBe(0);
    repo.git('add', '.');
    repo.git('commit', '-qm', 'a new migration');
    expect(repo.check().code).toBe(0);
  });

  it('refuses an edit to a migration on main, in the work tree and once committed', () => {
    const repo = scratchRepo();
    appendFileSync(join(repo.dir, 'migrations', '0001_core.sql'), '-- an afterthought\n');
    const dirty = repo.check();
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toMatch(/^FAIL: the working tree changes a committed migration:\nM\tmigrations\/0001_core\.sql$/m);
    repo.git('commit', '-qam', 'edit 0001');
    const committed = repo.check();
    expect(committed.code).toBe(1);
    expect(committed.stderr).toMatch(/FAIL: history changes a migration that was already on main:\ncommit \w+ edit 0001\n\nM\tmigrations\/0001_core\.sql/);
  });

  it('refuses a migration deleted or renamed, and an edit that arrives in a merge', () => {
    const repo = scratchRepo();
    repo.git('mv', 'migrations/0002_rules.sql', 'migrations/0002_renamed.sql');
    repo.git('commit', '-qm', 'rename');
    expect(repo.check().stderr).toMatch(/R100\tmigrations\/0002_rules\.sql\tmigrations\/0002_renamed\.sql/);
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    repo.git('rm', '-q', 'migrations/0003_tiers.sql');
    expect(repo.check().stderr).toMatch(/D\tmigrations\/0003_tiers\.sql/);
    repo.git('reset', '-q', '--hard');
    repo.git('checkout', '-q', '-b', 'side');
    appendFileSync(join(repo.dir, 'migrations', '0004_rewards.sql'), '-- on a branch\n');
    repo.git('commit', '-qam', 'edit 0004 on a branch');
    repo.git('checkout', '-q', 'main');
    repo.git('merge', '-q', '--no-ff', '--no-edit', 'side');
    const merged = repo.check();
    expect(merged.code).toBe(1);
    expect(merged.stderr).toMatch(/M\tmigrations\/0004_rewards\.sql/);
  });

  it('accepts a migration added and then fixed on a branch before it is merged', () => {
    const repo = scratchRepo();
    repo.git('checkout', '-q', '-b', 'side');
    writeFileSync(join(repo.dir, 'migrations', '9999_new.sql'), 'select 1;\n');
    repo.git('add', '.');
    repo.git('commit', '-qm', 'add 9999');
    appendFileSync(join(repo.dir, 'migrations', '9999_new.sql'), 'select 2;\n');
    repo.git('commit', '-qam', 'fix 9999 before review ends');
    repo.git('checkout', '-q', 'main');
    repo.git('merge', '-q', '--no-ff', '--no-edit', 'side');
    expect(repo.check().code).toBe(0);
  });
});
