import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db, Queryable } from '../../platform/db.js';
import type { Clock } from '../../platform/clock.js';
import type { Ids } from '../../platform/ids.js';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.js';
import type { Principal, ProgramsService } from '../programs/index.js';
import { MAX_PASSWORD, MIN_PASSWORD, type Locale, type Role, type Staff, type StaffCreate, type StaffPatch } from './staff.contract.js';
import { dummyHash, hashPassword, verifyPassword } from './staff.password.js';
import { staffRepo, type StoredStaff } from './staff.repo.js';
import { actorOf, type AuditService } from '../audit/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A session ends this long after sign-in whatever its use. */
const ABSOLUTE_MS = 7 * DAY;
/** last_seen_at is written at most this often per session. */
const TOUCH_MS = 60_000;
const INVITE_MS = 7 * DAY;
const RESET_MS = DAY;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const token = () => randomBytes(32).toString('base64url');
/** The CSRF token of a session follows from its secret: nothing but hashes is stored, and GET can answer it again. */
const csrfOf = (sessionToken: string) => sha256(`csrf:${sessionToken}`);

export const setupUrl = (base: string, t: string) => `${base.replace(/\/+$/, '')}/admin/setup?token=${encodeURIComponent(t)}`;

const publicStaff = ({ password_hash: _, ...s }: StoredStaff): Staff => s;

export interface StaffSession {
  principal: Principal;
  staff: Staff;
  sessionId: string;
  csrfToken: string;
}

export const roleForbidden = (roles: readonly Role[]) =>
  new AppError('forbidden', 'auth.role_forbidden', `This call needs one of the roles ${roles.join(', ')}`, { required_roles: [...roles] });

export const noSession = () => new AppError('unauthorized', 'auth.no_session', 'Sign in first: there is no staff session (or it ended)');

