import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, onPostgres, type Harness, type TestProgram } from '../../../test/harness.js';
import { MemberRef } from './index.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const enrol = (p: TestProgram, body: unknown) => p.api('POST', '/v1/members', body);
const find = async (p: TestProgram, query: string) => {
  const res = await p.api('GET', `/v1/members?${query}`);
  expect(res.status).toBe(200);
  return res.body.data as { id: string }[];
};
const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

describe('enrolment', () => {
  it('enrols a member with a full profile and reads it back', async () => {
    const p = await h.program();
    const res = await enrol(p, {
      email: '  Ann.Smith@Example.COM ',
      phone: '07700 900123',
      card_number: ' abc 1234 ',
      external_ids: { shopify: '123' },
      first_name: 'Ann',
      last_name: 'Smith',
      birthdate: '1990-01-01',
      locale: 'en-gb',
      time_zone: 'europe/london',
      country: 'gb',
      attributes: { favourite_store: 'Leeds', shoe_size: 5 },
      tags: ['vip', 'newsletter', 'vip'],
      consent: { email: true },
      enrolment_channel: 'pos',
      enrolled_at: '2024-03-01T10:00:00+01:00',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      program_id: p.programId,
      email: 'ann.smith@example.com',
      phone: '+447700900123',
      card_number: 'ABC1234',
      external_ids: { shopify: '123' },
      first_name: 'Ann',
      last_name: 'Smith',
      birthdate: '1990-01-01',
      locale: 'en-GB',
      time_zone: 'Europe/London',
      country: 'GB',
      attributes: { favourite_store: 'Leeds', shoe_size: 5 },
      tags: ['vip', 'newsletter'],
      consent: { email: true, sms: false, push: false },
      status: 'active',
      enrolment_channel: 'pos',
      enrolled_at: '2024-03-01T09:00:00.000Z',
    });
    expect(res.body.id).toMatch(/^mbr_[0-9a-z]{26}$/);
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.body.updated_at).toBe(res.body.created_at);

    const read = await p.api('GET', `/v1/members/${res.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('fills defaults for a member known by one identity', async () => {
    const p = await h.program();
    const res = await enrol(p, { card_number: 'CARD-0001' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      email: null,
      phone: null,
      card_number: 'CARD-0001',
      external_ids: {},
      first_name: null,
      birthdate: null,
      attributes: {},
      tags: [],
      consent: { email: false, sms: false, push: false },
      status: 'active',
      enrolment_channel: null,
    });
    expect(res.body.enrolled_at).toBe(res.body.created_at);
  });

  it.each([
    ['email', { email: ' Bob@EXAMPLE.org' }, { email: 'bob@example.org' }],
    ['international phone', { phone: '+44 (0)7700 900 456' }, { phone: '+447700900456' }],
    ['US phone', { phone: '+1 (415) 555-2671' }, { phone: '+14155552671' }],
    ['national phone with country', { phone: '030 123456', country: 'DE' }, { phone: '+4930123456' }],
    ['card number', { card_number: ' 12ab 34cd-ef ' }, { card_number: '12AB34CD-EF' }],
    ['external id', { external_ids: { ' Shopify ': ' 98765 ' } }, { external_ids: { shopify: '98765' } }],
  ])('normalises %s', async (_name, body, expected) => {
    const p = await h.program();
    const res = await enrol(p, body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject(expected);
  });

  it('replays an enrolment sent again with the same Idempotency-Key', async () => {
    const p = await h.program();
    const first = await p.api('POST', '/v1/members', { email: 'idem@example.com' }, { 'idempotency-key': 'enrol-1' });
    const again = await p.api('POST', '/v1/members', { email: 'idem@example.com' }, { 'idempotency-key': 'enrol-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await find(p, 'limit=10')).toHaveLength(1);
  });
});

describe('lookup', () => {
  it('finds a member by each identity, normalised like enrolment', async () => {
    const p = await h.program();
    const ann = await enrol(p, {
      email: 'ann@example.com',
      phone: '+447700900123',
      card_number: 'ABC123',
      external_ids: { shopify: '123', app: 'u-1' },
    });
    await enrol(p, { email: 'other@example.com', external_ids: { shopify: '124' } });
    for (const identity of [
      'email:ANN@Example.com',
      'phone:+44 7700 900123',
      'card:abc 123',
      'shopify:123',
      'app:u-1',
      'Shopify: 123',
    ]) {
      expect(ids(await find(p, `identity=${encodeURIComponent(identity)}`)), identity).toEqual([ann.body.id]);
    }
    // A + left unencoded in a query string arrives as a space.
    expect(ids(await find(p, 'identity=phone:+447700900123'))).toEqual([ann.body.id]);
    expect(await find(p, 'identity=email:nobody%40example.com')).toEqual([]);
    expect(await find(p, 'identity=shopify:999')).toEqual([]);

    const bad = await p.api('GET', '/v1/members?identity=ann');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'member.invalid_identity', field: 'identity' });
  });

  it('answers 404 for an unknown member', async () => {
    const p = await h.program();
    const res = await p.api('GET', '/v1/members/mbr_01hzzzzzzzzzzzzzzzzzzzzzzz');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'member.not_found', field: 'member_id' });
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('hides a member from another program’s key', async () => {
    const p = await h.program();
    const other = await h.program();
    const ann = await enrol(p, { email: 'ann@example.com' });
    const read = await other.api('GET', `/v1/members/${ann.body.id}`);
    expect(read.status).toBe(404);
    expect(read.body.code).toBe('member.not_found');
    expect((await other.api('PATCH', `/v1/members/${ann.body.id}`, { first_name: 'X' })).status).toBe(404);
    expect((await other.api('POST', `/v1/members/${ann.body.id}/erase`)).status).toBe(404);
    expect(await find(other, 'identity=email:ann%40example.com')).toEqual([]);
    // Identities are unique per program, not across programs.
    expect((await enrol(other, { email: 'ann@example.com' })).status).toBe(201);
    expect((await p.api('GET', `/v1/members/${ann.body.id}`)).body.first_name).toBeNull();
  });
});

describe('refusals', () => {
  it.each([
    ['email', { email: 'ann@example.com' }, { email: 'ANN@example.com ' }],
    ['phone', { phone: '+447700900123' }, { phone: '07700 900123', country: 'GB' }],
    ['card_number', { card_number: 'ABC123' }, { card_number: 'abc 123' }],
    ['external_ids.shopify', { external_ids: { shopify: '1' } }, { external_ids: { shopify: '1' } }],
  ])('refuses a %s another member holds, writing nothing', async (field, first, second) => {
    const p = await h.program();
    expect((await enrol(p, first)).status).toBe(201);
    const res = await enrol(p, { ...second, external_ids: { ...('external_ids' in second ? second.external_ids : {}), pos: 'x-1' } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'member.identity_taken', field });
    expect(await find(p, 'identity=pos:x-1')).toEqual([]);
    expect(await find(p, 'limit=10')).toHaveLength(1);
  });

  it('enrols an email once when it is sent many times at once', async () => {
    const p = await h.program();
    const responses = await Promise.all(Array.from({ length: 10 }, () => enrol(p, { email: 'same@example.com' })));
    expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array<number>(9).fill(409)]);
    expect(responses.filter((r) => r.status === 409).every((r) => r.body.field === 'email')).toBe(true);
    expect(await find(p, 'limit=50')).toHaveLength(1);
  });

  it('names an unknown field', async () => {
    const p = await h.program();
    const res = await enrol(p, { email: 'ann@example.com', favourite_colour: 'blue' });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('favourite_colour');
    const nested = await enrol(p, { email: 'ann@example.com', consent: { email: true, fax: true } });
    expect(nested.status).toBe(400);
    expect(nested.body.field).toBe('consent.fax');
  });

  it.each([
    [{ email: 'ann@example.com', first_name: 42 }, 'first_name'],
    [{ email: 'ann@example.com', tags: 'vip' }, 'tags'],
    [{ email: 'ann@example.com', tags: [''] }, 'tags.0'],
    [{ email: 'ann@example.com', consent: { sms: 'yes' } }, 'consent.sms'],
    [{ email: 'ann@example.com', attributes: [1, 2] }, 'attributes'],
    [{ email: 'ann@example.com', external_ids: { shopify: 123 } }, 'external_ids.shopify'],
    [{ email: 'ann@example.com', enrolled_at: 'yesterday' }, 'enrolled_at'],
    [{ email: 123 }, 'email'],
  ])('refuses wrong types: %j', async (body, field) => {
    const p = await h.program();
    const res = await enrol(p, body);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(field);
  });

  it.each([
    ['member.identity_required', undefined, {}],
    ['member.identity_required', undefined, { email: null }],
    ['member.invalid_email', 'email', { email: 'not-an-email' }],
    ['member.invalid_email', 'email', { email: 'ann@example' }],
    ['member.invalid_phone', 'phone', { phone: '07700 900123' }],
    ['member.invalid_phone', 'phone', { phone: '+44 12' }],
    ['member.invalid_phone', 'phone', { phone: '+447700900123 call me' }],
    ['member.invalid_card_number', 'card_number', { card_number: 'ab' }],
    ['member.invalid_card_number', 'card_number', { card_number: 'ABC_123' }],
    ['member.invalid_external_id', 'external_ids.Bad Channel', { external_ids: { 'Bad Channel': '1' } }],
    ['member.invalid_external_id', 'external_ids.email', { external_ids: { email: 'a' } }],
    ['member.invalid_external_id', 'external_ids.shopify', { external_ids: { shopify: ' ' } }],
    ['member.invalid_time_zone', 'time_zone', { email: 'a@example.com', time_zone: 'Mars/Olympus_Mons' }],
    ['member.invalid_time_zone', 'time_zone', { email: 'a@example.com', time_zone: '+01:00' }],
    ['member.invalid_birthdate', 'birthdate', { email: 'a@example.com', birthdate: '2023-02-29' }],
    ['member.invalid_birthdate', 'birthdate', { email: 'a@example.com', birthdate: '1990-13-01' }],
    ['member.invalid_birthdate', 'birthdate', { email: 'a@example.com', birthdate: '01/02/1990' }],
    ['member.invalid_birthdate', 'birthdate', { email: 'a@example.com', birthdate: '2999-01-01' }],
    ['member.invalid_locale', 'locale', { email: 'a@example.com', locale: 'en_GB' }],
    ['member.invalid_country', 'country', { email: 'a@example.com', country: 'UK' }],
    ['member.invalid_country', 'country', { email: 'a@example.com', country: 'XX' }],
    ['member.attributes_too_large', 'attributes', { email: 'a@example.com', attributes: { blob: 'x'.repeat(17_000) } }],
    ['member.invalid_enrolled_at', 'enrolled_at', { email: 'a@example.com', enrolled_at: '2999-01-01T00:00:00Z' }],
  ])('refuses bad values: %s on %s (case %#)', async (code, field, body) => {
    const p = await h.program();
    const res = await enrol(p, body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe(code);
    expect(res.body.field).toBe(field);
    expect(await find(p, 'limit=10')).toEqual([]);
  });

  it('needs the server scope to write and the admin scope to erase', async () => {
    const p = await h.program();
    const ann = await enrol(p, { email: 'ann@example.com' });
    const keyFor = async (scope: 'read' | 'server') =>
      (await h.services.programs.createKey({ workspaceId: p.workspaceId, programId: p.programId, name: scope, scopes: [scope] })).secret;
    const read = { authorization: `Bearer ${await keyFor('read')}` };
    const server = { authorization: `Bearer ${await keyFor('server')}` };
    expect((await p.raw('GET', `/v1/members/${ann.body.id}`, undefined, read)).status).toBe(200);
    const write = await p.raw('POST', '/v1/members', { email: 'bob@example.com' }, read);
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('auth.insufficient_scope');
    expect((await p.raw('PATCH', `/v1/members/${ann.body.id}`, { first_name: 'Ann' }, server)).status).toBe(200);
    expect((await p.raw('POST', `/v1/members/${ann.body.id}/erase`, undefined, server)).status).toBe(403);
  });
});

describe('changes', () => {
  it('updates the profile, identities, tags, consent and status', async () => {
    const p = await h.program();
    const ann = await enrol(p, {
      email: 'ann@example.com',
      phone: '+447700900123',
      external_ids: { shopify: '1', app: 'a-1' },
      first_name: 'Ann',
      tags: ['vip', 'newsletter'],
      consent: { email: true, sms: true },
      attributes: { size: 5 },
    });
    const res = await p.api('PATCH', `/v1/members/${ann.body.id}`, {
      email: 'Ann.New@Example.com',
      phone: null,
      card_number: 'card 77',
      external_ids: { shopify: null, pos: 'p-9', app: 'a-2' },
      last_name: 'Smith',
      first_name: null,
      birthdate: '2000-02-29',
      add_tags: ['gold', 'vip'],
      remove_tags: ['newsletter'],
      consent: { sms: false, push: true },
      status: 'suspended',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ann.body.id,
      email: 'ann.new@example.com',
      phone: null,
      card_number: 'CARD77',
      external_ids: { app: 'a-2', pos: 'p-9' },
      first_name: null,
      last_name: 'Smith',
      birthdate: '2000-02-29',
      tags: ['vip', 'gold'],
      consent: { email: true, sms: false, push: true },
      attributes: { size: 5 },
      status: 'suspended',
      created_at: ann.body.created_at,
    });
    expect(Object.keys(res.body.external_ids).sort()).toEqual(['app', 'pos']);
    expect(await find(p, 'identity=email:ann%40example.com')).toEqual([]);
    expect(await find(p, 'identity=shopify:1')).toEqual([]);
    expect(await find(p, 'identity=app:a-1')).toEqual([]);
    expect(ids(await find(p, 'identity=app:a-2'))).toEqual([ann.body.id]);
    expect(ids(await find(p, 'identity=card:CARD77'))).toEqual([ann.body.id]);
    // The old email is free again.
    expect((await enrol(p, { email: 'ann@example.com' })).status).toBe(201);

    const replaced = await p.api('PATCH', `/v1/members/${ann.body.id}`, { tags: ['a', 'b'], attributes: {}, status: 'active' });
    expect(replaced.body).toMatchObject({ tags: ['a', 'b'], attributes: {}, status: 'active', last_name: 'Smith' });
  });

  it('refuses a change to a taken identity and leaves the member as it was', async () => {
    const p = await h.program();
    const ann = await enrol(p, { email: 'ann@example.com', first_name: 'Ann' });
    await enrol(p, { email: 'bob@example.com', card_number: 'BOB1' });
    const res = await p.api('PATCH', `/v1/members/${ann.body.id}`, { first_name: 'Annie', card_number: 'bob1' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'member.identity_taken', field: 'card_number' });
    expect((await p.api('GET', `/v1/members/${ann.body.id}`)).body).toEqual(ann.body);
  });

  it('keeps at least one identity and refuses erased as a status', async () => {
    const p = await h.program();
    const ann = await enrol(p, { email: 'ann@example.com' });
    const none = await p.api('PATCH', `/v1/members/${ann.body.id}`, { email: null });
    expect(none.status).toBe(400);
    expect(none.body.code).toBe('member.identity_required');
    const swap = await p.api('PATCH', `/v1/members/${ann.body.id}`, { email: null, external_ids: { shopify: '5' } });
    expect(swap.status).toBe(200);
    expect(swap.body).toMatchObject({ email: null, external_ids: { shopify: '5' } });
    const erased = await p.api('PATCH', `/v1/members/${ann.body.id}`, { status: 'erased' });
    expect(erased.status).toBe(400);
    expect(erased.body.field).toBe('status');
    const badTz = await p.api('PATCH', `/v1/members/${ann.body.id}`, { time_zone: 'Nowhere' });
    expect(badTz.body).toMatchObject({ code: 'member.invalid_time_zone', field: 'time_zone' });
    const missing = await p.api('PATCH', '/v1/members/mbr_01hzzzzzzzzzzzzzzzzzzzzzzz', { first_name: 'X' });
    expect(missing.status).toBe(404);
  });

  it('reads a national phone number in the member’s country', async () => {
    const p = await h.program();
    const ann = await enrol(p, { email: 'ann@example.com', country: 'FR' });
    const res = await p.api('PATCH', `/v1/members/${ann.body.id}`, { phone: '06 12 34 56 78' });
    expect(res.status).toBe(200);
    expect(res.body.phone).toBe('+33612345678');
  });

  it('erases personal data and keeps the id', async () => {
    const p = await h.program();
    const ann = await enrol(p, {
      email: 'ann@example.com',
      phone: '+447700900123',
      card_number: 'ANN1',
      external_ids: { shopify: '1' },
      first_name: 'Ann',
      last_name: 'Smith',
      birthdate: '1990-05-01',
      time_zone: 'Europe/London',
      attributes: { size: 5 },
      tags: ['vip'],
      consent: { email: true, sms: true, push: true },
    });
    const res = await p.api('POST', `/v1/members/${ann.body.id}/erase`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ann.body.id,
      email: null,
      phone: null,
      card_number: null,
      external_ids: {},
      first_name: null,
      last_name: null,
      birthdate: null,
      time_zone: null,
      attributes: {},
      tags: [],
      consent: { email: false, sms: false, push: false },
      status: 'erased',
      enrolled_at: ann.body.enrolled_at,
    });
    expect((await p.api('GET', `/v1/members/${ann.body.id}`)).body).toEqual(res.body);
    expect(await find(p, 'identity=email:ann%40example.com')).toEqual([]);
    expect(await find(p, 'q=ann')).toEqual([]);

    const again = await p.api('POST', `/v1/members/${ann.body.id}/erase`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    const patch = await p.api('PATCH', `/v1/members/${ann.body.id}`, { first_name: 'Ann' });
    expect(patch.status).toBe(409);
    expect(patch.body.code).toBe('member.erased');

    const back = await enrol(p, { email: 'ann@example.com', card_number: 'ANN1' });
    expect(back.status).toBe(201);
    expect(back.body.id).not.toBe(ann.body.id);
  });
});

describe('listing', () => {
  it('pages through every member once, in enrolment order', async () => {
    const p = await h.program();
    const enrolled: string[] = [];
    for (let i = 0; i < 7; i++) enrolled.push((await enrol(p, { email: `m${i}@example.com` })).body.id);
    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { data: { id: string }[]; next_cursor: string | null } } = await p.api(
        'GET',
        `/v1/members?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...ids(res.body.data));
      pages.push(res.body.data.length);
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(pages).toEqual([3, 3, 1]);
    expect(seen).toEqual(enrolled);

    const all = await p.api('GET', '/v1/members');
    expect(ids(all.body.data)).toEqual(enrolled);
    expect(all.body.next_cursor).toBeNull();
  });

  it('refuses a bad cursor, limit or filter', async () => {
    const p = await h.program();
    for (const [query, field] of [
      ['cursor=nonsense', 'cursor'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['status=gone', 'status'],
      ['colour=red', 'colour'],
    ]) {
      const res = await p.api('GET', `/v1/members?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.field, query).toBe(field);
    }
  });

  it('searches by name or email, tag and status', async () => {
    const p = await h.program();
    const ann = (await enrol(p, { email: 'ann.smith@example.com', first_name: 'Ann', last_name: 'Smith', tags: ['vip'] })).body;
    const bob = (await enrol(p, { email: 'bob@shop.test', first_name: 'Bob', last_name: 'Annesley', tags: ['vip', 'staff'] })).body;
    const cy = (await enrol(p, { card_number: 'CY01', first_name: 'Cyril', last_name: 'Jones' })).body;
    await p.api('PATCH', `/v1/members/${cy.id}`, { status: 'suspended' });

    expect(ids(await find(p, 'q=ANN'))).toEqual([ann.id, bob.id]);
    expect(ids(await find(p, 'q=smi'))).toEqual([ann.id]);
    expect(ids(await find(p, 'q=ann%20smith'))).toEqual([ann.id]);
    expect(ids(await find(p, 'q=shop.test'))).toEqual([bob.id]);
    expect(ids(await find(p, 'q=jones'))).toEqual([cy.id]);
    expect(await find(p, 'q=%25')).toEqual([]);
    expect(ids(await find(p, 'tag=vip'))).toEqual([ann.id, bob.id]);
    expect(ids(await find(p, 'tag=staff'))).toEqual([bob.id]);
    expect(ids(await find(p, 'status=suspended'))).toEqual([cy.id]);
    expect(ids(await find(p, 'status=active&tag=vip&q=bob'))).toEqual([bob.id]);
    expect(ids(await find(p, 'tag=vip&identity=email:ann.smith%40example.com'))).toEqual([ann.id]);
  });

  it('pages a search through name and email matches in id order, with the other filters in force', async () => {
    const p = await h.program();
    // Matches by name only, by email only and by both, enrolled in turn; one of them is not tagged.
    const a = (await enrol(p, { email: 'a@x.test', first_name: 'Kim', last_name: 'Rowe', tags: ['vip'] })).body;
    const b = (await enrol(p, { email: 'rowena@x.test', first_name: 'Lee', tags: ['vip'] })).body;
    const c = (await enrol(p, { email: 'c.rowe@x.test', first_name: 'Sam', last_name: 'Rowe' })).body;
    const d = (await enrol(p, { email: 'rowe.d@x.test', first_name: 'Dee', last_name: 'Rowe', tags: ['vip'] })).body;
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { data: { id: string }[]; next_cursor: string | null } } = await p.api('GET', `/v1/members?q=rowe&tag=vip&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(res.body.data.map((m: { id: string }) => m.id));
      cursor = res.body.next_cursor;
    } while (cursor && pages.length < 10);
    expect(pages.flat()).toEqual([a.id, b.id, d.id]);
    expect(ids(await find(p, 'q=rowe'))).toEqual([a.id, b.id, c.id, d.id]);
  });
});

describe('resolve', () => {
  const at = new Date('2024-06-01T12:00:00Z');

  it('finds a known member by any identity in one call', async () => {
    const p = await h.program();
    const ann = (
      await enrol(p, { email: 'ann@example.com', phone: '+447700900123', card_number: 'ANN1', external_ids: { shopify: '7' } })
    ).body;
    const refs: MemberRef[] = [
      { id: ann.id },
      { email: ' ANN@example.com' },
      { phone: '+44 7700 900123' },
      { card_number: 'ann 1' },
      { external_id: 'Shopify:7' },
    ];
    for (const ref of refs) {
      const r = await h.db.tx((q) => h.services.members.resolve(q, p.programId, ref, { autoEnrol: false, at }));
      expect(r, JSON.stringify(ref)).toEqual({ memberId: ann.id, status: 'active', enrolled: false });
    }
  });

  it('refuses an unknown identity without auto-enrolment, and never enrols an id', async () => {
    const p = await h.program();
    await expect(
      h.db.tx((q) => h.services.members.resolve(q, p.programId, { email: 'new@example.com' }, { autoEnrol: false, at })),
    ).rejects.toMatchObject({ code: 'member.not_found', status: 404, details: { field: 'member' } });
    await expect(
      h.db.tx((q) => h.services.members.resolve(q, p.programId, { id: 'mbr_01hzzzzzzzzzzzzzzzzzzzzzzz' }, { autoEnrol: true, at })),
    ).rejects.toMatchObject({ code: 'member.not_found', status: 404 });
    await expect(
      h.db.tx((q) => h.services.members.resolve(q, p.programId, { phone: '07700 900123' }, { autoEnrol: true, at })),
    ).rejects.toMatchObject({ code: 'member.invalid_phone', status: 400, details: { field: 'member.phone' } });
    await expect(
      h.db.tx((q) => h.services.members.resolve(q, p.programId, { external_id: 'no-colon' }, { autoEnrol: true, at })),
    ).rejects.toMatchObject({ code: 'member.invalid_external_id', details: { field: 'member.external_id' } });
    expect(await find(p, 'limit=10')).toEqual([]);
  });

  it('enrols an unknown identity when asked', async () => {
    const p = await h.program();
    const r = await h.db.tx((q) =>
      h.services.members.resolve(q, p.programId, { email: 'New@Example.com' }, { autoEnrol: true, channel: 'shopify', at }),
    );
    expect(r).toMatchObject({ status: 'active', enrolled: true });
    const read = await p.api('GET', `/v1/members/${r.memberId}`);
    expect(read.body).toMatchObject({
      email: 'new@example.com',
      status: 'active',
      enrolment_channel: 'shopify',
      enrolled_at: '2024-06-01T12:00:00.000Z',
      tags: [],
      consent: { email: false, sms: false, push: false },
    });
    const again = await h.db.tx((q) => h.services.members.resolve(q, p.programId, { email: 'new@example.com' }, { autoEnrol: true, at }));
    expect(again).toEqual({ memberId: r.memberId, status: 'active', enrolled: false });
  });

  it('enrols one member when many resolve the same new identity at once', async () => {
    const p = await h.program();
    const n = 20;
    // On PostgreSQL every transaction is open before any resolves, so they truly race; PGlite runs them in turn.
    let arrived = 0;
    let release = () => {};
    const allOpen = new Promise<void>((r) => (release = r));
    const results = await Promise.all(
      Array.from({ length: n }, () =>
        h.db.tx(async (q) => {
          if (onPostgres) {
            await q.query('select 1');
            if (++arrived === n) release();
            await allOpen;
          }
          return h.services.members.resolve(q, p.programId, { email: 'race@example.com' }, { autoEnrol: true, channel: 'web', at });
        }),
      ),
    );
    expect(new Set(results.map((r) => r.memberId)).size).toBe(1);
    expect(results.filter((r) => r.enrolled)).toHaveLength(1);
    const all = await find(p, 'limit=50');
    expect(ids(all)).toEqual([results[0]!.memberId]);
  });

  it('validates a member reference as exactly one identity', () => {
    expect(MemberRef.safeParse({ email: 'a@example.com' }).success).toBe(true);
    expect(MemberRef.safeParse({ external_id: 'shopify:1' }).success).toBe(true);
    expect(MemberRef.safeParse({ email: 'a@example.com', phone: '+447700900123' }).success).toBe(false);
    expect(MemberRef.safeParse({}).success).toBe(false);
    expect(MemberRef.safeParse({ name: 'Ann' }).success).toBe(false);
    expect(MemberRef.safeParse({ id: 5 }).success).toBe(false);
  });
});

describe('documentation', () => {
  it('describes the member routes in the OpenAPI document', async () => {
    const p = await h.program();
    const res = await p.raw('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/members', '/v1/members/{member_id}', '/v1/members/{member_id}/erase']),
    );
  });
});
