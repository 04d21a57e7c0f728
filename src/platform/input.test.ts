import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../test/harness.js';
import { balance, enrol, expectVerified, purchase, uniq } from '../../test/fixtures.js';
import { createApp } from '../main.js';
import { createPublisher, openStream } from '../modules/stream/index.js';
import { findBadText, inspectInput, MAX_JSON_DEPTH } from './input.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

/** `levels` objects, one inside the other: nest(1) is {"a":1}. */
const nest = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};
/** The same as JSON text, for depths JSON.stringify could not write. */
const nestText = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

// `purchase` (test/fixtures) answers the whole response but types only status and body.
const expectProblem = (res: { status: number; body: any; headers?: Record<string, unknown> }, status: number, code: string, field?: string) => {
  expect(String(res.headers?.['content-type'])).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, ...(field !== undefined ? { field } : {}) });
  expect(res.status).toBe(status);
};

async function eventGone(p: TestProgram, id: string) {
  expectProblem(await p.api('GET', `/v1/events/${encodeURIComponent(id)}`), 404, 'event.not_found');
}

describe('text that cannot be stored (NUL, lone surrogates)', () => {
  it('refuses a single event with a NUL or a lone surrogate at any depth, naming the field, and writes nothing', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const id = uniq('e');
    expectProblem(await purchase(p, m, 1000, { id, properties: { note: 'a\u0000b' } }), 400, 'request.invalid_text', 'properties.note');
    expectProblem(
      await purchase(p, m, 1000, { id, lines: [{ sku: 'A', name: 'ok' }, { sku: 'B', quantity: 1, unit_price: 1000, name: 'x\u0000' }] }),
      400,
      'request.invalid_text',
      'lines.1.name',
    );
    expectProblem(await purchase(p, m, 1000, { id, order_id: 'o\u0000' }), 400, 'request.invalid_text', 'order_id');
    expectProblem(await purchase(p, m, 1000, { id, properties: { 'k\u0000': 1 } }), 400, 'request.invalid_text');
    // JSON.stringify writes a lone surrogate as \ud800, which JSON.parse reads back as one.
    const lone = JSON.stringify({ type: 'purchase', id, member: { id: m }, order_id: uniq('o'), amount: 1000, currency: 'GBP', properties: { deep: [{ note: 'a\ud800b' }] } });
    expect(lone).toContain('\\ud800');
    const res = await p.api('POST', '/v1/events', lone);
    expectProblem(res, 400, 'request.invalid_text', 'properties.deep.0.note');
    expect(res.body.detail).toMatch(/surrogate/);
    // A pair is text, and is taken.
    expect((await purchase(p, m, 1000, { properties: { note: 'ok \ud83d\ude00' } })).status).toBe(201);
    await eventGone(p, id);
    expect((await balance(p, m)).available).toBe(10);
    await expectVerified(h, p.programId);
  });

  it('refuses a member whose name, email or attributes hold a NUL, and creates none', async () => {
    const p = await h.program();
    const email = `${uniq('m')}@example.com`;
    expectProblem(await p.api('POST', '/v1/members', { email: `a\u0000${email}` }), 400, 'request.invalid_text', 'email');
    expectProblem(await p.api('POST', '/v1/members', { email, first_name: 'An\u0000n' }), 400, 'request.invalid_text', 'first_name');
    expectProblem(await p.api('POST', '/v1/members', { email, attributes: { prefs: { colours: ['red', 'b\u0000'] } } }), 400, 'request.invalid_text', 'attributes.prefs.colours.1');
    expectProblem(await p.api('POST', '/v1/members', JSON.stringify({ email, last_name: '\udc00' })), 400, 'request.invalid_text', 'last_name');
    const list = await p.api('GET', '/v1/members');
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([]);
  });

  it('refuses a NUL in a path id or a query parameter, naming path.<param> or query.<param>', async () => {
    const p = await h.program();
    const m = await enrol(p);
    expectProblem(await p.api('GET', '/v1/members/mbr_a%00b'), 400, 'request.invalid_text', 'path.member_id');
    expectProblem(await p.api('POST', '/v1/members/mbr_a%00b/adjustments', { points: 5, reason: 'x' }), 400, 'request.invalid_text', 'path.member_id');
    expectProblem(await p.api('GET', '/v1/events/e%00'), 400, 'request.invalid_text', 'path.event_id');
    expectProblem(await p.api('GET', '/v1/members?cursor=a%00b'), 400, 'request.invalid_text', 'query.cursor');
    expectProblem(await p.api('GET', '/v1/members?q=a%00b'), 400, 'request.invalid_text', 'query.q');
    expectProblem(await p.api('GET', `/v1/members/${m}/transactions?cursor=%00`), 400, 'request.invalid_text', 'query.cursor');
    expect((await balance(p, m)).available).toBe(0);
  });

  it('refuses a bad event in its batch slot and applies the rest', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const ids = [uniq('e'), uniq('e'), uniq('e'), uniq('e'), uniq('e')];
    const body = {
      events: [
        { type: 'purchase', id: ids[0], member: { id: m }, order_id: uniq('o'), amount: 1000, currency: 'GBP', properties: { note: 'a\u0000' } },
        { type: 'purchase', id: ids[1], member: { id: m }, order_id: uniq('o'), amount: 2000, currency: 'GBP' },
        { type: 'purchase', id: ids[2], member: { id: m }, order_id: uniq('o'), amount: 4000, currency: 'GBP', properties: { note: '\ud800' } },
        { type: 'purchase', id: ids[3], member: { id: m }, order_id: uniq('o'), amount: 8000, currency: 'GBP', occurred_at: '0001-01-01T00:00:00+14:00' },
        { type: 'purchase', id: ids[4], member: { id: m }, order_id: uniq('o'), amount: 16000, currency: 'GBP', properties: nest(MAX_JSON_DEPTH) },
      ],
    };
    const res = await p.api('POST', '/v1/events/batch', JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 1, rejected: 4 });
    expect(res.body.results.map((r: { id: string; status: string; error?: { code: string; field?: string } }) => [r.id, r.status, r.error?.code, r.error?.field])).toEqual([
      [ids[0], 'rejected', 'request.invalid_text', 'events.0.properties.note'],
      [ids[1], 'applied', undefined, undefined],
      [ids[2], 'rejected', 'request.invalid_text', 'events.2.properties.note'],
      [ids[3], 'rejected', 'validation.year_out_of_range', 'events.3.occurred_at'],
      [ids[4], 'rejected', 'request.too_deep', expect.stringMatching(/^events\.4\.properties(\.a)+$/)],
    ]);
    expect((await balance(p, m)).available).toBe(20);
    for (const id of [ids[0], ids[2], ids[3], ids[4]]) await eventGone(p, id!);
    await expectVerified(h, p.programId);
  });

  it('names a slot that is not an event, or holds a NUL as a whole, by its index', async () => {
    const p = await h.program();
    const res = await p.api('POST', '/v1/events/batch', '{"events":[1,"x\\u0000"]}');
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { error: { code: string; field: string } }) => [r.error.code, r.error.field])).toEqual([
      ['validation.invalid_type', 'events.0'],
      ['request.invalid_text', 'events.1'],
    ]);
  });
});

