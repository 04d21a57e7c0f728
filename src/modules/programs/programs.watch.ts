import type { Db } from '../../platform/db.js';
import type { Logger } from '../../platform/logger.js';
import { CONFIG_CHANNEL } from './programs.config.js';

/** How often a process compares what it holds with the database: a missed NOTIFY lasts at most this long. */
export const CHECK_EVERY_MS = 500;

export interface Watched {
  /** A configuration version heard of, from a NOTIFY or the poll. */
  onProgram(programId: string, version: number): void;
  onKeyRevoked(keyId: string): void;
  /** The cheap read: versions of the programs held, revocations among the keys held. Runs every CHECK_EVERY_MS. */
  check(): Promise<void>;
}

/**
 * Keeps this process's configuration and keys in step with the other processes on the same PostgreSQL: a LISTEN
 * on the configuration channel hears each change as it commits, and a poll every CHECK_EVERY_MS (only of what
 * the process holds in memory, never per event) catches what a dropped connection made it miss. PGlite serves
 * one process, whose own writes update it directly, so there this does nothing.
 */
/** The database was closed under the watcher (the process is ending): nothing to tell anyone. */
const closing = (err: unknown) => /^CONNECTION_(ENDED|DESTROYED|CLOSED)$/.test(String((err as { code?: unknown } | null)?.code));

export function watchChanges(deps: { db: Db; log?: Logger } & Watched) {
  const { db, log } = deps;
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;

  function onMessage(payload: string) {
    const [kind, id, version] = payload.split(' ');
    if (kind === 'program' && id && version && /^\d+$/.test(version)) deps.onProgram(id, Number(version));
    else if (kind === 'key' && id) deps.onKeyRevoked(id);
  }

  function check(): Promise<void> {
    checking ??= deps
      .check()
      .catch((err: unknown) => {
        if (!stopped && !closing(err)) log?.warn({ err }, 'could not compare the configuration held with the database');
      })
      .finally(() => (checking = undefined));
    return checking;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => void check().finally(schedule), CHECK_EVERY_MS);
    // A one-shot command ends when its work does, not when this says so.
    timer.unref();
  }

  return {
    /** Starts listening and polling (once; on PGlite, never). */
    start() {
      if (started || !db.listen) return;
      started = true;
      // Each (re)connection of the listener may have missed notifications: compare at once.
      db.listen(CONFIG_CHANNEL, onMessage, () => void check()).catch((err: unknown) => {
        if (!stopped && !closing(err)) log?.warn({ err }, 'could not listen for configuration changes; relying on the version poll');
      });
      schedule();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
