import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../platform/errors.js';
import { errnoCode } from './output.js';

export interface DataDirLock {
  file: string;
  release(): void;
}

interface Holder {
  pid: number;
  command: string;
  started_at: string;
}

const LOCK_FILE = 'pglite.lock';

function readHolder(file: string): Holder | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'pid' in parsed && typeof parsed.pid === 'number') {
      const command = 'command' in parsed ? String(parsed.command) : '?';
      const started_at = 'started_at' in parsed ? String(parsed.started_at) : '';
      return { pid: parsed.pid, command, started_at };
    }
  } catch {
    /* missing or unreadable: nobody we can name holds it */
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

/**
 * PGlite runs inside one process and does not notice a second process opening the same files, which
 * would corrupt them. Every `patron` command that opens the embedded database first takes this lock:
 * a file naming its process, created atomically (link fails if it exists). A lock whose process is gone
 * (a crash, kill -9) is taken over.
 */
export function lockDataDir(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const me: Holder = { pid: process.pid, command, started_at: new Date().toISOString() };
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, `${JSON.stringify(me)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(draft, file);
        const release = () => {
          process.off('exit', release);
          if (readHolder(file)?.pid === process.pid) unlinkSync(file);
        };
        process.on('exit', release);
        return { file, release };
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
        const holder = readHolder(file);
        if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
          throw new AppError(
            'conflict',
            'db.in_use',
            `The embedded database in ${dataDir} is in use by another process (pid ${holder.pid}: patron ${holder.command}` +
              `${holder.started_at ? `, since ${holder.started_at}` : ''}). PGlite serves one process at a time: stop that ` +
              `process first, or run on PostgreSQL with DATABASE_URL. If no patron process is running, delete ${file}`,
          );
        }
        try {
          unlinkSync(file);
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw err;
        }
      }
    }
    throw new AppError('conflict', 'db.in_use', `Could not lock the embedded database in ${dataDir}; try again`);
  } finally {
    unlinkSync(draft);
  }
}