describe('JSON nested too deep', () => {
  it(`takes ${MAX_JSON_DEPTH} levels and refuses one more, before hashing (with Idempotency-Key too)`, async () => {
    const p = await h.program();
    const m = await enrol(p);
    // The body is one level, properties another: MAX_JSON_DEPTH - 2 levels inside properties is the most.
    expect((await purchase(p, m, 1000, { properties: { d: nest(MAX_JSON_DEPTH - 2) } })).status).toBe(201);
    const tooDeep = await purchase(p, m, 1000, { properties: { d: nest(MAX_JSON_DEPTH - 1) } });
    expectProblem(tooDeep, 400, 'request.too_deep');
    expect(tooDeep.body.field).toMatch(/^properties\.d(\.a)+$/);
    // Thousands deep, as text: refused before the idempotency hash or the event hash would serialise it.
    const id = uniq('e');
    const text = `{"type":"purchase","id":"${id}","member":{"id":"${m}"},"order_id":"${uniq('o')}","amount":1000,"currency":"GBP","properties":{"d":${nestText(20_000)}}}`;
    const variants: Record<string, string>[] = [{}, { 'idempotency-key': uniq('k') }];
    for (const headers of variants) {
      expectProblem(await p.api('POST', '/v1/events', text, headers), 400, 'request.too_deep');
    }
    expectProblem(await p.api('POST', '/v1/members', `{"email":"${uniq('m')}@example.com","attributes":${nestText(5000)}}`), 400, 'request.too_deep');
    await eventGone(p, id);
    expect((await balance(p, m)).available).toBe(10);
  });

  it('refuses a batch slot thousands deep alone, also under an Idempotency-Key, and replays the same answer', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const [bad, good] = [uniq('e'), uniq('e')];
    const text =
      `{"events":[{"type":"signup","id":"${bad}","member":{"id":"${m}"},"properties":{"d":${nestText(20_000)}}},` +
      `{"type":"purchase","id":"${good}","member":{"id":"${m}"},"order_id":"${uniq('o')}","amount":3000,"currency":"GBP"}]}`;
    const key = { 'idempotency-key': uniq('k') };
    const first = await p.api('POST', '/v1/events/batch', text, key);
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: { id: string; status: string; error?: { code: string } }) => [r.id, r.status, r.error?.code])).toEqual([
      [bad, 'rejected', 'request.too_deep'],
      [good, 'applied', undefined],
    ]);
    const again = await p.api('POST', '/v1/events/batch', text, key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await balance(p, m)).available).toBe(30);
    await eventGone(p, bad);
  });

  it('inspects any depth without recursion', () => {
    const deep = JSON.parse(nestText(200_000)) as unknown;
    expect(inspectInput(deep)).toMatchObject({ code: 'request.too_deep' });
    expect(findBadText(JSON.parse(`${'{"a":'.repeat(100_000)}"\\u0000"${'}'.repeat(100_000)}`), 'x.')).toMatchObject({ reason: 'nul' });
    expect(findBadText({ a: ['ok', { b: 'ok \ud83d\ude00' }] })).toBeNull();
    expect(findBadText({ note: 'x\u0000' }, 'events.3')).toEqual({ field: 'events.3.note', reason: 'nul' });
    expect(findBadText('\udc00', 'events.3.')).toEqual({ field: 'events.3', reason: 'lone_surrogate' });
  });
});

