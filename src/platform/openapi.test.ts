import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { harness, type ApiResponse, type Harness, type TestProgram } from '../../test/harness.js';
import { enrol, uniq } from '../../test/fixtures.js';
import { PASSWORD, signedInStaff } from '../../test/staff.js';
import fc from 'fast-check';
import { manualClock } from './clock.js';
import { EventInput, parseEvent } from '../modules/events/events.contract.js';

/**
 * The OpenAPI document is what /docs and generated clients use: it must lint clean, say how to authenticate
 * and name the program, list every error an operation can answer, and describe the bodies the API really
 * sends — checked here by validating real answers against it.
 */

type Json = Record<string, any>;
const clock = manualClock('2026-07-01T00:00:00Z');
let h: Harness;
let doc: Json;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

beforeAll(async () => {
  h = await harness({ clock });
  const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = JSON.parse(res.body) as Json;
});
afterAll(() => h.close());

function operations(): { path: string; method: string; op: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, ops]) =>
    METHODS.filter((m) => (ops as Json)[m]).map((method) => ({ path, method, op: (ops as Json)[method] as Json })),
  );
}

/** Follows a local `$ref` (`#/components/...`); undefined when it points nowhere. */
function deref(pointer: string): unknown {
  return pointer
    .slice(2)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Json)[key] : undefined), doc);
}

const escape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

