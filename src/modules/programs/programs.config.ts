import { afterCommit, type Db, type Queryable } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import type { Program } from './programs.contract.js';
import { programsRepo } from './programs.repo.js';

/** The NOTIFY channel of configuration changes: `program <id> <version>` and `key <id>` (a revoked API key). */
export const CONFIG_CHANNEL = 'patron_config';

/**
 * One program's configuration as it was at one version, never changed: its settings (the program) and the part
 * each module contributes (rules, tiers, stamp cards, referral settings). A newer version is a new snapshot,
 * swapped in whole, so whoever holds this one — a request, a transaction — reads one configuration throughout.
 */
export interface ConfigSnapshot {
  readonly programId: string;
  /** `programs.config_version` when it was read. */
  readonly version: number;
  readonly program: Program;
}

/** A module's piece of every snapshot, read by its loader when the snapshot is made. */
export interface ConfigPart<T> {
  readonly name: string;
  /** The part as it is in `snapshot`. */
  of(snapshot: ConfigSnapshot): T;
}

interface Entry {
  snapshot?: ConfigSnapshot;
  /** The read under way outside any transaction, which callers without one share. */
  loading?: Promise<ConfigSnapshot>;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * The configuration snapshots of the programs this process uses, one per program, and the only configuration
 * cache there is. A snapshot is replaced when this process commits a configuration write (`bump`), when another
 * process's write is heard of (`heard`: a NOTIFY, or the version poll of `programs.watch.ts`), and otherwise
 * kept, so the hot path reads configuration from memory only.
 */
export function createConfigStore(deps: { db: Db }) {
  const { db } = deps;
  const repo = programsRepo(db);
  const loaders: { name: string; load: (q: Queryable, snapshot: ConfigSnapshot) => Promise<void> }[] = [];
  const entries = new Map<string, Entry>();
  /** The newest committed version heard of per program: a snapshot older than that is not kept. */
  const newest = new Map<string, number>();
  /** Where each snapshot's program came from: the program a request holds finds its snapshot again. */
  const ofProgram = new WeakMap<Program, ConfigSnapshot>();
  /** Transactions that wrote configuration and have not committed: what they read is nobody else's yet. */
  const writing = new WeakSet<Queryable>();
  /** Bumped whenever a snapshot is dropped, so a read that raced a change does not put old data back. */
  let generation = 0;

  function drop(programId: string) {
    entries.delete(programId);
    generation++;
  }

  /** Reads the program and every part on `q` (the caller's transaction, when it has one open). */
  async function read(q: Queryable, programId: string): Promise<ConfigSnapshot> {
    const head = await repo.programAt(programId, q);
    if (!head) throw notFound('program.not_found', `No program ${programId}`, 'program_id');
    // The version is read before the parts, so no part is older than the version it is tagged with.
    const snapshot: ConfigSnapshot = Object.freeze({ programId, version: head.version, program: deepFreeze(head.program) });
    for (const l of loaders) await l.load(q, snapshot);
    ofProgram.set(snapshot.program, snapshot);
    return snapshot;
  }

  /** Reads a snapshot and keeps it unless a change committed meanwhile or `q` holds uncommitted configuration. */
  async function load(programId: string, q: Queryable | undefined): Promise<ConfigSnapshot> {
    const started = generation;
    const snapshot = await read(q ?? db, programId);
    const current = entries.get(programId)?.snapshot;
    const keep =
      generation === started &&
      snapshot.version >= (newest.get(programId) ?? 0) &&
      !(q && writing.has(q)) &&
      (!current || current.version < snapshot.version);
    if (keep) entries.set(programId, { snapshot });
    return snapshot;
  }

  const store = {
    /**
     * Adds a module's part to every snapshot: `load` reads it on the snapshot's connection, after the program.
     * Parts are defined while the services are wired, before any snapshot is made.
     */
    define<T>(name: string, loadPart: (q: Queryable, program: Program) => Promise<T>): ConfigPart<T> {
      if (entries.size > 0) throw new Error(`configuration part ${name} defined after snapshots were made`);
      const values = new WeakMap<ConfigSnapshot, T>();
      loaders.push({ name, load: async (q, s) => void values.set(s, await loadPart(q, s.program)) });
      return {
        name,
        of(snapshot) {
          if (!values.has(snapshot)) throw new Error(`snapshot of ${snapshot.programId} has no ${name}`);
          return values.get(snapshot)!;
        },
      };
    },

    /**
     * The program's snapshot in force, from memory when it is current. `q` is the caller's open transaction, if
     * any: a snapshot missing there is read through it (PGlite has one connection, which the transaction holds).
     */
    get(programId: string, q?: Queryable): Promise<ConfigSnapshot> {
      const e = entries.get(programId);
      if (e?.snapshot) return Promise.resolve(e.snapshot);
      if (q) return load(programId, q);
      if (e?.loading) return e.loading;
      const entry: Entry = {};
      entry.loading = load(programId, undefined).finally(() => {
        if (entries.get(programId) === entry) entries.delete(programId);
      });
      entries.set(programId, entry);
      return entry.loading;
    },

    /** The snapshot `program` was taken from (so one request or transaction keeps one), else the one in force. */
    of(program: Program, q?: Queryable): Promise<ConfigSnapshot> {
      const s = ofProgram.get(program);
      return s ? Promise.resolve(s) : store.get(program.id, q);
    },

    /** A module's part of the snapshot `program` belongs to. */
    async read<T>(program: Program, part: ConfigPart<T>, q?: Queryable): Promise<T> {
      return part.of(await store.of(program, q));
    },

    /**
     * Every configuration write calls this in its own transaction: the version goes up and a NOTIFY goes out
     * with the commit (pg_notify is transactional). This process drops its snapshot once the write commits.
     */
    async bump(q: Queryable, programId: string): Promise<void> {
      const version = await repo.bumpConfig(q, programId, CONFIG_CHANNEL);
      if (version === undefined) return;
      writing.add(q);
      afterCommit(q, () => drop(programId));
    },

    /** A committed version heard of from elsewhere: an older snapshot of the program is dropped. */
    heard(programId: string, version: number) {
      if (version > (newest.get(programId) ?? 0)) newest.set(programId, version);
      const e = entries.get(programId);
      if (e?.snapshot && e.snapshot.version < version) drop(programId);
    },

    /** The programs held in memory and their snapshots' versions (what the version poll compares). */
    held(): Map<string, number> {
      const out = new Map<string, number>();
      for (const [id, e] of entries) if (e.snapshot) out.set(id, e.snapshot.version);
      return out;
    },
  };
  return store;
}

export type ConfigStore = ReturnType<typeof createConfigStore>;