describe('times and dates outside years 1900–9999', () => {
  it('refuses an occurred_at whose year after its offset is out of range, and takes the edges', async () => {
    const p = await h.program();
    const m = await enrol(p);
    for (const at of ['0001-01-01T00:00:00+14:00', '1899-12-31T23:59:59Z', '1900-01-01T00:30:00+01:00', '9999-12-31T20:00:00-05:00']) {
      const res = await purchase(p, m, 1000, { occurred_at: at });
      expectProblem(res, 400, 'validation.year_out_of_range', 'occurred_at');
    }
    expect((await purchase(p, m, 1000, { occurred_at: '1900-01-01T00:00:00Z' })).status).toBe(201);
    // The last year is in range, so what refuses it is the rule for events from the future, not a 5xx.
    expectProblem(await purchase(p, m, 1000, { occurred_at: '9999-12-31T23:59:59Z' }), 400, 'event.occurred_in_future', 'occurred_at');
    expect((await balance(p, m)).available).toBe(10);
    await expectVerified(h, p.programId);
  });

  it('refuses out-of-range dates in analytics ranges, member and ledger writes', async () => {
    const p = await h.program();
    const m = await enrol(p);
    expectProblem(await p.api('GET', '/v1/analytics/kpis?to=0000-01-01'), 400, 'validation.year_out_of_range', 'to');
    expectProblem(await p.api('GET', '/v1/analytics/kpis?from=0050-01-01&to=0051-01-01'), 400, 'validation.year_out_of_range', 'from');
    expectProblem(await p.api('GET', '/v1/analytics/cohorts?from=0050-01-01T00:00:00Z'), 400, 'validation.year_out_of_range', 'from');
    expectProblem(await p.api('GET', '/v1/analytics/rfm?as_of=0099-12-31'), 400, 'validation.year_out_of_range', 'as_of');
    expect((await p.api('GET', '/v1/analytics/kpis?from=1900-01-01&to=1901-01-01')).status).toBe(200);
    const segment = await p.api('POST', '/v1/analytics/segments/preview', { conditions: { field: 'enrolled_at', op: 'gte', value: '0050-01-01' } });
    expectProblem(segment, 400, 'segments.invalid_condition', 'conditions.value');
    expect(segment.body.detail).toMatch(/years 1900 and 9999/);
    const email = `${uniq('m')}@example.com`;
    expectProblem(await p.api('POST', '/v1/members', { email, enrolled_at: '0010-05-01T00:00:00Z' }), 400, 'validation.year_out_of_range', 'enrolled_at');
    expectProblem(
      await p.api('POST', `/v1/members/${m}/adjustments`, { points: 10, reason: 'x', expires_at: '9999-12-31T23:00:00-02:00' }),
      400,
      'validation.year_out_of_range',
      'expires_at',
    );
    expect((await p.api('GET', `/v1/members?identity=email:${email}`)).body.data).toEqual([]);
    expect((await balance(p, m)).available).toBe(0);
    expect((await p.api('POST', `/v1/members/${m}/adjustments`, { points: 10, reason: 'x', expires_at: '9999-12-31T00:00:00Z' })).status).toBe(201);
    expect((await balance(p, m)).next_expiries).toEqual([{ expires_at: '9999-12-31T00:00:00.000Z', points: 10 }]);
    await expectVerified(h, p.programId);
  });
});

