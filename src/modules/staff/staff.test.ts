import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, TEST_PROTECT, type Harness } from '../../../test/harness.js';
import { createApp } from '../../main.js';
import { enrol } from '../../../test/fixtures.js';
import { cookieCaller, invitedStaff, PASSWORD, sessionCookie, signedInStaff } from '../../../test/staff.js';
import { manualClock } from '../../platform/clock.js';
import { PERMISSIONS } from './staff.permissions.js';

const clock = manualClock('2026-04-01T09:00:00Z');
const HOUR = 3_600_000;
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

describe('signing in and out', () => {
  it('signs in with email and password: an HttpOnly, SameSite=Strict cookie and a CSRF token; the session reads back', async () => {
    const p = await h.program();
    const s = await signedInStaff(h, p, { role: 'admin' });
    const res = await p.raw('POST', '/v1/staff/session', { email: s.email.toUpperCase(), password: PASSWORD });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.staff).toMatchObject({ id: s.staffId, email: s.email, role: 'admin', program_ids: null, locale: 'en', disabled: false });
    expect(res.body.staff.password_hash).toBeUndefined();
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^patron_session=[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    const cookie = sessionCookie(res)!;
    const again = await cookieCaller(h, cookie)('GET', '/v1/staff/session');
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ staff: expect.objectContaining({ id: s.staffId }), csrf_token: res.body.csrf_token, permissions: expect.arrayContaining(['GET /v1/staff/session']) });
    // Over HTTPS (as a proxy tells it) the cookie is Secure too.
    const secure = await h.app.inject({
      method: 'POST',
      url: '/v1/staff/session',
      payload: { email: s.email, password: PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
      // trustProxy is off in the harness: fastify's own https detection is what counts; inject over plain HTTP stays plain.
    });
    expect(secure.statusCode).toBe(200);
    expect(String(secure.headers['set-cookie'])).not.toMatch(/Secure/);
    // Behind a proxy Patron trusts, a request that came over HTTPS gets a Secure cookie.
    const proxied = createApp(h.services, { protect: TEST_PROTECT, trustProxy: true });
    try {
      const res2 = await proxied.inject({ method: 'POST', url: '/v1/staff/session', payload: { email: s.email, password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' } });
      expect(res2.statusCode).toBe(200);
      expect(String(res2.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await proxied.close();
    }
  });

  it('answers the same 401 for an unknown email and for a wrong password', async () => {
    const p = await h.program();
    const s = await signedInStaff(h, p);
    const wrong = await p.raw('POST', '/v1/staff/session', { email: s.email, password: 'not the password' });
    const unknown = await p.raw('POST', '/v1/staff/session', { email: `nobody.${s.email}`, password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'staff.invalid_credentials' });
    expect({ ...unknown.body, request_id: undefined }).toEqual({ ...wrong.body, request_id: undefined });
    expect(sessionCookie(wrong)).toBeUndefined();
  });

  it('signs out: the session ends and the cookie is cleared', async () => {
    const p = await h.program();
    const s = await signedInStaff(h, p);
    const out = await s.api('DELETE', '/v1/staff/session');
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/patron_session=;/);
    const after = await s.bare('GET', '/v1/staff/session');
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 'auth.no_session' });
    expect((await s.api('GET', '/v1/members')).status).toBe(401);
  });

  it('without any credential the session routes answer auth.no_session; a Bearer key is no session', async () => {
    const p = await h.program();
    expect((await p.raw('GET', '/v1/staff/session')).body).toMatchObject({ status: 401, code: 'auth.no_session' });
    expect((await p.api('GET', '/v1/staff/session')).body).toMatchObject({ status: 401, code: 'auth.no_session' });
    expect((await p.raw('GET', '/v1/members')).body).toMatchObject({ status: 401, code: 'auth.missing_key' });
  });

  it('signs out everywhere: every session of the user ends, another user keeps theirs', async () => {
    const p = await h.program();
    const s = await signedInStaff(h, p);
    const other = await signedInStaff(h, p, { role: 'analyst' });
    const second = sessionCookie(await p.raw('POST', '/v1/staff/session', { email: s.email, password: PASSWORD }))!;
    expect((await cookieCaller(h, second)('GET', '/v1/staff/session')).status).toBe(200);
    expect((await s.api('POST', '/v1/staff/session/revoke-all')).status).toBe(204);
    expect((await cookieCaller(h, second)('GET', '/v1/staff/session')).status).toBe(401);
    expect((await s.bare('GET', '/v1/staff/session')).status).toBe(401);
    expect((await other.bare('GET', '/v1/staff/session')).status).toBe(200);
  });

  it('ends a session after the idle timeout, and after 7 days however busy', async () => {
    const p = await h.program();
    const s = await signedInStaff(h, p);
    clock.advance(11 * HOUR);
    expect((await s.bare('GET', '/v1/staff/session')).status).toBe(200);
    // That request slid the idle window: 11 more hours are still within 12 of it.
    clock.advance(11 * HOUR);
    expect((await s.bare('GET', '/v1/staff/session')).status).toBe(200);
    clock.advance(12 * HOUR + 1000);
    expect((await s.bare('GET', '/v1/staff/session')).body).toMatchObject({ status: 401, code: 'auth.no_session' });

    const busy = await signedInStaff(h, p);
    // 15 times 11 hours is 165 hours, within the 168 of 7 days; the 16th goes past them.
    for (let i = 0; i < 15; i++) {
      clock.advance(11 * HOUR);
      expect((await busy.bare('GET', '/v1/staff/session')).status).toBe(200);
    }
    clock.advance(11 * HOUR);
    expect((await busy.bare('GET', '/v1/staff/session')).status).toBe(401);
  });

  it('refuses an email after too many failed sign-ins, even with the right password then (429 with Retry-After)', async () => {
    const p = await h.program();
    const s = await signedInStaff(h, p);
    for (let i = 0; i < 10; i++) {
      expect((await p.raw('POST', '/v1/staff/session', { email: s.email, password: `wrong password ${i}` })).status).toBe(401);
    }
    const limited = await p.raw('POST', '/v1/staff/session', { email: s.email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'auth.rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another email is not held back by this one.
    const other = await signedInStaff(h, p);
    expect((await p.raw('POST', '/v1/staff/session', { email: other.email, password: PASSWORD })).status).toBe(200);
  });

  it('a disabled staff user cannot sign in and its sessions end', async () => {
    const p = await h.program();
    const owner = await signedInStaff(h, p);
    const s = await signedInStaff(h, p, { role: 'support' });
    const off = await owner.bare('PATCH', `/v1/staff/${s.staffId}`, { disabled: true }, { 'x-csrf-token': owner.csrf });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect((await s.bare('GET', '/v1/staff/session')).status).toBe(401);
    expect((await p.raw('POST', '/v1/staff/session', { email: s.email, password: PASSWORD })).body).toMatchObject({ code: 'staff.invalid_credentials' });
  });
});

describe('one-time links', () => {
  it('sets the password once: the link then answers staff.invalid_token', async () => {
    const p = await h.program();
    const { token, email } = await invitedStaff(h, p);
    const weak = await p.raw('POST', '/v1/staff/setup', { token, password: 'short' });
    expect(weak.body).toMatchObject({ status: 400, code: 'staff.weak_password', field: 'password' });
    const ok = await p.raw('POST', '/v1/staff/setup', { token, password: PASSWORD, name: 'Ada' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.staff).toMatchObject({ email, name: 'Ada' });
    expect(sessionCookie(ok)).toBeTruthy();
    const again = await p.raw('POST', '/v1/staff/setup', { token, password: 'another good password' });
    expect(again.body).toMatchObject({ status: 400, code: 'staff.invalid_token', field: 'token' });
    expect((await p.raw('POST', '/v1/staff/session', { email, password: 'another good password' })).status).toBe(401);
    expect((await p.raw('POST', '/v1/staff/session', { email, password: PASSWORD })).status).toBe(200);
    expect((await p.raw('POST', '/v1/staff/setup', { token: 'made-up', password: PASSWORD })).body).toMatchObject({ code: 'staff.invalid_token' });
  });

  it('an invitation expires after 7 days', async () => {
    const p = await h.program();
    const { token } = await invitedStaff(h, p);
    clock.advance(7 * 24 * HOUR + 1000);
    expect((await p.raw('POST', '/v1/staff/setup', { token, password: PASSWORD })).body).toMatchObject({ code: 'staff.invalid_token' });
  });

  it('stores no token or password in plain text', async () => {
    const p = await h.program();
    const { token, staff } = await invitedStaff(h, p);
    const ok = await p.raw('POST', '/v1/staff/setup', { token, password: PASSWORD });
    const cookie = sessionCookie(ok)!;
    const dump = JSON.stringify([
      await h.db.query(`select * from staff_users where id = $1`, [staff.id]),
      await h.db.query(`select * from staff_sessions where staff_id = $1`, [staff.id]),
      await h.db.query(`select * from staff_setup_tokens where staff_id = $1`, [staff.id]),
    ]);
    for (const secret of [token, PASSWORD, cookie, ok.body.csrf_token as string]) expect(dump).not.toContain(secret);
    expect(dump).toContain('scrypt$');
  });
});

describe('CSRF', () => {
  it('refuses a cookie-authenticated write without the session’s token, and writes nothing', async () => {
    const p = await h.program();
    const s = await signedInStaff(h, p, { role: 'support' });
    const email = `csrf.${Date.now()}@example.test`;
    for (const headers of [{}, { 'x-csrf-token': 'forged' }] as Record<string, string>[]) {
      const res = await s.bare('POST', '/v1/members', { email }, { 'patron-program': p.programId, ...headers });
      expect(res.body).toMatchObject({ status: 403, code: 'auth.csrf_failed' });
    }
    expect((await p.api('GET', `/v1/members?email=${encodeURIComponent(email)}`)).body.data ?? []).toEqual([]);
    const n = await h.db.query<{ n: number }>(`select count(*)::int as n from members where program_id = $1`, [p.programId]);
    expect(n[0]!.n).toBe(0);
    // With the token it goes through; reads need none.
    expect((await s.api('POST', '/v1/members', { email })).status).toBe(201);
    expect((await s.bare('GET', '/v1/members', undefined, { 'patron-program': p.programId })).status).toBe(200);
    // Another session's token is not this session's.
    const other = await signedInStaff(h, p, { role: 'support' });
    const crossed = await s.bare('POST', '/v1/members', { email: `x${email}` }, { 'patron-program': p.programId, 'x-csrf-token': other.csrf });
    expect(crossed.body).toMatchObject({ code: 'auth.csrf_failed' });
  });
});

describe('roles', () => {
  it('a marketer cannot create API keys; an admin can', async () => {
    const p = await h.program();
    const m = await signedInStaff(h, p, { role: 'marketer' });
    const res = await m.api('POST', '/v1/keys', { name: 'x', scopes: ['read'] });
    expect(res.body).toMatchObject({ status: 403, code: 'auth.role_forbidden', required_roles: ['owner', 'admin'] });
    expect((await m.api('GET', '/v1/keys')).status).toBe(403);
    const a = await signedInStaff(h, p, { role: 'admin' });
    expect((await a.api('POST', '/v1/keys', { name: 'x', scopes: ['read'] })).status).toBe(201);
    // The marketer edits rules and tiers.
    expect((await m.api('POST', '/v1/tiers/levels', { name: 'Gold', threshold: 1000 })).status).not.toBe(403);
  });

  it('an analyst reads but cannot write', async () => {
    const p = await h.program();
    const an = await signedInStaff(h, p, { role: 'analyst' });
    expect((await an.api('GET', '/v1/members')).status).toBe(200);
    expect((await an.api('GET', '/v1/analytics/kpis')).status).toBe(200);
    const write = await an.api('POST', '/v1/members', { email: 'a@example.test' });
    expect(write.body).toMatchObject({ status: 403, code: 'auth.role_forbidden' });
    expect((await an.api('PATCH', `/v1/programs/${p.programId}`, { name: 'x' })).status).toBe(403);
  });

  it('support edits members and adjusts points (with a reason) but cannot edit rules', async () => {
    const p = await h.program();
    const sup = await signedInStaff(h, p, { role: 'support' });
    const member = await enrol(p);
    const noReason = await sup.api('POST', `/v1/members/${member}/adjustments`, { points: 10 });
    expect(noReason.body).toMatchObject({ status: 400, field: 'reason' });
    expect((await sup.api('POST', `/v1/members/${member}/adjustments`, { points: 10, reason: 'goodwill' })).status).toBe(201);
    const rule = await sup.api('POST', '/v1/rules', { name: 'x' });
    expect(rule.body).toMatchObject({ status: 403, code: 'auth.role_forbidden' });
    expect((await sup.api('GET', '/v1/rules')).status).toBe(403);
  });

  it('only an owner makes or changes an owner; the last owner stays', async () => {
    const p = await h.program();
    const owner = await signedInStaff(h, p, { role: 'owner' });
    const admin = await signedInStaff(h, p, { role: 'admin' });
    const made = await admin.bare('POST', '/v1/staff', { email: `o.${Date.now()}@example.test`, role: 'owner' }, { 'x-csrf-token': admin.csrf });
    expect(made.body).toMatchObject({ status: 403, code: 'auth.role_forbidden', required_roles: ['owner'] });
    const demote = await admin.bare('PATCH', `/v1/staff/${owner.staffId}`, { role: 'support' }, { 'x-csrf-token': admin.csrf });
    expect(demote.body).toMatchObject({ status: 403, code: 'auth.role_forbidden' });
    const last = await owner.bare('PATCH', `/v1/staff/${owner.staffId}`, { role: 'admin' }, { 'x-csrf-token': owner.csrf });
    expect(last.body).toMatchObject({ status: 409, code: 'staff.last_owner' });
    const invite = await admin.bare('POST', '/v1/staff', { email: `s.${Date.now()}@example.test`, role: 'support', program_ids: [p.programId] }, { 'x-csrf-token': admin.csrf });
    expect(invite.status, JSON.stringify(invite.body)).toBe(201);
    expect(invite.body.setup_url).toMatch(/^http:\/\/[^/]+\/admin\/setup\?token=[\w-]+$/);
    expect(invite.body.staff).toMatchObject({ role: 'support', program_ids: [p.programId], last_sign_in_at: null });
    const list = await admin.bare('GET', '/v1/staff');
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([owner.staffId, admin.staffId, invite.body.staff.id]));
    // The invitation and the refused demotion: one audit entry, by the admin, for the staff user made.
    const log = await admin.bare('GET', `/v1/audit?target_type=staff&target_id=${invite.body.staff.id as string}`);
    expect(log.status, JSON.stringify(log.body)).toBe(200);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({ action: 'staff.create', actor: { kind: 'staff', id: admin.staffId }, after: { role: 'support' } });
    // The refused demotion and the refused last-owner change wrote nothing.
    const refused = await admin.bare('GET', `/v1/audit?target_type=staff&target_id=${owner.staffId}`);
    expect(refused.body.data.map((e: { action: string }) => e.action)).not.toContain('staff.update');
  });
});

describe('programs a staff user may see', () => {
  it('answers 404 for a program outside program_ids, as if it did not exist', async () => {
    const p = await h.program();
    const other = await h.services.programs.createProgram(p.workspaceId, { name: 'Other', currency: 'GBP' });
    const s = await signedInStaff(h, p, { role: 'support', programIds: [p.programId] });
    expect((await s.api('GET', '/v1/members')).status).toBe(200);
    const outside = await s.api('GET', '/v1/members', undefined, { 'patron-program': other.id });
    expect(outside.body).toMatchObject({ status: 404, code: 'program.not_found' });
    expect((await s.api('GET', `/v1/programs/${other.id}`)).status).toBe(404);
    const listed = await s.api('GET', '/v1/programs');
    expect(listed.body.data.map((x: { id: string }) => x.id)).toEqual([p.programId]);
    const all = await signedInStaff(h, p, { role: 'support' });
    expect((await all.api('GET', '/v1/members', undefined, { 'patron-program': other.id })).status).toBe(200);
  });
});

describe('the role table', () => {
  it('names every operation of the OpenAPI document (deny by default would lock staff out of a forgotten one)', async () => {
    const doc = JSON.parse((await h.app.inject({ method: 'GET', url: '/openapi.json' })).body) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(routes.length).toBeGreaterThan(90);
    expect(routes.filter((r) => !PERMISSIONS[r])).toEqual([]);
    // And the table names no route that is not there (a typo would leave the real one denied); the audit log
    // comes with the console.
    const extra = Object.keys(PERMISSIONS).filter((r) => !routes.includes(r));
    expect(extra).toEqual([]);
    for (const roles of Object.values(PERMISSIONS)) expect(roles).toContain('owner');
  });

  it('refuses a staff user a route the table does not name', async () => {
    const p = await h.program();
    const s = await signedInStaff(h, p, { role: 'admin' });
    const name = 'GET /v1/members/:member_id';
    const saved = PERMISSIONS[name]!;
    const table = PERMISSIONS as Record<string, readonly string[]>;
    delete table[name];
    try {
      const res = await s.api('GET', '/v1/members/mbr_01j00000000000000000000000');
      expect(res.body).toMatchObject({ status: 403, code: 'auth.role_forbidden' });
    } finally {
      table[name] = saved;
    }
    expect((await s.api('GET', '/v1/members/mbr_01j00000000000000000000000')).status).toBe(404);
  });
});
