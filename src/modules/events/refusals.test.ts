import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { enrol, uniq } from '../../../test/fixtures.js';
import { signedInStaff } from '../../../test/staff.js';
import { DAY_MS } from '../../platform/clock.js';
import { REFUSAL_RETENTION_DAYS } from './refusals.service.js';

// GET /v1/event-refusals: the events a request refused for what they meant, as the console's Events → Refused
// lists them. Refused events write nothing; their refusals are kept beside them.

interface Refusal {
  id: string;
  event_id: string | null;
  type: string;
  member_id: string | null;
  member_ref: Record<string, unknown> | null;
  order_id: string | null;
  payload: Record<string, unknown>;
  problem: { status: number; code: string; detail: string; field?: string };
  source: string;
  occurred_at: string | null;
  refused_at: string;
}
interface Page {
  data: Refusal[];
  next_cursor: string | null;
}

let h: Harness;
let p: TestProgram;
let suzy: string;
let ann: string;
const ids: Record<string, string> = {};
let strangerEmail: string;

const refused = async (name: string, body: Record<string, unknown>, status: number, code: string) => {
  const id = uniq(name);
  ids[name] = id;
  const res = await p.api('POST', '/v1/events', { id, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.code).toBe(code);
  return res.body;
};

const list = async (query = '', api = p.api): Promise<Page> => {
  const res = await api('GET', `/v1/event-refusals${query ? `?${query}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Page;
};
const eventIds = (page: Page) => page.data.map((r) => r.event_id);

beforeAll(async () => {
  h = await harness();
  p = await h.program({ settings: { auto_enrol: false } });
  suzy = await enrol(p);
  expect((await p.api('PATCH', `/v1/members/${suzy}`, { status: 'suspended' })).status).toBe(200);
  ann = await enrol(p);
  const order = uniq('o');
  ids.order = order;
  const bought = await p.api('POST', '/v1/events', { id: uniq('buy'), type: 'purchase', member: { id: ann }, order_id: order, amount: 2000, currency: 'GBP' });
  expect(bought.status, JSON.stringify(bought.body)).toBe(201);
  strangerEmail = `${uniq('nobody')}@example.com`;

  await refused('suspended', { type: 'purchase', member: { id: suzy }, order_id: uniq('o'), amount: 1500, currency: 'GBP', occurred_at: '2026-03-01T10:00:00Z' }, 422, 'member.suspended');
  await refused('unknown', { type: 'purchase', member: { email: strangerEmail }, order_id: uniq('o'), amount: 900, currency: 'GBP' }, 404, 'member.not_found');
  await refused('overRefund', { type: 'refund', order_id: order, amount: 5000 }, 422, 'refund.exceeds_paid');
  await refused('noOrder', { type: 'refund', order_id: uniq('missing'), amount: 100 }, 404, 'order.not_found');
  await refused('future', { type: 'signup', member: { id: ann }, occurred_at: new Date(Date.now() + 3 * DAY_MS).toISOString() }, 400, 'event.occurred_in_future');
});
afterAll(() => h.close());

describe('refused events are kept and listed', () => {
  it('lists each refusal newest first with what was sent, the member it named, its code and field', async () => {
    const page = await list();
    expect(eventIds(page)).toEqual([ids.future, ids.noOrder, ids.overRefund, ids.unknown, ids.suspended]);
    const by = Object.fromEntries(page.data.map((r) => [r.event_id, r]));
    expect(by[ids.suspended!]).toMatchObject({
      type: 'purchase',
      member_id: suzy,
      member_ref: { id: suzy },
      payload: { id: ids.suspended, amount: 1500, currency: 'GBP' },
      problem: { status: 422, code: 'member.suspended', field: 'member' },
      source: 'api',
      occurred_at: '2026-03-01T10:00:00.000Z',
    });
    expect(by[ids.suspended!]!.id).toMatch(/^erf_[0-9a-z]{26}$/);
    expect(by[ids.unknown!]).toMatchObject({ member_id: null, member_ref: { email: strangerEmail }, problem: { status: 404, code: 'member.not_found', field: 'member' }, occurred_at: null });
    // A refund names its member through its order.
    expect(by[ids.overRefund!]).toMatchObject({ type: 'refund', member_id: ann, member_ref: null, order_id: ids.order, problem: { status: 422, code: 'refund.exceeds_paid' } });
    expect(by[ids.overRefund!]!.problem.detail).toBeTruthy();
    expect(by[ids.noOrder!]).toMatchObject({ member_id: null, problem: { status: 404, code: 'order.not_found', field: 'order_id' } });
    expect(by[ids.future!]).toMatchObject({ type: 'signup', member_id: ann, problem: { status: 400, code: 'event.occurred_in_future', field: 'occurred_at' } });
    // Nothing of the refused events was written.
    for (const id of [ids.suspended, ids.unknown, ids.overRefund]) expect((await p.api('GET', `/v1/events/${id}`)).status).toBe(404);
  });

  it('keeps a batch’s refused slots with the event’s own field, and not its applied or malformed ones', async () => {
    const q = await h.program({ settings: { auto_enrol: false } });
    const m = await enrol(q);
    const good = uniq('good');
    const bad = uniq('bad');
    const res = await q.api('POST', '/v1/events/batch', {
      events: [
        { type: 'purchase', id: good, member: { id: m }, order_id: uniq('o'), amount: 1000, currency: 'GBP' },
        { type: 'purchase', id: bad, member: { card_number: 'NOPE-1' }, order_id: uniq('o'), amount: 1000, currency: 'GBP' },
        { type: 'purchase', id: uniq('shape'), member: { id: m }, amount: 'ten', currency: 'GBP' },
        { type: 'purchase', id: uniq('eur'), member: { id: m }, order_id: uniq('o'), amount: 1000, currency: 'EUR' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'rejected', 'rejected', 'rejected']);
    expect(res.body.results[1].error.field).toBe('events.1.member');
    const page = await list('', q.api);
    expect(page.data.map((r) => [r.event_id, r.source, r.problem.code, r.problem.field])).toEqual([
      [res.body.results[3].id, 'batch', 'event.currency_mismatch', 'currency'],
      [bad, 'batch', 'member.not_found', 'member'],
    ]);
    expect((await q.api('GET', `/v1/events/${good}`)).status).toBe(200);
  });

  it('does not keep a body that is not an event at all, nor a request refused for its key or headers', async () => {
    const q = await h.program({ settings: { auto_enrol: false } });
    const malformed = [
      { type: 'purchase', id: uniq('x'), member: { id: 'mbr_x' }, currency: 'GBP' },
      { type: 'purchase', id: uniq('x'), member: { email: 'a@example.com' }, order_id: 'o', amount: -1, currency: 'GBP' },
      { type: 'refund', id: uniq('x') },
      { id: uniq('x'), type: 'Not A Type', member: { id: 'x' } },
      'not even an object',
    ];
    for (const body of malformed) expect((await q.api('POST', '/v1/events', body)).status).toBe(400);
    // Refused for the Idempotency-Key, not for what the event meant.
    const event = { type: 'signup', id: uniq('s'), member: { email: `${uniq('z')}@example.com` } };
    expect((await q.api('POST', '/v1/events', event, { 'idempotency-key': 'bad key with spaces' })).status).toBe(400);
    expect(await list('', q.api)).toEqual({ data: [], next_cursor: null });
    // The same event with a good key is refused for its member, and kept.
    expect((await q.api('POST', '/v1/events', event, { 'idempotency-key': uniq('k') })).status).toBe(404);
    expect(eventIds(await list('', q.api))).toEqual([event.id]);
  });

  it('keeps an id reused with another body, and a replay of the same refusal within a minute once', async () => {
    const q = await h.program({ settings: { auto_enrol: false } });
    const m = await enrol(q);
    const id = uniq('dup');
    expect((await q.api('POST', '/v1/events', { type: 'signup', id, member: { id: m } })).status).toBe(201);
    const other = { type: 'signup', id, member: { id: m }, properties: { again: true } };
    for (let i = 0; i < 3; i++) expect((await q.api('POST', '/v1/events', other)).status).toBe(409);
    const page = await list('', q.api);
    expect(page.data.map((r) => [r.event_id, r.problem.code, r.problem.field])).toEqual([[id, 'event.id_reused', 'id']]);
    expect(page.data[0]!.payload).toMatchObject({ properties: { again: true } });
  });

  it('filters by type, member (id, identity, or one nobody has), code, event id and time', async () => {
    expect(eventIds(await list('type=refund'))).toEqual([ids.noOrder, ids.overRefund]);
    expect(eventIds(await list(`member=${suzy}`))).toEqual([ids.suspended]);
    expect(eventIds(await list(`member=${ann}`))).toEqual([ids.future, ids.overRefund]);
    expect(eventIds(await list(`member=${encodeURIComponent(`email:${strangerEmail.toUpperCase()}`)}`))).toEqual([ids.unknown]);
    expect(eventIds(await list('code=member.suspended'))).toEqual([ids.suspended]);
    expect(eventIds(await list(`event_id=${ids.noOrder}`))).toEqual([ids.noOrder]);
    expect(eventIds(await list(`code=member.not_found&type=refund`))).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await list(`from=${today}`)).data).toHaveLength(5);
    expect((await list(`to=${today}`)).data).toHaveLength(0);
  });

  it('pages by cursor without gaps or repeats', async () => {
    const seen: (string | null)[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...eventIds(page));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([ids.future, ids.noOrder, ids.overRefund, ids.unknown, ids.suspended]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['code=Not%20a%20code', 'code'],
    ['from=yesterday', 'from'],
    ['from=2026-03-04&to=2026-03-02', 'to'],
    ['cursor=abc', 'cursor'],
    ['member=ann', 'member'],
    ['outcome=earned', 'outcome'],
  ])('refuses %s with a 400 naming %s', async (query, field) => {
    const res = await p.api('GET', `/v1/event-refusals?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.field).toBe(field);
  });

  it('answers GET /v1/events/{id} of a refused event with a 404 that says it was refused', async () => {
    const res = await p.api('GET', `/v1/events/${ids.suspended}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('event.not_found');
    expect(res.body.detail).toMatch(/refused .*member\.suspended/);
    expect((await p.api('GET', `/v1/events/${uniq('never')}`)).body.detail).not.toMatch(/refused/);
  });

  it('is open to every staff role that reads, the analyst included', async () => {
    for (const role of ['analyst', 'support', 'marketer'] as const) {
      const s = await signedInStaff(h, p, { role });
      expect(eventIds(await list('code=member.suspended', s.api)), role).toEqual([ids.suspended]);
    }
  });

  it('keeps programs apart: another workspace’s key sees none and cannot name this program', async () => {
    const other = await h.program();
    expect(await list('', other.api)).toEqual({ data: [], next_cursor: null });
    const cross = await other.raw('GET', '/v1/event-refusals', undefined, { authorization: `Bearer ${other.key}`, 'patron-program': p.programId });
    expect(cross.status).toBeGreaterThanOrEqual(400);
    expect(cross.status).toBeLessThan(500);
  });

  it('the maintenance deletes refusals older than the retention, and only those', async () => {
    const q = await h.program({ settings: { auto_enrol: false } });
    expect((await q.api('POST', '/v1/events', { type: 'signup', id: uniq('old'), member: { email: `${uniq('n')}@example.com` } })).status).toBe(404);
    const soon = new Date(Date.now() + (REFUSAL_RETENTION_DAYS - 1) * DAY_MS);
    expect(await h.services.refusals.prune({ programId: q.programId, now: soon })).toEqual({ refusals_deleted: 0 });
    const later = new Date(Date.now() + (REFUSAL_RETENTION_DAYS + 1) * DAY_MS);
    expect(await h.services.refusals.prune({ programId: q.programId, now: later })).toEqual({ refusals_deleted: 1 });
    expect(await list('', q.api)).toEqual({ data: [], next_cursor: null });
    // Another program's refusals are not touched.
    expect((await list()).data).toHaveLength(5);
  });

  it('erasing a member deletes the refusals that named them, by id or by an identity they held', async () => {
    const q = await h.program({ settings: { auto_enrol: false } });
    const email = `${uniq('gone')}@example.com`;
    const gone = (await q.api('POST', '/v1/members', { email })).body.id as string;
    const other = await enrol(q);
    await q.api('PATCH', `/v1/members/${gone}`, { status: 'suspended' });
    await q.api('PATCH', `/v1/members/${other}`, { status: 'suspended' });
    const buy = (member: Record<string, string>) => ({ id: uniq('e'), type: 'purchase', member, order_id: uniq('o'), amount: 900, currency: 'GBP' });
    for (const body of [buy({ id: gone }), buy({ email }), buy({ id: other })]) expect((await q.api('POST', '/v1/events', body)).status).toBe(422);
    expect((await list('', q.api)).data).toHaveLength(3);
    expect((await q.api('POST', `/v1/members/${gone}/erase`, {})).status).toBe(200);
    const left = (await list('', q.api)).data;
    expect(left.map((r) => r.member_id)).toEqual([other]);
    expect(JSON.stringify(left)).not.toContain(email);
  });
});