describe('the document', () => {
  it('lints clean with redocly’s strict rules, descriptions everywhere and valid examples', async () => {
    const config = await createConfig({
      extends: ['recommended-strict'],
      rules: {
        'operation-description': 'error',
        'parameter-description': 'error',
        'tag-description': 'error',
        'operation-tag-defined': 'error',
        'no-invalid-media-type-examples': 'error',
        'no-invalid-schema-examples': 'error',
        'no-invalid-parameter-examples': 'error',
      },
    });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    expect(problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`)).toEqual([]);
  });

  it('resolves every $ref (the tier benefits’ JSON value included)', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toContain('#/components/schemas/JsonValue');
    expect(refs.filter((r) => !r.startsWith('#/') || deref(r) === undefined)).toEqual([]);
  });

  it('gives every operation a description, a unique operationId, problem+json errors and a 2xx response schema', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(80);
    const missing: string[] = [];
    const ids = new Set<string>();
    for (const { path, method, op } of ops) {
      const name = `${method.toUpperCase()} ${path}`;
      if (!op.description) missing.push(`${name}: description`);
      if (!op.operationId) missing.push(`${name}: operationId`);
      else if (ids.has(op.operationId)) missing.push(`${name}: operationId ${op.operationId} twice`);
      ids.add(op.operationId);
      for (const p of op.parameters ?? []) {
        const param = (p.$ref ? deref(p.$ref) : p) as Json;
        if (!param.description) missing.push(`${name}: parameter ${param.name} has no description`);
      }
      const statuses = Object.keys(op.responses);
      for (const s of ['400', '401', '403', '429', '503']) if (!statuses.includes(s)) missing.push(`${name}: no ${s}`);
      if (path.includes('{') && !statuses.includes('404')) missing.push(`${name}: no 404`);
      for (const s of statuses.filter((x) => /^[45]/.test(x))) {
        const r = deref(op.responses[s].$ref ?? `#/paths/${escape(path)}/${method}/responses/${s}`) as Json;
        if (!r.content?.['application/problem+json']?.schema || !r.content['application/problem+json'].example) {
          missing.push(`${name}: ${s} is not problem+json with an example`);
        }
      }
      const ok = statuses.filter((s) => s.startsWith('2'));
      if (!ok.length) missing.push(`${name}: no 2xx`);
      // 204 No Content has, by definition, no body to describe.
      for (const s of ok.filter((x) => x !== '204')) {
        const content = (op.responses[s].content ?? {}) as Json;
        if (!Object.values(content).some((m: Json) => m.schema && Object.keys(m.schema).length)) missing.push(`${name}: ${s} has no schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('lets a workspace-wide key name the program: a security scheme for the Patron-Program header on program operations', async () => {
    const scheme = doc.components.securitySchemes.program as Json;
    expect(scheme).toMatchObject({ type: 'apiKey', in: 'header', name: 'Patron-Program' });
    for (const { path, method, op } of operations()) {
      const workspace = path.startsWith('/v1/programs') || path.startsWith('/v1/keys') || path.startsWith('/v1/staff');
      const named = (op.security as Json[]).some((s) => 'program' in s);
      expect(named, `${method.toUpperCase()} ${path}`).toBe(!workspace);
    }
    // What /docs sends once both are filled in under Authorize: the bearer key and the header the scheme names.
    const p = await h.program();
    const asDocs = await p.raw('GET', '/v1/members', undefined, { authorization: `Bearer ${p.key}`, [scheme.name]: p.programId });
    expect(asDocs.status, JSON.stringify(asDocs.body)).toBe(200);
    const without = await p.raw('GET', '/v1/members', undefined, { authorization: `Bearer ${p.key}` });
    expect(without.body).toMatchObject({ status: 400, code: 'auth.program_required', field: 'Patron-Program' });
  });

  it('documents Idempotency-Key on every write but the few that do not honour it', () => {
    const honoured = (op: Json) => (op.parameters ?? []).some((p: Json) => p.$ref === '#/components/parameters/IdempotencyKey');
    const without = operations()
      .filter(({ method, op }) => method !== 'get' && !honoured(op))
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`)
      .sort();
    expect(without).toEqual([
      'DELETE /v1/keys/{key_id}',
      // Staff sessions and users: signing in writes a session, not a resource; an invitation's link is shown once.
      'DELETE /v1/staff/session',
      'PATCH /v1/programs/{program_id}',
      'PATCH /v1/staff/me',
      'PATCH /v1/staff/{staff_id}',
      'POST /v1/analytics/clv',
      'POST /v1/analytics/segments/preview',
      'POST /v1/coupons/validate',
      // An upload's body is a file of up to 50 MB, not a request to hash; starting it is idempotent.
      'POST /v1/imports',
      'POST /v1/rules/preview',
      'POST /v1/staff',
      'POST /v1/staff/session',
      'POST /v1/staff/session/revoke-all',
      'POST /v1/staff/setup',
      'POST /v1/staff/{staff_id}/reset-password',
    ]);
    expect(deref('#/components/parameters/IdempotencyKey')).toMatchObject({ name: 'Idempotency-Key', in: 'header' });
  });
});

describe('POST /v1/events', () => {
  // The route parses an event by its `type` (for errors that name the field of that type's own shape); the
  // document shows the union of the same schemas. Both must take exactly the same events.
  it('takes exactly the events its documented schema takes', () => {
    const value = fc.oneof(
      fc.constantFrom('purchase', 'refund', 'signup', 'Bad Type', '', 'o-1', 'GBP', 'gbp', '2026-01-01T00:00:00Z', 'x'),
      fc.integer({ min: -5, max: 5000 }),
      fc.boolean(),
      fc.constant(null),
      fc.constant({ id: 'mbr_1' }),
      fc.constant({ email: 'a@example.com' }),
      fc.constant([{ sku: 's', quantity: 1, unit_price: 100 }]),
      fc.constant([{ sku: 's', quantity: 1 }]),
    );
    const keys = ['type', 'id', 'order_id', 'member', 'guest', 'amount', 'currency', 'lines', 'channel', 'occurred_at', 'reason', 'extra'] as const;
    const anything = fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<(typeof keys)[number], typeof value>, { requiredKeys: [] });
    // Valid events of every kind, with up to two fields changed or dropped: most of the edge lies there.
    const bases: Record<string, unknown>[] = [
      { type: 'purchase', id: 'e-1', order_id: 'o-1', member: { id: 'mbr_1' }, amount: 100, currency: 'GBP' },
      { type: 'purchase', id: 'e-2', order_id: 'o-2', guest: true, amount: 100, currency: 'GBP', lines: [{ sku: 's', quantity: 1, unit_price: 100 }] },
      { type: 'refund', id: 'e-3', order_id: 'o-1', amount: 50, reason: 'x' },
      { type: 'signup', id: 'e-4', member: { email: 'a@example.com' }, channel: 'web', occurred_at: '2026-01-01T00:00:00Z' },
    ];
    const change = fc.tuple(fc.constantFrom(...keys), fc.option(value, { nil: undefined }));
    const nearly = fc.tuple(fc.constantFrom(...bases), fc.array(change, { maxLength: 2 })).map(([base, changes]) => {
      const e: Record<string, unknown> = { ...base };
      for (const [k, v] of changes) {
        if (v === undefined) delete e[k];
        else e[k] = v;
      }
      return e;
    });
    const event = fc.oneof(anything, nearly);
    let valid = 0;
    fc.assert(
      fc.property(event, (e) => {
        let parsed = true;
        try {
          parseEvent(e);
        } catch {
          parsed = false;
        }
        expect(parsed, JSON.stringify(e)).toBe(EventInput.safeParse(e).success);
        if (parsed) valid++;
      }),
      { numRuns: 3000, seed: 20261206 },
    );
    // Both sides of the edge were tried.
    expect(valid).toBeGreaterThan(300);
    expect(valid).toBeLessThan(2700);
  });
});

