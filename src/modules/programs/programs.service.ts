import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { afterCommit, type Db, type Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import { AppError, invalid, isAppError, notFound } from '../../platform/errors.js';
import {
  DEFAULT_SETTINGS,
  ProgramSettings,
  type ApiKey,
  type Program,
  type Scope,
} from './programs.contract.js';
import { programsRepo } from './programs.repo.js';
import { CONFIG_CHANNEL, createConfigStore } from './programs.config.js';
import { watchChanges } from './programs.watch.js';
import type { Logger } from '../../platform/logger.js';

/**
 * Who is calling: the key's workspace, its program if it is bound to one, and what it may do. `keyId` is the
 * caller's id whatever its kind (idempotency records, rate limits and the audit log belong to it); `label`
 * names it for people (the key's name).
 */
export interface Principal {
  kind: 'key' | 'staff';
  keyId: string;
  label: string;
  workspaceId: string;
  programId: string | null;
  scopes: readonly Scope[];
  /** Staff only: the role (see staff.permissions.ts) and the programs it may see (null: all of the workspace's). */
  role?: 'owner' | 'admin' | 'marketer' | 'support' | 'analyst';
  programIds?: readonly string[] | null;
}

const SCOPE_RANK: Record<Scope, number> = { read: 0, server: 1, admin: 2 };
const KEY_CACHE_MS = 5_000;
/** How long a key id that is not in api_keys (or is revoked) is answered from memory: guessing costs no read. */
const REFUSED_KEY_MS = 3_000;
/** At most this many refused key ids are remembered; beyond, the oldest are forgotten first. */
const REFUSED_KEYS_MAX = 10_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Token format: `ptn_<key ulid>_<64 hex chars>`; the ulid finds the row, the hash proves the secret. */
function parseToken(token: string): { keyId: string; secret: string } | undefined {
  const m = /^ptn_([0-9a-z]{26})_([0-9a-f]{64})$/.exec(token);
  return m ? { keyId: `key_${m[1]}`, secret: m[2]! } : undefined;
}

/** A program that is not there reads as undefined; any other failure (the database away) goes on as it is. */
const orNotFound = (err: unknown): undefined => {
  if (isAppError(err) && err.kind === 'not_found') return undefined;
  throw err;
};

export function createProgramsService(deps: { db: Db; clock: Clock; ids: Ids; log?: Logger }) {
  const { db, clock, ids } = deps;
  const repo = programsRepo(db);
  const config = createConfigStore({ db });
  const keyCache = new Map<string, { principal: Principal; until: number }>();
  /**
   * Key ids refused lately: unknown ones, and revoked ones with their secret's hash (so only the holder of the
   * secret learns that the key was revoked). A key id is made once, at creation, which forgets it here.
   */
  const refusedKeys = new Map<string, { until: number; revokedHash?: string }>();

  function refuse(keyId: string, revokedHash?: string) {
    refusedKeys.delete(keyId);
    if (refusedKeys.size >= REFUSED_KEYS_MAX) refusedKeys.delete(refusedKeys.keys().next().value!);
    refusedKeys.set(keyId, { until: Date.now() + REFUSED_KEY_MS, revokedHash });
  }

  function forgetKey(keyId: string) {
    for (const [token, entry] of keyCache) if (entry.principal.keyId === keyId) keyCache.delete(token);
  }

  // Changes made through other processes: configuration versions and revoked keys, heard and polled for.
  const watcher = watchChanges({
    db,
    log: deps.log,
    onProgram: (id, version) => config.heard(id, version),
    onKeyRevoked: forgetKey,
    async check() {
      const held = config.held();
      if (held.size) for (const r of await repo.configVersions([...held.keys()])) config.heard(r.id, r.config_version);
      const keys = [...new Set([...keyCache.values()].map((e) => e.principal.keyId))];
      if (keys.length) for (const id of await repo.revokedAmong(keys)) forgetKey(id);
    },
  });

  function mergeSettings(base: ProgramSettings, patch: Partial<ProgramSettings> | undefined): ProgramSettings {
    const merged = ProgramSettings.safeParse({ ...base, ...patch });
    if (!merged.success) {
      const issue = merged.error.issues[0]!;
      throw invalid(`validation.${issue.code}`, issue.message, ['settings', ...issue.path].join('.'));
    }
    return merged.data;
  }

  /** Runs `fn` in the caller's transaction when there is one (a route's idempotent write), else in its own. */
  const within = <T,>(q: Queryable | undefined, fn: (q: Queryable) => Promise<T>) => (q ? fn(q) : db.tx(fn));

  /** The program as its configuration snapshot in force has it; `q` is the caller's open transaction, if any. */
  async function program(id: string, q?: Queryable): Promise<Program> {
    watcher.start();
    return (await config.get(id, q)).program;
  }

  const service = {
    /** The configuration snapshots (settings, rules, tiers, …), which the other modules add their parts to. */
    config,
    program,

    /** A program the principal may use, or 404 as if it did not exist. */
    async programFor(principal: Principal, id: string): Promise<Program> {
      const outside = (principal.programId && principal.programId !== id) || (principal.programIds && !principal.programIds.includes(id));
      if (outside) throw notFound('program.not_found', `No program ${id}`, 'program_id');
      // Only a program that is not there is a 404: a failed read (the database away) stays the error it is.
      const p = await program(id).catch(orNotFound);
      if (!p || p.workspace_id !== principal.workspaceId) throw notFound('program.not_found', `No program ${id}`, 'program_id');
      return p;
    },

    async createWorkspace(name: string): Promise<string> {
      const id = ids.next('wsp');
      await db.tx((q) => repo.insertWorkspace(q, { id, name, now: clock.now() }));
      return id;
    },

    firstWorkspace: () => repo.firstWorkspace(),

    async createProgram(
      workspaceId: string,
      input: { name: string; currency: string; point_currencies?: string[]; settings?: Partial<ProgramSettings> },
      q?: Queryable,
    ): Promise<Program> {
      const currencies = input.point_currencies ?? ['points'];
      if (new Set(currencies).size !== currencies.length) {
        throw invalid('program.duplicate_currency', 'point_currencies has a duplicate', 'point_currencies');
      }
      const settings = mergeSettings(DEFAULT_SETTINGS, input.settings);
      const id = ids.next('prg');
      return within(q, async (q) => {
        await repo.insertProgram(q, {
          id,
          workspace_id: workspaceId,
          name: input.name,
          currency: input.currency,
          point_currencies: currencies,
          settings,
          now: clock.now(),
        });
        await repo.ensureSystemAccounts(q, id, currencies);
        const created = await repo.getProgram(id, q);
        return created!;
      });
    },

    async updateProgram(
      current: Program,
      patch: { name?: string; point_currencies?: string[]; settings?: Partial<ProgramSettings>; status?: string },
    ): Promise<Program> {
      const currencies = patch.point_currencies ?? current.point_currencies;
      const dropped = current.point_currencies.filter((c) => !currencies.includes(c));
      if (dropped.length) {
        throw invalid('program.currency_removed', `Point currencies cannot be removed (${dropped.join(', ')})`, 'point_currencies');
      }
      if (new Set(currencies).size !== currencies.length) {
        throw invalid('program.duplicate_currency', 'point_currencies has a duplicate', 'point_currencies');
      }
      const settings = mergeSettings(current.settings, patch.settings);
      const updated = await db.tx(async (q) => {
        await repo.ensureSystemAccounts(q, current.id, currencies);
        const row = await repo.updateProgram(q, current.id, {
          name: patch.name ?? current.name,
          point_currencies: currencies,
          settings,
          status: patch.status ?? current.status,
          now: clock.now(),
        });
        if (row) await config.bump(q, current.id);
        return row;
      });
      if (!updated) throw notFound('program.not_found', `No program ${current.id}`, 'program_id');
      return updated;
    },

    listPrograms: (workspaceId: string) => repo.listPrograms(workspaceId),
    allProgramIds: () => repo.allProgramIds(),

    async createKey(input: {
      workspaceId: string;
      programId: string | null;
      name: string;
      scopes: Scope[];
    }, q?: Queryable): Promise<ApiKey & { secret: string }> {
      if (input.programId) {
        const p = await program(input.programId, q).catch(orNotFound);
        if (!p || p.workspace_id !== input.workspaceId) throw notFound('program.not_found', `No program ${input.programId}`, 'program_id');
      } else if (!(await repo.workspaceExists(input.workspaceId, q))) {
        throw notFound('workspace.not_found', `No workspace ${input.workspaceId}`, 'workspace_id');
      }
      const id = ids.next('key');
      const secretHex = randomBytes(32).toString('hex');
      const secret = `ptn_${id.slice(4)}_${secretHex}`;
      const stored = await within(q, (q) =>
        repo.insertKey(q, {
          id,
          workspace_id: input.workspaceId,
          program_id: input.programId,
          name: input.name,
          secret_hash: sha256(secretHex),
          scopes: [...new Set(input.scopes)],
          now: clock.now(),
        }),
      );
      // Its id is known from now on, should anyone have asked about it before it existed.
      refusedKeys.delete(id);
      if (q) afterCommit(q, () => refusedKeys.delete(id));
      const { secret_hash: _, ...key } = stored;
      return { ...key, secret };
    },

    async listKeys(workspaceId: string, programId?: string): Promise<ApiKey[]> {
      return (await repo.listKeys(workspaceId, programId)).map(({ secret_hash: _, ...k }) => k);
    },

    async getKey(id: string): Promise<ApiKey | undefined> {
      const k = await repo.getKey(id);
      if (!k) return undefined;
      const { secret_hash: _, ...key } = k;
      return key;
    },

    async revokeKey(id: string, workspaceId?: string): Promise<ApiKey> {
      const existing = await repo.getKey(id);
      if (!existing || (workspaceId && existing.workspace_id !== workspaceId)) throw notFound('key.not_found', `No API key ${id}`, 'key_id');
      const k = await repo.revokeKey(id, clock.now());
      forgetKey(id);
      // The other processes drop the key at once; one that misses this finds the revocation by its poll.
      await repo.notify(CONFIG_CHANNEL, `key ${id}`);
      const { secret_hash: _, ...key } = k!;
      return key;
    },

    /**
     * The principal behind a bearer token. Verified keys are remembered for a few seconds so the hot path does
     * not read api_keys per request; a revocation takes effect at once in this process, and in the others as
     * soon as they hear of it (a NOTIFY), or at the latest at their next poll (`programs.watch.ts`).
     */
    async authenticate(token: string | undefined): Promise<Principal> {
      if (!token) throw new AppError('unauthorized', 'auth.missing_key', 'Send an API key: Authorization: Bearer <key>');
      const hit = keyCache.get(token);
      if (hit && hit.until > Date.now()) return hit.principal;
      const parsed = parseToken(token);
      const bad = new AppError('unauthorized', 'auth.invalid_key', 'The API key is not valid');
      const revoked = () => new AppError('unauthorized', 'auth.revoked_key', 'The API key was revoked');
      if (!parsed) throw bad;
      const hash = sha256(parsed.secret);
      const refused = refusedKeys.get(parsed.keyId);
      if (refused && refused.until > Date.now()) {
        if (refused.revokedHash === hash) throw revoked();
        if (!refused.revokedHash) throw bad;
      }
      const k = await repo.getKey(parsed.keyId);
      if (!k) {
        refuse(parsed.keyId);
        throw bad;
      }
      const a = Buffer.from(k.secret_hash, 'hex');
      const b = Buffer.from(hash, 'hex');
      if (a.length !== b.length || !timingSafeEqual(a, b)) throw bad;
      if (k.revoked_at) {
        refuse(k.id, hash);
        throw revoked();
      }
      const principal: Principal = { kind: 'key', keyId: k.id, label: k.name, workspaceId: k.workspace_id, programId: k.program_id, scopes: k.scopes };
      keyCache.set(token, { principal, until: Date.now() + KEY_CACHE_MS });
      watcher.start();
      void repo.touchKey(k.id, clock.now()).catch(() => {});
      return principal;
    },

    /** Whether `token` is one this process verified within the last few seconds (and still holds as valid). */
    verifiedRecently(token: string | undefined): boolean {
      const hit = token ? keyCache.get(token) : undefined;
      return !!hit && hit.until > Date.now();
    },

    /** Throws 403 unless the principal holds `needed` or a wider scope (admin ⊃ server ⊃ read). */
    requireScope(principal: Principal, needed: Scope) {
      const rank = Math.max(...principal.scopes.map((s) => SCOPE_RANK[s]));
      if (rank < SCOPE_RANK[needed]) {
        throw new AppError('forbidden', 'auth.insufficient_scope', `This call needs a key with the ${needed} scope`, {
          required_scope: needed,
        });
      }
    },
  };
  return service;
}

export type ProgramsService = ReturnType<typeof createProgramsService>;
