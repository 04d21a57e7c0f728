import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A clone of the repository with nothing beside it must run its tests, its demo and its benchmarks: the
// data they read is carried in datasets/ and committed, and no code reaches for a folder next to the checkout
// (the project once read the shared data folder beside the checkout, which exists only on the machines it was written on).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CODE_DIRS = ['src', 'test', 'bench', 'bin', 'web'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    // web/dist is the console's build output, not code anyone writes.
    if (name === 'dist' || name === 'node_modules') return [];
    return statSync(path).isDirectory() ? files(path) : /\.(tsx?|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

describe('a clone that stands alone', () => {
  it('has no code that reads a folder beside the checkout', () => {
    // A relative path up to the neighbouring shared folder, as a string or as path.join parts: it leaves the repository.
    const outside = /\.\.\/+shared\b|['"]\.\.['"]\s*,\s*['"]shared['"]/;
    const self = fileURLToPath(import.meta.url);
    const offenders = CODE_DIRS.flatMap((d) => files(join(ROOT, d)))
      .filter((f) => f !== self)
      .filter((f) => outside.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('carries the data sets its tests and demo read, committed rather than ignored', () => {
    const wanted = [
      'datasets/README.md',
      'datasets/online-retail/online-retail.csv.gz',
      'datasets/cdnow/CDNOW_master.txt',
      'datasets/cdnow/CDNOW_sample.txt',
      'datasets/cdnow/cdnow_customers_summary.csv',
      'datasets/cdnow/cdnow_customers_summary_with_transactions.csv',
    ];
    expect(wanted.filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
    // `git check-ignore` exits 1 when no rule ignores a path: a clone would then receive it.
    const ignored = spawnSync('git', ['check-ignore', '--no-index', ...wanted], { cwd: ROOT, encoding: 'utf8' });
    expect(ignored.status, ignored.stderr).toBe(1);
    expect(ignored.stdout).toBe('');
    // Their sources and licences are written beside them.
    const readme = readFileSync(join(ROOT, 'datasets/README.md'), 'utf8');
    expect(readme).toMatch(/CC BY 4\.0/);
    expect(readme).toMatch(/MIT/);
    // The gzip magic: the file is the data itself, not a Git LFS pointer or a placeholder.
    expect(readFileSync(join(ROOT, 'datasets/online-retail/online-retail.csv.gz')).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });
});