describe('answers match the document', () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  // ajv-formats is CommonJS with its plugin as `default`; under NodeNext the default import is the module.
  ajvFormats.default(ajv);
  // The document's own keywords, around the schemas: known to ajv so that it can resolve refs into the document.
  ajv.addVocabulary(['openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags']);
  const compiled = new Map<string, ValidateFunction>();
  let schemaAdded = false;
  const checked = new Set<string>();

  /** Validates an answer against the document's schema for its operation, status and content type. */
  function conforms(method: string, template: string, res: ApiResponse) {
    if (!schemaAdded) {
      ajv.addSchema(doc, 'openapi.json');
      schemaAdded = true;
    }
    const name = `${method} ${template} → ${res.status}`;
    const base = `/paths/${escape(template)}/${method.toLowerCase()}`;
    const op = deref(`#${base}`) as Json | undefined;
    expect(op, `${name}: no such operation`).toBeDefined();
    let pointer = `${base}/responses/${res.status}`;
    const ref = op!.responses[String(res.status)]?.$ref as string | undefined;
    if (ref) pointer = ref.slice(1);
    const response = deref(`#${pointer}`) as Json | undefined;
    expect(response, `${name}: the document lists no ${res.status}`).toBeDefined();
    checked.add(`${method} ${template}`);
    if (res.status === 204) {
      expect(response!.content, name).toBeUndefined();
      return res;
    }
    const type = String(res.headers['content-type'] ?? '').split(';')[0]!;
    expect(Object.keys(response!.content ?? {}), name).toContain(type);
    const at = `openapi.json#${pointer}/content/${escape(type)}/schema`;
    let validate = compiled.get(at);
    if (!validate) {
      validate = ajv.compile({ $ref: at });
      compiled.set(at, validate);
    }
    const ok = validate(res.body);
    expect(ok ? [] : validate.errors!.map((e) => `${name}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
    checked.add(`${method} ${template}`);
    return res;
  }

  let p: TestProgram;
  let member: string;
  beforeAll(async () => {
    p = await h.program();
    member = await enrol(p, { enrolment_channel: 'web', country: 'GB', birthdate: '1990-05-01', enrolled_at: '2026-01-02T00:00:00Z' });
  });

  it('programs, keys and the errors of authentication', async () => {
    conforms('GET', '/v1/programs', await p.api('GET', '/v1/programs'));
    conforms('GET', '/v1/programs/{program_id}', await p.api('GET', `/v1/programs/${p.programId}`));
    conforms('PATCH', '/v1/programs/{program_id}', await p.api('PATCH', `/v1/programs/${p.programId}`, { name: 'Renamed' }));
    conforms('GET', '/v1/programs/{program_id}', await p.api('GET', '/v1/programs/prg_nope'));
    const idem = { 'idempotency-key': uniq('key') };
    const key = conforms('POST', '/v1/keys', await p.api('POST', '/v1/keys', { name: 'reader', scopes: ['read'], program_id: p.programId }, idem));
    expect(key.status).toBe(201);
    const replay = conforms('POST', '/v1/keys', await p.api('POST', '/v1/keys', { name: 'reader', scopes: ['read'], program_id: p.programId }, idem));
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.secret).toBeNull();
    const reused = conforms('POST', '/v1/keys', await p.api('POST', '/v1/keys', { name: 'other', scopes: ['read'] }, idem));
    expect(reused.body.code).toBe('idempotency.key_reused');
    conforms('GET', '/v1/keys', await p.api('GET', '/v1/keys'));
    const reader = { authorization: `Bearer ${key.body.secret as string}` };
    const forbidden = conforms('POST', '/v1/members', await p.raw('POST', '/v1/members', { email: 'x@example.com' }, reader));
    expect(forbidden.status).toBe(403);
    const anonymous = conforms('GET', '/v1/members', await p.raw('GET', '/v1/members'));
    expect(anonymous.status).toBe(401);
    conforms('DELETE', '/v1/keys/{key_id}', await p.api('DELETE', `/v1/keys/${key.body.id as string}`));
    const long = conforms('GET', '/v1/members/{member_id}', await p.api('GET', `/v1/members/${'m'.repeat(1100)}`));
    expect(long.body).toMatchObject({ status: 414, code: 'request.uri_too_long' });
    const huge = conforms('POST', '/v1/members', await p.api('POST', '/v1/members', { email: 'big@example.com', attributes: { note: 'x'.repeat(9 * 1024 * 1024) } }));
    expect(huge.body).toMatchObject({ status: 413, code: 'request.too_large' });
  });

  it('members and the ledger', async () => {
    const made = conforms('POST', '/v1/members', await p.api('POST', '/v1/members', { email: `${uniq('a')}@example.com`, first_name: 'Ann' }));
    expect(made.status).toBe(201);
    const taken = conforms('POST', '/v1/members', await p.api('POST', '/v1/members', { email: made.body.email }));
    expect(taken.status).toBe(409);
    const bad = conforms('POST', '/v1/members', await p.api('POST', '/v1/members', { email: 'not an email' }));
    expect(bad.status).toBe(400);
    conforms('GET', '/v1/members', await p.api('GET', '/v1/members?limit=2'));
    conforms('GET', '/v1/members/{member_id}', await p.api('GET', `/v1/members/${member}`));
    const gone = conforms('GET', '/v1/members/{member_id}', await p.api('GET', '/v1/members/mbr_nope'));
    expect(gone.status).toBe(404);
    conforms('PATCH', '/v1/members/{member_id}', await p.api('PATCH', `/v1/members/${member}`, { last_name: 'Lee' }));

    const idem = { 'idempotency-key': uniq('adj') };
    const credit = { points: 500, reason: 'welcome' };
    conforms('POST', '/v1/members/{member_id}/adjustments', await p.api('POST', `/v1/members/${member}/adjustments`, credit, idem));
    const again = conforms('POST', '/v1/members/{member_id}/adjustments', await p.api('POST', `/v1/members/${member}/adjustments`, credit, idem));
    expect(again.headers['idempotent-replayed']).toBe('true');
    conforms('GET', '/v1/members/{member_id}/balance', await p.api('GET', `/v1/members/${member}/balance`));
    conforms('GET', '/v1/members/{member_id}/balances', await p.api('GET', `/v1/members/${member}/balances`));
    const spent = conforms('POST', '/v1/members/{member_id}/redemptions', await p.api('POST', `/v1/members/${member}/redemptions`, { points: 50 }));
    expect(spent.status).toBe(201);
    const tooMuch = conforms('POST', '/v1/members/{member_id}/redemptions', await p.api('POST', `/v1/members/${member}/redemptions`, { points: 100_000 }));
    expect(tooMuch.status).toBe(422);
    const history = conforms('GET', '/v1/members/{member_id}/transactions', await p.api('GET', `/v1/members/${member}/transactions`));
    conforms('GET', '/v1/transactions/{txn_id}', await p.api('GET', `/v1/transactions/${history.body.data[0].id as string}`));
    const hold = conforms('POST', '/v1/members/{member_id}/holds', await p.api('POST', `/v1/members/${member}/holds`, { points: 20, reference: 'basket-1' }));
    conforms('GET', '/v1/holds/{hold_id}', await p.api('GET', `/v1/holds/${hold.body.id as string}`));
    conforms('POST', '/v1/holds/{hold_id}/confirm', await p.api('POST', `/v1/holds/${hold.body.id as string}/confirm`));
    const twice = conforms('POST', '/v1/holds/{hold_id}/cancel', await p.api('POST', `/v1/holds/${hold.body.id as string}/cancel`));
    expect(twice.status).toBeGreaterThanOrEqual(400);
  });

  it('events and orders', async () => {
    const event = { type: 'purchase', id: uniq('evt'), member: { id: member }, order_id: uniq('ord'), amount: 2500, currency: 'GBP', channel: 'web', lines: [{ sku: 'tea', category: 'drinks', quantity: 1, unit_price: 2500 }], occurred_at: '2026-03-01T10:00:00Z' };
    expect(conforms('POST', '/v1/events', await p.api('POST', '/v1/events', event)).status).toBe(201);
    expect(conforms('POST', '/v1/events', await p.api('POST', '/v1/events', event)).status).toBe(200);
    const wrong = conforms('POST', '/v1/events', await p.api('POST', '/v1/events', { ...event, id: uniq('evt'), amount: -1 }));
    expect(wrong.status).toBe(400);
    conforms('GET', '/v1/events/{event_id}', await p.api('GET', `/v1/events/${event.id}`));
    const batch = [1, 2].map((i) => ({ ...event, id: uniq('evt'), order_id: uniq('ord'), amount: 1000 * i, lines: undefined, occurred_at: `2026-0${3 + i}-01T10:00:00Z` }));
    conforms('POST', '/v1/events/batch', await p.api('POST', '/v1/events/batch', { events: [...batch, { type: 'purchase' }] }));
    const refund = { type: 'refund', id: uniq('ref'), order_id: event.order_id, amount: 500, occurred_at: '2026-03-10T10:00:00Z' };
    expect(conforms('POST', '/v1/events', await p.api('POST', '/v1/events', refund)).status).toBe(201);
    conforms('GET', '/v1/orders/{order_id}', await p.api('GET', `/v1/orders/${event.order_id}`));
    conforms('POST', '/v1/orders/{order_id}/fulfil', await p.api('POST', `/v1/orders/${event.order_id}/fulfil`));
    conforms('GET', '/v1/orders/{order_id}', await p.api('GET', '/v1/orders/nope'));
  });

  it('rules, tiers, rewards and referrals', async () => {
    const rule = { name: 'Double on app', trigger: 'purchase', status: 'active', conditions: { all: [{ field: 'event.channel', op: 'eq', value: 'app' }] }, effects: [{ type: 'fixed', points: 5 }] };
    const made = conforms('POST', '/v1/rules', await p.api('POST', '/v1/rules', rule));
    expect(made.status).toBe(201);
    conforms('GET', '/v1/rules', await p.api('GET', '/v1/rules'));
    conforms('GET', '/v1/rules/{rule_id}', await p.api('GET', `/v1/rules/${made.body.id as string}`));
    const preview = { member: { id: member }, event: { type: 'purchase', amount: 2000, currency: 'GBP', channel: 'app' } };
    conforms('POST', '/v1/rules/preview', await p.api('POST', '/v1/rules/preview', preview));

    conforms('PUT', '/v1/tiers/scheme', await p.api('PUT', '/v1/tiers/scheme', { metric: 'spend', window: { type: 'rolling', months: 12 } }));
    const level = { name: 'Gold', threshold: 1000, benefits: { multiplier_bp: 15000, lounge: { city: 'Leeds', visits: [1, 2] } } };
    const gold = conforms('POST', '/v1/tiers/levels', await p.api('POST', '/v1/tiers/levels', level));
    expect(gold.status).toBe(201);
    conforms('GET', '/v1/tiers/levels', await p.api('GET', '/v1/tiers/levels'));
    conforms('GET', '/v1/members/{member_id}/tier', await p.api('GET', `/v1/members/${member}/tier`));

    const reward = conforms('POST', '/v1/rewards', await p.api('POST', '/v1/rewards', { name: 'Free coffee', kind: 'free_product', sku: 'COF-1', points_cost: 100 }));
    expect(reward.status).toBe(201);
    conforms('GET', '/v1/rewards', await p.api('GET', '/v1/rewards'));
    const redeemed = await p.api('POST', `/v1/members/${member}/reward-redemptions`, { reward_id: reward.body.id });
    conforms('POST', '/v1/members/{member_id}/reward-redemptions', redeemed);
    if (redeemed.status === 201) {
      conforms('GET', '/v1/reward-redemptions/{redemption_id}', await p.api('GET', `/v1/reward-redemptions/${redeemed.body.id as string}`));
    }
    conforms('GET', '/v1/stamp-cards', await p.api('GET', '/v1/stamp-cards'));

    conforms('GET', '/v1/referrals/settings', await p.api('GET', '/v1/referrals/settings'));
    conforms('GET', '/v1/members/{member_id}/referral', await p.api('GET', `/v1/members/${member}/referral`));
    conforms('GET', '/v1/referrals', await p.api('GET', '/v1/referrals'));
  });

  it('staff sessions and staff users', async () => {
    const admin = await signedInStaff(h, p, { role: 'owner' });
    const signIn = conforms('POST', '/v1/staff/session', await p.raw('POST', '/v1/staff/session', { email: admin.email, password: PASSWORD }));
    expect(signIn.status).toBe(200);
    conforms('POST', '/v1/staff/session', await p.raw('POST', '/v1/staff/session', { email: admin.email, password: 'wrong password' }));
    conforms('GET', '/v1/staff/session', await admin.bare('GET', '/v1/staff/session'));
    conforms('GET', '/v1/staff/session', await p.raw('GET', '/v1/staff/session'));
    conforms('PATCH', '/v1/staff/me', await admin.api('PATCH', '/v1/staff/me', { locale: 'ru' }));
    conforms('GET', '/v1/staff', await admin.api('GET', '/v1/staff'));
    const made = conforms('POST', '/v1/staff', await admin.api('POST', '/v1/staff', { email: `doc.${uniq()}@example.test`, role: 'analyst', program_ids: [p.programId] }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.staff.id as string;
    conforms('GET', '/v1/staff/{staff_id}', await admin.api('GET', `/v1/staff/${id}`));
    conforms('PATCH', '/v1/staff/{staff_id}', await admin.api('PATCH', `/v1/staff/${id}`, { role: 'support' }));
    conforms('PATCH', '/v1/staff/{staff_id}', await admin.api('PATCH', `/v1/staff/${admin.staffId}`, { role: 'admin' }));
    const reset = conforms('POST', '/v1/staff/{staff_id}/reset-password', await admin.api('POST', `/v1/staff/${id}/reset-password`));
    const token = new URL(reset.body.setup_url as string).searchParams.get('token')!;
    conforms('POST', '/v1/staff/setup', await p.raw('POST', '/v1/staff/setup', { token, password: 'short' }));
    conforms('POST', '/v1/staff/setup', await p.raw('POST', '/v1/staff/setup', { token, password: PASSWORD }));
    const forged = conforms('POST', '/v1/members', await admin.bare('POST', '/v1/members', {}, { 'patron-program': p.programId }));
    expect(forged.body.code).toBe('auth.csrf_failed');
    conforms('POST', '/v1/staff/session/revoke-all', await admin.api('POST', '/v1/staff/session/revoke-all'));
    const again = await signedInStaff(h, p, { role: 'analyst' });
    conforms('DELETE', '/v1/staff/session', await again.api('DELETE', '/v1/staff/session'));
  });

  it('analytics, JSON and CSV, and segments', async () => {
    const q = 'from=2026-01-01&to=2026-07-01';
    for (const report of ['kpis', 'structure', 'points', 'behaviour', 'cohorts']) {
      const res = conforms('GET', `/v1/analytics/${report}`, await p.api('GET', `/v1/analytics/${report}?${q}`));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const csv = conforms('GET', '/v1/analytics/kpis', await p.api('GET', `/v1/analytics/kpis?${q}&format=csv`));
    expect(String(csv.headers['content-type'])).toMatch(/^text\/csv/);
    conforms('GET', '/v1/analytics/rfm', await p.api('GET', '/v1/analytics/rfm?as_of=2026-07-01'));
    conforms('GET', '/v1/analytics/rfm/movement', await p.api('GET', '/v1/analytics/rfm/movement?from=2026-04-01&to=2026-07-01'));
    conforms('GET', '/v1/analytics/summary', await p.api('GET', '/v1/analytics/summary?as_of=2026-07-01'));
    conforms('GET', '/v1/analytics/members/{member_id}', await p.api('GET', `/v1/analytics/members/${member}`));
    const none = conforms('GET', '/v1/analytics/clv', await p.api('GET', '/v1/analytics/clv'));
    expect(none.status).toBe(404);
    const job = conforms('POST', '/v1/analytics/clv', await p.api('POST', '/v1/analytics/clv', { as_of: '2026-07-01' }));
    await h.services.analyticsJobs.idle();
    conforms('GET', '/v1/analytics/jobs/{job_id}', await p.api('GET', `/v1/analytics/jobs/${job.body.id as string}`));
    conforms('GET', '/v1/analytics/jobs', await p.api('GET', '/v1/analytics/jobs'));
    // One buyer cannot identify the models: the job fails, and asking for its scores is a documented 409.
    const scores = conforms('GET', '/v1/analytics/clv', await p.api('GET', `/v1/analytics/clv?job=${job.body.id as string}`));
    expect(scores.body.code).toBe('analytics.job_not_finished');
    const badRange = conforms('GET', '/v1/analytics/kpis', await p.api('GET', '/v1/analytics/kpis?from=2026-07-01&to=2026-01-01'));
    expect(badRange.status).toBe(400);

    const segment = { name: 'Web', conditions: { all: [{ field: 'enrolment_channel', op: 'eq', value: 'web' }] } };
    const seg = conforms('POST', '/v1/analytics/segments', await p.api('POST', '/v1/analytics/segments', segment));
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);
    conforms('GET', '/v1/analytics/segments/{segment_id}/members', await p.api('GET', `/v1/analytics/segments/${seg.body.id as string}/members`));
    conforms('GET', '/v1/analytics/segments/{segment_id}/members.csv', await p.api('GET', `/v1/analytics/segments/${seg.body.id as string}/members.csv`));
  });

  /** Does the document accept this body (or path parameter) for the operation? */
  function documentAccepts(method: string, template: string, part: { body: unknown } | { param: string; value: string }) {
    if (!schemaAdded) {
      ajv.addSchema(doc, 'openapi.json');
      schemaAdded = true;
    }
    const base = `/paths/${escape(template)}/${method.toLowerCase()}`;
    let at = `openapi.json#${base}/requestBody/content/application~1json/schema`;
    let value: unknown;
    if ('body' in part) value = part.body;
    else {
      const i = (deref(`#${base}`) as Json).parameters.findIndex((x: Json) => x.name === part.param);
      at = `openapi.json#${base}/parameters/${i}/schema`;
      value = part.value;
    }
    return ajv.compile({ $ref: at })(value);
  }

  it('the audit log, JSON and CSV', async () => {
    const list = conforms('GET', '/v1/audit', await p.api('GET', '/v1/audit?limit=5'));
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.data.length).toBeGreaterThan(0);
    const csv = conforms('GET', '/v1/audit', await p.api('GET', '/v1/audit?format=csv'));
    expect(String(csv.headers['content-type'])).toMatch(/^text\/csv/);
  });

  it('imports: upload, start, the import, the list, the rejects', async () => {
    const csv = 'email,first_name\nimp@example.test,Imp\nbad,Bad\n';
    const res = await h.app.inject({ method: 'POST', url: '/v1/imports?name=m.csv&kind=members', headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId, 'content-type': 'text/csv' }, payload: csv });
    const up = conforms('POST', '/v1/imports', { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers });
    expect(up.status).toBe(201);
    conforms('POST', '/v1/imports/{import_id}/start', await p.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: { email: 'email', first_name: 'first_name' } }));
    await h.services.importUploads.idle();
    expect(conforms('GET', '/v1/imports/{import_id}', await p.api('GET', `/v1/imports/${up.body.id}`)).body.status).toBe('completed');
    conforms('GET', '/v1/imports', await p.api('GET', '/v1/imports'));
    conforms('GET', '/v1/imports/{import_id}/rejects.csv', await p.api('GET', `/v1/imports/${up.body.id}/rejects.csv`));
  });

  it('messaging: templates, preview, test send, settings, the email channel and the outbox', async () => {
    const mjml = '<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ member.first_name }}</mj-text></mj-column></mj-section></mj-body></mjml>';
    const made = conforms('POST', '/v1/templates', await p.api('POST', '/v1/templates', { name: 'Hi', channel: 'email', variants: { en: { subject: 'Hi', mjml } } }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.id as string;
    conforms('POST', '/v1/templates', await p.api('POST', '/v1/templates', { name: 'Bad', channel: 'email', variants: { en: { subject: '{{', mjml } } }));
    conforms('GET', '/v1/templates', await p.api('GET', '/v1/templates'));
    conforms('GET', '/v1/templates/{template_id}', await p.api('GET', `/v1/templates/${id}`));
    conforms('PATCH', '/v1/templates/{template_id}', await p.api('PATCH', `/v1/templates/${id}`, { name: 'Hello' }));
    conforms('POST', '/v1/templates/{template_id}/preview', await p.api('POST', `/v1/templates/${id}/preview`, { member_id: member }));
    const sent = conforms('POST', '/v1/templates/{template_id}/test-send', await p.api('POST', `/v1/templates/${id}/test-send`, { to: 'qa@example.test' }));
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    conforms('GET', '/v1/outbox', await p.api('GET', '/v1/outbox'));
    conforms('GET', '/v1/outbox/{message_id}', await p.api('GET', `/v1/outbox/${sent.body.id as string}`));
    conforms('GET', '/v1/messaging/settings', await p.api('GET', '/v1/messaging/settings'));
    conforms('PUT', '/v1/messaging/settings', await p.api('PUT', '/v1/messaging/settings', { email: { per_day: 3 } }));
    conforms('GET', '/v1/channels/email', await p.api('GET', '/v1/channels/email'));
    conforms('PUT', '/v1/channels/email', await p.api('PUT', '/v1/channels/email', { smtp_url: 'smtp://u:p@127.0.0.1:2525', from: 'a@example.test' }));
    conforms('DELETE', '/v1/channels/email', await p.api('DELETE', '/v1/channels/email'));
    conforms('POST', '/v1/templates/{template_id}/archive', await p.api('POST', `/v1/templates/${id}/archive`));
  });

  it('validates requests with the schemas it documents: what the API takes the document takes, what the document refuses the API refuses', async () => {
    const event = { type: 'purchase', id: uniq('evt'), member: { id: member }, order_id: uniq('ord'), amount: 900, currency: 'GBP' };
    const rule = { name: 'Tenner', trigger: 'purchase', effects: [{ type: 'fixed', points: 10 }] };
    const segment = { name: 'GB', conditions: { all: [{ field: 'country', op: 'eq', value: 'GB' }] } };
    const cases: { method: 'POST' | 'PATCH'; template: string; url: string; body: unknown; field?: string; param?: [string, string] }[] = [
      // A batch takes anything as an event and answers a bad one in its slot: the document must say so.
      { method: 'POST', template: '/v1/events/batch', url: '/v1/events/batch', body: { events: [5, { type: 'purchase' }, event] } },
      { method: 'POST', template: '/v1/events/batch', url: '/v1/events/batch', body: { events: [] }, field: 'events' },
      { method: 'POST', template: '/v1/events/batch', url: '/v1/events/batch', body: { events: [event], extra: 1 }, field: 'extra' },
      { method: 'POST', template: '/v1/events', url: '/v1/events', body: { ...event, id: uniq('evt') } },
      { method: 'POST', template: '/v1/events', url: '/v1/events', body: { ...event, id: uniq('evt'), amount: -1 }, field: 'amount' },
      { method: 'POST', template: '/v1/rules', url: '/v1/rules', body: rule },
      { method: 'POST', template: '/v1/rules', url: '/v1/rules', body: { ...rule, effects: [{ type: 'fixed', points: 'ten' }] }, field: 'effects.0.points' },
      { method: 'PATCH', template: '/v1/rules/{rule_id}', url: `/v1/rules/${'r'.repeat(100)}`, body: { name: 'x' }, field: 'rule_id', param: ['rule_id', 'r'.repeat(100)] },
      { method: 'POST', template: '/v1/analytics/segments', url: '/v1/analytics/segments', body: segment },
      { method: 'POST', template: '/v1/analytics/segments', url: '/v1/analytics/segments', body: { ...segment, conditions: 5 }, field: 'conditions' },
      { method: 'POST', template: '/v1/analytics/segments/preview', url: '/v1/analytics/segments/preview', body: { conditions: segment.conditions, sample_size: 500 }, field: 'sample_size' },
      { method: 'POST', template: '/v1/recommendations/refresh', url: '/v1/recommendations/refresh', body: { min_support: 0 }, field: 'min_support' },
      { method: 'POST', template: '/v1/journeys', url: '/v1/journeys', body: { name: 'Doc', definition: { trigger: { type: 'event', event_type: 'signup' }, start: 'a', steps: [{ id: 'a', type: 'exit' }] } } },
      { method: 'POST', template: '/v1/journeys', url: '/v1/journeys', body: { name: 'Doc 2', definition: { trigger: { type: 'event', event_type: 'signup' }, start: 'a', steps: [{ id: 'a', type: 'wait', duration: { days: 'two' } }] } }, field: 'definition.steps.0.duration.days' },
    ];
    const seen: string[] = [];
    for (const c of cases) {
      const res = conforms(c.method, c.template, await p.api(c.method, c.url, c.body));
      const accepted = c.param ? documentAccepts(c.method, c.template, { param: c.param[0], value: c.param[1] }) : documentAccepts(c.method, c.template, { body: c.body });
      const answer = res.status === 400 ? `400 ${String(res.body.field)}` : 'taken';
      seen.push(`${c.method} ${c.template} ${JSON.stringify(c.body).slice(0, 40)}: document ${accepted ? 'takes' : 'refuses'}, API ${answer}`);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
      if (c.field) {
        expect(accepted, seen.at(-1)).toBe(false);
        expect(res.body, seen.at(-1)).toMatchObject({ status: 400, field: c.field });
        expect(String(res.body.code)).not.toBe('request.invalid');
      } else {
        expect(res.status, seen.at(-1)).not.toBe(400);
        expect(accepted, seen.at(-1)).toBe(true);
      }
    }
  });

  it('covered every module', () => {
    const tags = new Set([...checked].map((c) => (deref(`#/paths/${escape(c.split(' ')[1]!)}/${c.split(' ')[0]!.toLowerCase()}`) as Json).tags[0]));
    expect([...tags].sort()).toEqual(doc.tags.map((t: { name: string }) => t.name).sort());
  });
});