export function createStaffService(deps: { db: Db; clock: Clock; ids: Ids; programs: ProgramsService; audit?: Pick<AuditService, 'record'>; idleMinutes?: number }) {
  const { db, clock, ids, programs } = deps;
  /** Staff changes go into the audit log in their own transaction (the CLI, acting without a principal, as the system). */
  const audited = async (q: Queryable, actor: Principal | null, workspaceId: string, action: string, id: string, before: unknown, after: unknown) =>
    deps.audit?.record(q, {
      workspaceId,
      programId: null,
      actor: actor ? actorOf(actor) : { kind: 'system', id: 'cli', label: 'cli' },
      action,
      target: { type: 'staff', id },
      before,
      after,
    });
  const repo = staffRepo(db);
  const idleMs = (deps.idleMinutes ?? 12 * 60) * 60_000;
  // A session's last use is written at most once a minute (or a quarter of the idle time, when that is shorter).
  const touchMs = Math.min(TOUCH_MS, idleMs / 4);
  const ownerListeners: (() => void)[] = [];

  const principalOf = (s: Staff): Principal => ({
    kind: 'staff',
    keyId: s.id,
    label: s.email,
    workspaceId: s.workspace_id,
    programId: null,
    // The role table (staff.permissions.ts) decides what staff may call; scopes do not narrow it further.
    scopes: ['admin'],
    role: s.role,
    programIds: s.program_ids,
  });

  async function openSession(q: Queryable, s: StoredStaff) {
    const secret = token();
    const csrf = csrfOf(secret);
    const now = clock.now();
    await repo.insertSession(q, {
      id: ids.next('ses'),
      staff_id: s.id,
      token_hash: sha256(secret),
      csrf_hash: sha256(csrf),
      now,
      expires_at: new Date(now.getTime() + ABSOLUTE_MS),
    });
    await repo.signedIn(q, s.id, now);
    return { token: secret, csrf_token: csrf, staff: { ...publicStaff(s), last_sign_in_at: now.toISOString() }, expires: new Date(now.getTime() + ABSOLUTE_MS) };
  }

  async function newLink(q: Queryable, staffId: string, purpose: 'owner' | 'invite' | 'reset') {
    const now = clock.now();
    const t = token();
    await repo.dropOpenTokens(q, staffId, now);
    await repo.insertSetupToken(q, {
      token_hash: sha256(t),
      staff_id: staffId,
      purpose,
      now,
      expires_at: new Date(now.getTime() + (purpose === 'reset' ? RESET_MS : INVITE_MS)),
    });
    return t;
  }

  async function checkPrograms(workspaceId: string, ids: string[] | null) {
    if (!ids) return;
    const known = new Set((await programs.listPrograms(workspaceId)).map((p) => p.id));
    const i = ids.findIndex((id) => !known.has(id));
    if (i >= 0) throw invalid('staff.unknown_program', `No program ${ids[i]} in this workspace`, `program_ids.${i}`);
  }

  /** Who the actor is as far as owners go: only an owner makes or changes one. A workspace admin key counts as an admin. */
  const actorRole = (actor: Principal): Role => actor.role ?? 'admin';

  async function target(actor: Principal, id: string) {
    const s = await repo.get(id);
    if (!s || s.workspace_id !== actor.workspaceId) throw notFound('staff.not_found', `No staff user ${id}`, 'staff_id');
    return s;
  }

  return {
    /** Signs in: the same error, after the same work, whether the email is unknown or the password wrong. */
    async signIn(email: string, password: string) {
      const candidates = (await repo.byEmail(email.trim().toLowerCase())).filter((s) => s.password_hash);
      let found: StoredStaff | undefined;
      if (!candidates.length) await verifyPassword(password, await dummyHash());
      for (const s of candidates) {
        if ((await verifyPassword(password, s.password_hash!)) && !found) found = s;
      }
      if (!found || found.disabled) {
        throw new AppError('unauthorized', 'staff.invalid_credentials', 'The email or the password is not right');
      }
      return db.tx((q) => openSession(q, found));
    },

    /** The session behind a cookie's token, or undefined when there is none (unknown, revoked, idle or too old). */
    async authenticate(sessionToken: string): Promise<StaffSession | undefined> {
      if (!sessionToken || sessionToken.length > 200) return undefined;
      const row = await repo.sessionByToken(sha256(sessionToken));
      if (!row) return undefined;
      const now = clock.now().getTime();
      if (row.revoked_at || new Date(row.expires_at).getTime() <= now || new Date(row.last_seen_at).getTime() + idleMs <= now) return undefined;
      const s = await repo.get(row.staff_id);
      if (!s || s.disabled) return undefined;
      if (now - new Date(row.last_seen_at).getTime() >= touchMs) await repo.touchSession(row.id, new Date(now));
      const staff = publicStaff(s);
      return { principal: principalOf(staff), staff, sessionId: row.id, csrfToken: csrfOf(sessionToken) };
    },

    /** Whether `given` is the session's CSRF token (compared in constant time). */
    csrfMatches(session: StaffSession, given: string | undefined): boolean {
      if (!given) return false;
      const a = Buffer.from(sha256(given));
      const b = Buffer.from(sha256(session.csrfToken));
      return timingSafeEqual(a, b);
    },

    signOut: (sessionId: string) => repo.revokeSession(sessionId, clock.now()),
    signOutEverywhere: (staffId: string) => repo.revokeAllSessions(db, staffId, clock.now()),

    /** Completes a one-time link: sets the password (ending every other session) and signs in. */
    async setup(input: { token: string; password: string; name?: string }) {
      if (input.password.length < MIN_PASSWORD || input.password.length > MAX_PASSWORD) {
        throw invalid('staff.weak_password', `A password is ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`, 'password');
      }
      const hash = await hashPassword(input.password);
      return db.tx(async (q) => {
        const used = await repo.useSetupToken(q, sha256(input.token), clock.now());
        const s = used && (await repo.get(used.staff_id, q));
        if (!s || s.disabled) throw invalid('staff.invalid_token', 'This link is not valid: it was used, it expired or it never existed', 'token');
        await repo.setPassword(q, s.id, hash);
        await repo.revokeAllSessions(q, s.id, clock.now());
        let current = s;
        if (input.name !== undefined && input.name !== s.name) {
          current = (await repo.update(q, s.id, { name: input.name, role: s.role, program_ids: s.program_ids, disabled: s.disabled, locale: s.locale }))!;
        }
        const opened = await openSession(q, { ...current, password_hash: hash });
        return { ...opened, purpose: used.purpose };
      }).then((r) => {
        if (r.purpose === 'owner') for (const fn of ownerListeners) fn();
        return r;
      });
    },

    /** Calls `fn` when the owner's first link is used (serve removes the file that holds it). */
    onOwnerSetup(fn: () => void) {
      ownerListeners.push(fn);
    },

    async updateMe(staffId: string, patch: { name?: string; locale?: Locale }) {
      return db.tx(async (q) => {
        const s = (await repo.get(staffId, q))!;
        const row = await repo.update(q, s.id, {
          name: patch.name ?? s.name,
          locale: patch.locale ?? s.locale,
          role: s.role,
          program_ids: s.program_ids,
          disabled: s.disabled,
        });
        return publicStaff(row!);
      });
    },

    async list(workspaceId: string, opts: { cursor?: string; limit: number }) {
      const rows = await repo.list(workspaceId, opts.cursor, opts.limit + 1);
      const page = rows.slice(0, opts.limit);
      return { data: page.map(publicStaff), next_cursor: rows.length > opts.limit ? page[page.length - 1]!.id : null };
    },

    async get(actor: Principal, id: string) {
      return publicStaff(await target(actor, id));
    },

    /** Makes a staff user and the invitation link's token (shown once). */
    async create(actor: Principal, input: StaffCreate & { workspaceId?: string }) {
      const workspaceId = input.workspaceId ?? actor.workspaceId;
      if (input.role === 'owner' && actorRole(actor) !== 'owner') throw roleForbidden(['owner']);
      await checkPrograms(workspaceId, input.program_ids);
      return db.tx(async (q) => {
        const s = await repo.insertStaff(q, {
          id: ids.next('stf'),
          workspace_id: workspaceId,
          email: input.email,
          name: input.name ?? '',
          role: input.role,
          program_ids: input.role === 'owner' ? null : input.program_ids,
          now: clock.now(),
        });
        if (!s) throw conflict('staff.email_taken', `A staff user with the email ${input.email} exists already`, { field: 'email' });
        await audited(q, actor, workspaceId, 'staff.create', s.id, null, publicStaff(s));
        return { staff: publicStaff(s), token: await newLink(q, s.id, 'invite') };
      });
    },

    async update(actor: Principal, id: string, patch: StaffPatch) {
      const s = await target(actor, id);
      const role = patch.role ?? s.role;
      if ((s.role === 'owner' || role === 'owner') && actorRole(actor) !== 'owner') throw roleForbidden(['owner']);
      if (patch.program_ids !== undefined) await checkPrograms(s.workspace_id, patch.program_ids);
      const disabled = patch.disabled ?? s.disabled;
      return db.tx(async (q) => {
        if (s.role === 'owner' && (role !== 'owner' || disabled)) {
          await repo.lockOwners(q, s.workspace_id);
          if ((await repo.countOwners(q, s.workspace_id)) <= 1 && !s.disabled) {
            throw conflict('staff.last_owner', 'The workspace needs an owner: make another owner first', { field: patch.role ? 'role' : 'disabled' });
          }
        }
        const row = await repo.update(q, s.id, {
          name: patch.name ?? s.name,
          role,
          program_ids: role === 'owner' ? null : patch.program_ids !== undefined ? patch.program_ids : s.program_ids,
          disabled,
          locale: s.locale,
        });
        if (disabled && !s.disabled) await repo.revokeAllSessions(q, s.id, clock.now());
        await audited(q, actor, s.workspace_id, 'staff.update', s.id, publicStaff(s), publicStaff(row!));
        return publicStaff(row!);
      });
    },

    /** A new one-time link to set the password; the current one stays until it is used. */
    async resetPassword(actor: Principal, id: string) {
      const s = await target(actor, id);
      if (s.role === 'owner' && actorRole(actor) !== 'owner' && actor.keyId !== s.id) throw roleForbidden(['owner']);
      return db.tx(async (q) => {
        await audited(q, actor, s.workspace_id, 'staff.reset_password', s.id, null, null);
        return newLink(q, s.id, 'reset');
      });
    },

    // For the CLI, which acts as the operator of the machine (no principal).
    byEmail: (workspaceId: string, email: string) => repo.byWorkspaceEmail(workspaceId, email.trim().toLowerCase()).then((s) => s && publicStaff(s)),
    async resetByEmail(workspaceId: string, email: string) {
      const s = await repo.byWorkspaceEmail(workspaceId, email.trim().toLowerCase());
      if (!s) throw notFound('staff.not_found', `No staff user ${email} in workspace ${workspaceId}`, 'email');
      return db.tx((q) => newLink(q, s.id, 'reset'));
    },

    /**
     * The first start: a workspace without an owner gets one (no password yet) and a link to set it. While the
     * owner has no password, every start makes a new link (ending the one before); afterwards, none.
     */
    async ensureOwner(workspaceId: string, email: string): Promise<string | undefined> {
      return db.tx(async (q) => {
        await q.query(`select id from workspaces where id = $1 for update`, [workspaceId]);
        const owners = (await repo.list(workspaceId, undefined, 1000, q)).filter((s) => s.role === 'owner');
        if (owners.some((o) => o.password_hash)) return undefined;
        let owner = owners[0];
        if (!owner) {
          owner = await repo.insertStaff(q, { id: ids.next('stf'), workspace_id: workspaceId, email, name: '', role: 'owner', program_ids: null, now: clock.now() });
          if (!owner) throw conflict('staff.email_taken', `A staff user with the email ${email} exists already`, { field: 'email' });
        }
        return newLink(q, owner.id, 'owner');
      });
    },
  };
}

export type StaffService = ReturnType<typeof createStaffService>;
