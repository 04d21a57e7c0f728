import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { balance, enrol, uniq } from '../../../test/fixtures.js';
import { signedInStaff } from '../../../test/staff.js';
import { manualClock } from '../../platform/clock.js';
import { inHoldout } from './journeys.service.js';

// Journeys through the API with an injected clock: members enter on an event, wait, are given points and tags,
// leave on a purchase or a timeout, convert against a goal; a holdout share passes through untouched.

const clock = manualClock('2026-04-01T09:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

const HOUR = 3_600_000;
const work = () => h.services.journeys.work();
const later = async (ms: number) => {
  clock.advance(ms);
  await work();
};

async function journey(p: TestProgram, name: string, definition: Record<string, unknown>) {
  const made = await p.api('POST', '/v1/journeys', { name, definition });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const on = await p.api('POST', `/v1/journeys/${made.body.id}/status`, { status: 'active' });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
  return made.body.id as string;
}
const send = async (p: TestProgram, body: Record<string, unknown>) => {
  const res = await p.api('POST', '/v1/events', { id: uniq('e'), ...body });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
};
const runsOf = async (p: TestProgram, j: string, member?: string) => {
  const res = await p.api('GET', `/v1/journeys/${j}/runs${member ? `?member_id=${member}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { member_id: string; status: string; end_reason: string | null; holdout: boolean; version: number; converted_at: string | null; history: { step: string; kind: string; outcome: Record<string, unknown> }[] }[];
};
const tagsOf = async (p: TestProgram, m: string) => (await p.api('GET', `/v1/members/${m}`)).body.tags as string[];

describe('journeys', () => {
  it('a welcome series: points at signup, a tag two days later, each step in the run’s history', async () => {
    const p = await h.program();
    const j = await journey(p, 'Welcome', {
      trigger: { type: 'event', event_type: 'signup' },
      start: 'gift',
      steps: [
        { id: 'gift', type: 'give_points', points: 50, reason: 'Welcome gift', next: 'pause' },
        { id: 'pause', type: 'wait', duration: { days: 2 }, next: 'mark' },
        { id: 'mark', type: 'tag', add: ['welcomed'] },
      ],
    });
    const m = await enrol(p);
    await send(p, { type: 'signup', member: { id: m } });
    await work();
    expect((await balance(p, m)).available).toBe(50);
    expect(await runsOf(p, j, m)).toMatchObject([{ status: 'waiting', history: [{ step: 'gift' }, { step: 'pause' }] }]);
    await later(47 * HOUR);
    expect(await tagsOf(p, m)).not.toContain('welcomed');
    await later(2 * HOUR);
    expect(await tagsOf(p, m)).toContain('welcomed');
    expect(await runsOf(p, j, m)).toMatchObject([{ status: 'completed', end_reason: 'completed', history: [{ step: 'gift' }, { step: 'pause' }, { step: 'mark' }] }]);
    // Entry is once (re-entry: never): a second signup event lets nobody in again.
    await send(p, { type: 'signup', member: { id: m } });
    await work();
    expect(await runsOf(p, j, m)).toHaveLength(1);
    expect((await balance(p, m)).available).toBe(50);
  });

  it('a send step queues the message through messaging: it lands in the outbox once, in the member’s words', async () => {
    const p = await h.program();
    const tpl = await p.api('POST', '/v1/templates', {
      name: 'Hello',
      channel: 'email',
      default_locale: 'en',
      variants: { en: { subject: 'Hello {{ member.first_name }}, {{ balance.available }} points', mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>' } },
    });
    expect(tpl.status, JSON.stringify(tpl.body)).toBe(201);
    const j = await journey(p, 'Say hello', {
      trigger: { type: 'event', event_type: 'signup' },
      start: 'gift',
      steps: [
        { id: 'gift', type: 'give_points', points: 30, reason: 'Hello', next: 'mail' },
        { id: 'mail', type: 'send', channel: 'email', template_id: tpl.body.id },
      ],
    });
    const m = await enrol(p, { email: `${uniq('hello')}@example.com`, first_name: 'Ann', consent: { email: true } });
    await send(p, { type: 'signup', member: { id: m } });
    await work();
    await work();
    await h.services.messaging.dispatch();
    const outbox = (await p.api('GET', `/v1/outbox?member_id=${m}`)).body.data as { subject: string; status: string }[];
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ subject: 'Hello Ann, 30 points' });
    const [run] = await runsOf(p, j, m);
    expect(run!.history.find((x) => x.step === 'mail')!.outcome).toMatchObject({ channel: 'email', message_id: expect.stringMatching(/^msg_/) });
  });

  it('an abandoned cart: a purchase within a day ends it and converts; without one the reminder goes out', async () => {
    const p = await h.program();
    const j = await journey(p, 'Cart', {
      trigger: { type: 'event', event_type: 'cart_abandoned' },
      start: 'wait',
      steps: [
        { id: 'wait', type: 'wait_for_event', event_type: 'purchase', timeout: { hours: 24 }, on_event: 'bye', on_timeout: 'remind' },
        { id: 'remind', type: 'tag', add: ['cart_reminded'] },
        { id: 'bye', type: 'exit' },
      ],
      goal: { event_type: 'purchase', within: { days: 7 } },
    });
    const [buyer, idle] = [await enrol(p), await enrol(p)];
    for (const m of [buyer, idle]) await send(p, { type: 'cart_abandoned', member: { id: m } });
    await work();
    await later(3 * HOUR);
    await send(p, { type: 'purchase', member: { id: buyer }, order_id: uniq('o'), amount: 4_000, currency: 'GBP' });
    await work();
    expect(await runsOf(p, j, buyer)).toMatchObject([{ status: 'exited', converted_at: expect.any(String) }]);
    await later(20 * HOUR);
    expect(await tagsOf(p, idle)).toEqual([]);
    await later(2 * HOUR);
    expect(await tagsOf(p, idle)).toEqual(['cart_reminded']);
    expect(await tagsOf(p, buyer)).toEqual([]);
    const [run] = await runsOf(p, j, idle);
    expect(run).toMatchObject({ status: 'completed', converted_at: null });
    expect(run!.history[0]).toMatchObject({ step: 'wait', kind: 'wait_for_event' });
    expect(run!.history[1]).toMatchObject({ step: 'wait', outcome: { ended_by: 'timeout' } });
    const listed = (await p.api('GET', '/v1/journeys')).body.data.find((x: { id: string }) => x.id === j);
    expect(listed.counts).toEqual({ entered: 2, in_flight: 0, holdout: 0, converted: 1 });
  });

  it('branches on a condition and enters only members its trigger conditions let in', async () => {
    const p = await h.program();
    const j = await journey(p, 'Big spenders', {
      trigger: { type: 'event', event_type: 'purchase', conditions: { field: 'event.amount', op: 'gte', value: 10_000 } },
      start: 'check',
      steps: [
        { id: 'check', type: 'branch', condition: { field: 'member.tags', op: 'contains', value: 'vip' }, then: 'vip', else: 'new' },
        { id: 'vip', type: 'tag', add: ['vip_thanked'] },
        { id: 'new', type: 'tag', add: ['big_first'] },
      ],
    });
    const vip = await enrol(p, { tags: ['vip'] });
    const other = await enrol(p);
    const small = await enrol(p);
    for (const [m, amount] of [[vip, 12_000], [other, 15_000], [small, 900]] as const) await send(p, { type: 'purchase', member: { id: m }, order_id: uniq('o'), amount, currency: 'GBP' });
    await work();
    expect(await tagsOf(p, vip)).toEqual(['vip', 'vip_thanked']);
    expect(await tagsOf(p, other)).toEqual(['big_first']);
    expect(await runsOf(p, j, small)).toEqual([]);
  });

  it('holds out its share of members deterministically: they pass through uncontacted', async () => {
    // Over 10,000 members, 10 % held out within a point, and the same ones every time.
    const ids = Array.from({ length: 10_000 }, (_, i) => `mbr_${String(i).padStart(26, '0')}`);
    const held = ids.filter((m) => inHoldout('jrn_test', m, 1000));
    expect(held.length).toBeGreaterThanOrEqual(900);
    expect(held.length).toBeLessThanOrEqual(1100);
    expect(ids.filter((m) => inHoldout('jrn_test', m, 1000))).toEqual(held);
    expect(ids.filter((m) => inHoldout('jrn_other', m, 1000))).not.toEqual(held);

    const p = await h.program();
    const j = await journey(p, 'Half held out', {
      trigger: { type: 'event', event_type: 'signup' },
      start: 'gift',
      steps: [{ id: 'gift', type: 'give_points', points: 10, reason: 'Hello' }],
      holdout_bp: 5000,
    });
    const members = [];
    for (let i = 0; i < 12; i++) members.push(await enrol(p));
    for (const m of members) await send(p, { type: 'signup', member: { id: m } });
    await work();
    const runs = await runsOf(p, j);
    expect(runs).toHaveLength(12);
    const out = runs.filter((r) => r.holdout);
    expect(out.length).toBeGreaterThan(0);
    expect(out.length).toBeLessThan(12);
    for (const r of runs) {
      expect((await balance(p, r.member_id)).available, r.member_id).toBe(r.holdout ? 0 : 10);
      if (r.holdout) expect(r).toMatchObject({ status: 'completed', end_reason: 'holdout', history: [] });
    }
    // Who was held out is the hash's choice for this journey, not chance.
    for (const r of runs) expect(r.holdout).toBe(inHoldout(j, r.member_id, 5000));
  });

  it('an edit of an active journey is a new version: members in flight finish the one they entered', async () => {
    const p = await h.program();
    const def = (tag: string) => ({
      trigger: { type: 'event', event_type: 'signup' },
      start: 'pause',
      steps: [
        { id: 'pause', type: 'wait', duration: { hours: 1 }, next: 'mark' },
        { id: 'mark', type: 'tag', add: [tag] },
      ],
    });
    const j = await journey(p, 'Versioned', def('v1'));
    const early = await enrol(p);
    await send(p, { type: 'signup', member: { id: early } });
    await work();
    const edit = await p.api('PATCH', `/v1/journeys/${j}`, { definition: def('v2') });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    expect(edit.body).toMatchObject({ version: 2, status: 'active', versions: [{ version: 1 }, { version: 2 }] });
    const late = await enrol(p);
    await send(p, { type: 'signup', member: { id: late } });
    await work();
    await later(2 * HOUR);
    expect(await tagsOf(p, early)).toEqual(['v1']);
    expect(await tagsOf(p, late)).toEqual(['v2']);
    expect((await runsOf(p, j, late))[0]!.version).toBe(2);
  });

  it('a paused journey lets nobody in and holds its members; an archived one cannot change', async () => {
    const p = await h.program();
    const j = await journey(p, 'Pausable', {
      trigger: { type: 'event', event_type: 'signup' },
      start: 'pause',
      steps: [
        { id: 'pause', type: 'wait', duration: { hours: 1 }, next: 'mark' },
        { id: 'mark', type: 'tag', add: ['done'] },
      ],
    });
    const a = await enrol(p);
    await send(p, { type: 'signup', member: { id: a } });
    await work();
    expect((await p.api('POST', `/v1/journeys/${j}/status`, { status: 'paused' })).body.status).toBe('paused');
    const b = await enrol(p);
    await send(p, { type: 'signup', member: { id: b } });
    await later(2 * HOUR);
    expect(await tagsOf(p, a)).toEqual([]);
    expect(await runsOf(p, j, b)).toEqual([]);
    await p.api('POST', `/v1/journeys/${j}/status`, { status: 'active' });
    await later(6 * 60_000);
    expect(await tagsOf(p, a)).toEqual(['done']);
    expect((await p.api('POST', `/v1/journeys/${j}/status`, { status: 'archived' })).status).toBe(200);
    expect((await p.api('PATCH', `/v1/journeys/${j}`, { name: 'Again' })).body).toMatchObject({ status: 409, code: 'journey.archived' });
    expect((await p.api('POST', `/v1/journeys/${j}/status`, { status: 'paused' })).body).toMatchObject({ status: 409, code: 'journey.bad_transition' });
  });

  it('refuses a broken definition with the field at fault, and writes nothing', async () => {
    const p = await h.program();
    const base = { trigger: { type: 'event', event_type: 'signup' }, start: 'a', steps: [{ id: 'a', type: 'tag', add: ['x'], next: 'b' }] };
    const cases: [Record<string, unknown>, string, string][] = [
      [base, 'journey.unknown_step', 'definition.steps.0.next'],
      [{ ...base, start: 'zz', steps: [{ id: 'a', type: 'exit' }] }, 'journey.unknown_step', 'definition.start'],
      [{ ...base, steps: [{ id: 'a', type: 'exit' }, { id: 'a', type: 'exit' }] }, 'journey.duplicate_step', 'definition.steps.1.id'],
      [{ ...base, steps: [{ id: 'a', type: 'branch', condition: { field: 'member.shoe_size', op: 'eq', value: 9 } }] }, 'rules.invalid_condition', 'definition.steps.0.condition.field'],
      [{ ...base, steps: [{ id: 'a', type: 'wait', duration: {} }] }, 'validation.custom', 'definition.steps.0.duration'],
    ];
    for (const [definition, code, field] of cases) {
      const res = await p.api('POST', '/v1/journeys', { name: uniq('bad'), definition });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect({ code: res.body.code, field: res.body.field }, JSON.stringify(definition)).toEqual({ code, field });
    }
    expect((await p.api('GET', '/v1/journeys')).body.data).toEqual([]);
    expect((await p.api('GET', '/v1/journeys/jrn_nope')).body).toMatchObject({ status: 404, code: 'journey.not_found' });
  });

  it('a marketer builds journeys; an analyst reads them; support has none', async () => {
    const p = await h.program();
    const body = { name: 'By staff', definition: { trigger: { type: 'event', event_type: 'signup' }, start: 'a', steps: [{ id: 'a', type: 'exit' }] } };
    const marketer = await signedInStaff(h, p, { role: 'marketer' });
    expect((await marketer.api('POST', '/v1/journeys', body)).status).toBe(201);
    const analyst = await signedInStaff(h, p, { role: 'analyst' });
    expect((await analyst.api('GET', '/v1/journeys')).body.data).toHaveLength(1);
    expect((await analyst.api('POST', '/v1/journeys', { ...body, name: 'No' })).status).toBe(403);
    const support = await signedInStaff(h, p, { role: 'support' });
    expect((await support.api('GET', '/v1/journeys')).status).toBe(403);
  });
});
