import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Global setup of the browser tests: the console they drive is the built one (web/dist/admin), so it is
// built here, once per run, when it is missing or older than any source under web/ (or the Vite config).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILT = join(ROOT, 'web', 'dist', 'admin', 'index.html');

/** The newest modification time of the web sources, skipping build output. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function buildWeb(): void {
  const web = join(ROOT, 'web');
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  if (!existsSync(web) || !scripts['build:web']) return;
  const configs = readdirSync(ROOT).filter((f) => /^vite\.config\.[cm]?[jt]s$/.test(f)).map((f) => statSync(join(ROOT, f)).mtimeMs);
  const sources = Math.max(newestSource(web), ...configs);
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= sources) return;
  process.stderr.write('Building the console for the browser tests (npm run build:web)…\n');
  const run = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) throw new Error(`npm run build:web failed (${run.status ?? run.signal}); the browser tests need the built console`);
}