describe("fastify's own errors are problem+json with Patron codes", () => {
  it('414 for a path id over the router limit, 400 request.bad_url for a bad escape; ids of 200 characters still work', async () => {
    const p = await h.program();
    expectProblem(await p.api('GET', `/v1/members/${'a'.repeat(2000)}`), 414, 'request.uri_too_long', 'path');
    expectProblem(await p.api('GET', '/v1/members/%ff'), 400, 'request.bad_url', 'path');
    const m = await enrol(p);
    const id = `e-${'x'.repeat(190)}`;
    expect((await purchase(p, m, 500, { id })).status).toBe(201);
    const got = await p.api('GET', `/v1/events/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(id);
  });

  it('413 request.too_large for a body over the limit', async () => {
    const p = await h.program();
    const res = await p.api('POST', '/v1/members', JSON.stringify({ email: 'a@example.com', attributes: { a: 'x'.repeat(9 * 1024 * 1024) } }));
    expectProblem(res, 413, 'request.too_large', 'body');
    expect((await p.api('GET', '/v1/members')).body.data).toEqual([]);
  });

  it('404 route.not_found for an unknown path, 405 with Allow for a known path with another method', async () => {
    const p = await h.program();
    expectProblem(await p.api('GET', '/v1/nothing-here'), 404, 'route.not_found');
    const wrong = await p.api('DELETE', '/v1/transfers');
    expectProblem(wrong, 405, 'route.method_not_allowed');
    expect(wrong.headers.allow).toBe('POST');
    const m = await enrol(p);
    const put = await p.api('PUT', `/v1/members/${m}`, { first_name: 'x' });
    expectProblem(put, 405, 'route.method_not_allowed');
    expect(String(put.headers.allow).split(', ')).toEqual(expect.arrayContaining(['GET', 'PATCH']));
    expect((await p.api('GET', `/v1/members/${m}`)).body.first_name ?? null).toBeNull();
  });

  it('431 problem+json for headers over node’s limit, from a listening server', async () => {
    const app = h.app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/v1/members', headers: { 'x-filler': 'a'.repeat(64 * 1024) } }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.type).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: 'request.headers_too_large' });
    expect(res.status).toBe(431);
  });
});

// With --ingest=nats, what the guard refuses is answered 4xx before anything is published: a worker never sees it.
const NATS_URL = process.env.NATS_URL;
describe.skipIf(!NATS_URL)('with --ingest=nats', () => {
  it('refuses bad text, depth and years at 4xx and publishes nothing of them', async () => {
    const name = `PATRON_TEST_${randomBytes(4).toString('hex')}`;
    const stream = await openStream({ url: NATS_URL!, stream: name, partitions: 2 }, 'api');
    const app = createApp(h.services, { publisher: createPublisher({ db: h.db, stream, events: h.services.events, members: h.services.members }) });
    const nc = await connect({ servers: NATS_URL! });
    const jsm = await jetstreamManager(nc);
    try {
      await app.ready();
      const p = await h.program();
      const m = await enrol(p);
      const post = async (url: string, payload: string) => {
        const r = await app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId, 'content-type': 'application/json' } });
        return { status: r.statusCode, body: r.json(), headers: r.headers };
      };
      const ev = (id: string, extra: string) => `{"type":"signup","id":"${id}","member":{"id":"${m}"}${extra}}`;
      expectProblem(await post('/v1/events', ev(uniq('e'), ',"properties":{"n":"\\u0000"}')), 400, 'request.invalid_text', 'properties.n');
      expectProblem(await post('/v1/events', ev(uniq('e'), ',"properties":{"n":"\\udfff"}')), 400, 'request.invalid_text', 'properties.n');
      expectProblem(await post('/v1/events', ev(uniq('e'), ',"occurred_at":"0001-01-01T00:00:00+14:00"')), 400, 'validation.year_out_of_range', 'occurred_at');
      expectProblem(await post('/v1/events', ev(uniq('e'), `,"properties":${nestText(5000)}`)), 400, 'request.too_deep');
      const good = uniq('e');
      const batch = await post('/v1/events/batch', `{"events":[${ev(uniq('e'), ',"properties":{"n":"\\u0000"}')},${ev(good, '')},${ev(uniq('e'), `,"properties":${nestText(5000)}`)}]}`);
      expect(batch.status).toBe(202);
      expect(batch.body).toMatchObject({ queued: 1, rejected: 2 });
      expect(batch.body.results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status)).toEqual(['request.invalid_text', 'queued', 'request.too_deep']);
      expect((await jsm.streams.info(name)).state.messages).toBe(1);
    } finally {
      await app.close();
      await stream.close();
      for (const s of [name, `KV_${name}_status`, `KV_${name}_leases`]) await jsm.streams.delete(s).catch(() => false);
      await nc.close();
    }
  });
});
