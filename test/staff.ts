import type { InjectOptions } from 'fastify';
import type { Api, ApiResponse, Harness, TestProgram } from './harness.js';
import type { Principal } from '../src/modules/programs/index.js';
import type { Role } from '../src/modules/staff/index.js';

export const PASSWORD = 'correct horse battery';

/** The session token of a `Set-Cookie: patron_session=…` answer, if any. */
export function sessionCookie(res: ApiResponse): string | undefined {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  for (const c of all) {
    const m = /^patron_session=([^;]*)/.exec(c);
    if (m) return m[1];
  }
  return undefined;
}

export interface SignedIn {
  staffId: string;
  email: string;
  cookie: string;
  csrf: string;
  /** Calls with the session cookie, the CSRF token and the program header. */
  api: Api;
  /** Calls with the cookie only (no CSRF token, no program header). */
  bare: Api;
}

/** Calls the app with the session cookie; `csrf` and `program` are sent when given. */
export function cookieCaller(h: Harness, cookie: string, extra: Record<string, string> = {}): Api {
  return async (method, url, body, headers = {}) => {
    const opts: InjectOptions = { method, url, headers: { cookie: `patron_session=${cookie}`, ...extra, ...headers } };
    if (body !== undefined) opts.payload = body as object;
    const res = await h.app.inject(opts);
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body: parsed as never, headers: res.headers };
  };
}

/** The principal the tests act as when they make staff users directly: the workspace's owner. */
const ownerOf = (workspaceId: string): Principal => ({
  kind: 'staff',
  keyId: 'stf_test',
  label: 'test',
  workspaceId,
  programId: null,
  scopes: ['admin'],
  role: 'owner',
  programIds: null,
});

let n = 0;

/** Makes a staff user of the program's workspace, sets its password through its link and signs it in. */
export async function signedInStaff(
  h: Harness,
  p: TestProgram,
  opts: { role?: Role; programIds?: string[] | null; email?: string } = {},
): Promise<SignedIn> {
  const email = opts.email ?? `staff${++n}.${Date.now()}@example.test`;
  const made = await h.services.staff.create(ownerOf(p.workspaceId), {
    email,
    role: opts.role ?? 'owner',
    program_ids: opts.programIds ?? null,
  });
  const res = await p.raw('POST', '/v1/staff/setup', { token: made.token, password: PASSWORD });
  if (res.status !== 200) throw new Error(`setup failed: ${JSON.stringify(res.body)}`);
  const cookie = sessionCookie(res)!;
  const csrf = (res.body as { csrf_token: string }).csrf_token;
  return {
    staffId: made.staff.id,
    email,
    cookie,
    csrf,
    api: cookieCaller(h, cookie, { 'x-csrf-token': csrf, 'patron-program': p.programId }),
    bare: cookieCaller(h, cookie),
  };
}

/** Makes a staff user and answers its one-time link's token (not yet used). */
export async function invitedStaff(h: Harness, p: TestProgram, opts: { role?: Role; email?: string } = {}) {
  const email = opts.email ?? `invited${++n}.${Date.now()}@example.test`;
  const made = await h.services.staff.create(ownerOf(p.workspaceId), { email, role: opts.role ?? 'admin', program_ids: null });
  return { ...made, email };
}
