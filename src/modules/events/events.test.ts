import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { balance, enrol, expectVerified, purchase, uniq } from '../../../test/fixtures.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

const refund = (p: TestProgram, body: Record<string, unknown>) =>
  p.api('POST', '/v1/events', { type: 'refund', id: uniq('rfd'), ...body });

describe('purchase events', () => {
  it('names the member by any identity and earns with the program rounding', async () => {
    const p = await h.program({ settings: { base_earning: { points: 3, per_amount: 200 }, rounding: 'round' } });
    const email = `${uniq('ann')}@Example.com`;
    const m = await enrol(p, { email });
    const res = await p.api('POST', '/v1/events', {
      type: 'purchase',
      id: uniq('evt'),
      member: { email: email.toUpperCase() },
      order_id: uniq('o'),
      amount: 1001, // 1001 * 3 / 200 = 15.015 → 15
      currency: 'GBP',
      channel: 'web',
      occurred_at: '2026-01-05T10:00:00+01:00',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ member_id: m, points: { points: 15 }, replayed: false, occurred_at: '2026-01-05T09:00:00.000Z' });
    const stored = await p.api('GET', `/v1/events/${res.body.id}`);
    expect(stored.body.result.points).toEqual({ points: 15 });
    expect(stored.body.received_at).toBeTruthy();
    const order = await p.api('GET', `/v1/orders/${res.body.order_id}`);
    expect(order.body).toMatchObject({ amount: 1001, refunded_amount: 0, points: { points: { earned: 15, reversed: 0 } } });
  });

  it('sums the lines when no amount is given', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const res = await purchase(p, m, undefined as unknown as number, {
      amount: undefined,
      lines: [
        { sku: 'A', quantity: 2, unit_price: 1250 },
        { sku: 'B', quantity: 1, unit_price: 999 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.points).toEqual({ points: 34 });
  });

  it('auto-enrols an unknown identity when the program allows it, and 404s when it does not', async () => {
    const p = await h.program();
    const ext = `shopify:${uniq('c')}`;
    const res = await p.api('POST', '/v1/events', {
      type: 'purchase', id: uniq('e'), member: { external_id: ext }, order_id: uniq('o'), amount: 500, currency: 'GBP', channel: 'web',
    });
    expect(res.status).toBe(201);
    expect(res.body.member_enrolled).toBe(true);
    const member = await p.api('GET', `/v1/members/${res.body.member_id}`);
    expect(member.body.enrolment_channel).toBe('web');

    const closed = await h.program({ settings: { auto_enrol: false } });
    const no = await closed.api('POST', '/v1/events', {
      type: 'purchase', id: uniq('e'), member: { email: 'nobody@example.com' }, order_id: uniq('o'), amount: 500, currency: 'GBP',
    });
    expect(no.status).toBe(404);
    expect(no.body).toMatchObject({ code: 'member.not_found', field: 'member' });
  });

  it('refuses bad events with a problem naming the field, writing nothing', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const base = { type: 'purchase', id: uniq('e'), member: { id: m }, order_id: uniq('o'), amount: 100, currency: 'GBP' };
    const cases: [unknown, number, string, string?][] = [
      [{ ...base, amount: -1 }, 400, 'validation.too_small', 'amount'],
      [{ ...base, amount: 10.5 }, 400, 'validation.invalid_type', 'amount'],
      [{ ...base, amount: 2 ** 53 }, 400, 'validation.too_big', 'amount'],
      [{ ...base, currency: 'EUR' }, 422, 'event.currency_mismatch', 'currency'],
      [{ ...base, colour: 'red' }, 400, 'validation.unrecognized_keys', 'colour'],
      [{ ...base, member: { id: 'mbr_unknown' } }, 404, 'member.not_found', 'member'],
      [{ ...base, occurred_at: 'yesterday' }, 400, 'validation.invalid_format', 'occurred_at'],
      [{ ...base, occurred_at: '2999-01-01T00:00:00Z' }, 400, 'event.occurred_in_future', 'occurred_at'],
      [{ ...base, type: 'Purchase!' }, 400, 'validation.invalid_format', 'type'],
      [{ ...base, amount: undefined }, 400, 'event.amount_required', 'amount'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await p.api('POST', '/v1/events', body);
      expect([res.status, res.body.code, res.body.field], JSON.stringify(body)).toEqual([status, code, field]);
    }
    const malformed = await p.api('POST', '/v1/events', '{"type": "purchase", ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('request.malformed_json');
    expect((await balance(p, m)).available).toBe(0);
    expect((await p.api('GET', `/v1/members/${m}/transactions`)).body.data).toEqual([]);
  });

  it('a second purchase event for the same order is refused', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await purchase(p, m, 1000, { order_id: 'dup-1' });
    const again = await purchase(p, m, 1000, { order_id: 'dup-1' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('order.duplicate');
    expect((await balance(p, m)).available).toBe(10);
  });

  it('records named custom events without points', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const res = await p.api('POST', '/v1/events', {
      type: 'review_submitted', id: uniq('e'), member: { id: m }, properties: { stars: 5, sku: 'A1' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'review_submitted', points: {}, transactions: [] });
  });
});

describe('idempotency of events', () => {
  it('a replay returns the first result and writes nothing; the same id with another body is a conflict', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const ev = { type: 'purchase', id: uniq('e'), member: { id: m }, order_id: uniq('o'), amount: 1000, currency: 'GBP' };
    const first = await p.api('POST', '/v1/events', ev);
    const again = await p.api('POST', '/v1/events', ev);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, transactions: first.body.transactions, received_at: first.body.received_at });
    const changed = await p.api('POST', '/v1/events', { ...ev, amount: 2000 });
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('event.id_reused');
    expect((await balance(p, m)).available).toBe(10);
  });

  it('the same event sent 20 times in parallel is applied once', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const ev = { type: 'purchase', id: uniq('e'), member: { id: m }, order_id: uniq('o'), amount: 4200, currency: 'GBP' };
    const all = await Promise.all(Array.from({ length: 20 }, () => p.api('POST', '/v1/events', ev)));
    expect(all.filter((r) => r.status === 201)).toHaveLength(1);
    expect(all.filter((r) => r.status === 200)).toHaveLength(19);
    expect((await balance(p, m)).available).toBe(42);
    await expectVerified(h, p.programId);
  });
});

describe('refunds', () => {
  it('reverses points pro rata to the amount, and never more than earned over several refunds', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await purchase(p, m, 10000, { order_id: 'r-1' }); // 100 points
    const a = await refund(p, { order_id: 'r-1', amount: 3333 });
    expect(a.status).toBe(201);
    expect(a.body.points).toEqual({ points: -33 });
    const b = await refund(p, { order_id: 'r-1', amount: 3333 });
    expect(b.body.points).toEqual({ points: -33 });
    const over = await refund(p, { order_id: 'r-1', amount: 3335 });
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ code: 'refund.exceeds_paid', field: 'amount' });
    const rest = await refund(p, { order_id: 'r-1', amount: 3334 });
    expect(rest.body.points).toEqual({ points: -34 });
    expect(await balance(p, m)).toMatchObject({ available: 0, lifetime: { earned: 100, reversed: 100 } });
    const order = await p.api('GET', '/v1/orders/r-1');
    expect(order.body).toMatchObject({ refunded_amount: 10000, points: { points: { earned: 100, reversed: 100 } } });
    const none = await refund(p, { order_id: 'r-1', amount: 1 });
    expect(none.status).toBe(422);
    await expectVerified(h, p.programId);
  });

  it('reverses line by line when lines are given', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await purchase(p, m, 0, {
      order_id: 'r-lines',
      amount: undefined,
      lines: [
        { sku: 'SHOE', quantity: 2, unit_price: 5000 },
        { sku: 'SOCK', quantity: 4, unit_price: 500 },
      ],
    }); // 12000 → 120 points: shoes 100, socks 20
    const one = await refund(p, { order_id: 'r-lines', lines: [{ sku: 'SHOE', quantity: 1 }] });
    expect(one.status).toBe(201);
    expect(one.body.points).toEqual({ points: -50 });
    expect(one.body.refund).toMatchObject({ amount: 5000, refunded_amount: 5000 });
    const socks = await refund(p, { order_id: 'r-lines', lines: [{ sku: 'SOCK', quantity: 3 }] });
    expect(socks.body.points).toEqual({ points: -15 });
    const tooMany = await refund(p, { order_id: 'r-lines', lines: [{ sku: 'SOCK', quantity: 2 }] });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ code: 'refund.exceeds_quantity', field: 'lines.0.quantity' });
    const unknown = await refund(p, { order_id: 'r-lines', lines: [{ sku: 'HAT', quantity: 1 }] });
    expect(unknown.body.code).toBe('refund.unknown_line');
    expect((await balance(p, m)).available).toBe(55);
    await expectVerified(h, p.programId);
  });

  it('takes pending points back from the pending balance', async () => {
    const p = await h.program({ settings: { pending_days: 30 } });
    const m = await enrol(p);
    await purchase(p, m, 8000, { order_id: 'r-pend' });
    const r = await refund(p, { order_id: 'r-pend', amount: 2000 });
    expect(r.body.points).toEqual({ points: -20 });
    expect(await balance(p, m)).toMatchObject({ pending: 60, available: 0, balance: 0 });
    await expectVerified(h, p.programId);
  });

  it('refuses refunds of unknown orders, both amount and lines, and another member’s order', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const other = await enrol(p);
    await purchase(p, m, 1000, { order_id: 'r-x' });
    expect((await refund(p, { order_id: 'nope', amount: 1 })).body).toMatchObject({ status: 404, code: 'order.not_found', field: 'order_id' });
    expect((await refund(p, { order_id: 'r-x', amount: 1, lines: [{ sku: 'a', quantity: 1 }] })).body.code).toBe('refund.amount_or_lines');
    expect((await refund(p, { order_id: 'r-x' })).body.code).toBe('refund.amount_or_lines');
    expect((await refund(p, { order_id: 'r-x', amount: 1, member: { id: other } })).body.code).toBe('refund.member_mismatch');
    expect((await balance(p, m)).available).toBe(10);
  });
});

describe('batches', () => {
  it('applies good events and reports bad ones in their slots', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const good = (n: number) => ({ type: 'purchase', id: `b-${n}-${uniq()}`, member: { id: m }, order_id: uniq('o'), amount: 100 * n, currency: 'GBP' });
    const events = [good(1), { ...good(2), amount: -5 }, good(3), { type: 'purchase', id: 'x', member: { id: 'mbr_nobody' }, order_id: 'o', amount: 1, currency: 'GBP' }, good(4)];
    events.push({ ...events[0]! });
    const res = await p.api('POST', '/v1/events/batch', { events });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 3, replayed: 1, rejected: 2 });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'rejected', 'applied', 'rejected', 'applied', 'replayed']);
    expect(res.body.results[1].error).toMatchObject({ status: 400, field: 'events.1.amount' });
    expect(res.body.results[3].error).toMatchObject({ status: 404, code: 'member.not_found' });
    expect((await balance(p, m)).available).toBe(8);
    expect((await p.api('POST', '/v1/events/batch', { events: [] })).status).toBe(400);
    expect((await p.api('POST', '/v1/events/batch', { events: Array(1001).fill(good(9)) })).status).toBe(400);
    await expectVerified(h, p.programId);
  });

  it('rolls back only the events refused mid-batch, however many, and keeps the order of the rest', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const buy = (order: string, amount: number) => ({ type: 'purchase', id: uniq('e'), member: { id: m }, order_id: order, amount, currency: 'GBP' });
    const o1 = uniq('o');
    const events: Record<string, unknown>[] = [
      buy(o1, 1000), // 10 points
      { type: 'refund', id: uniq('r'), order_id: o1, amount: 500 }, // the order bought just before: −5
      buy(o1, 9900), // the same order id again: refused
      { type: 'refund', id: uniq('r'), order_id: uniq('never'), amount: 1 }, // no such order: refused
    ];
    // More refusals than the batch retries together: the rest falls back to one savepoint per event.
    for (let i = 0; i < 6; i++) events.push(buy(o1, 100), buy(uniq('o'), 200)); // 6 refused, 6 × 2 points
    const res = await p.api('POST', '/v1/events/batch', { events });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 8, replayed: 0, rejected: 8 });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'applied', 'applied', 'rejected', 'rejected',
      ...Array.from({ length: 6 }, () => ['rejected', 'applied']).flat(),
    ]);
    expect(res.body.results[2].error).toMatchObject({ status: 409, code: 'order.duplicate' });
    expect(res.body.results[3].error).toMatchObject({ status: 404, code: 'order.not_found' });
    expect(res.body.results[1].result.points).toEqual({ points: -5 });
    expect((await balance(p, m)).available).toBe(10 - 5 + 12);
    expect((await p.api('GET', `/v1/orders/${o1}`)).body).toMatchObject({ amount: 1000, refunded_amount: 500 });
    // A refused event left nothing behind: its id is free and the stored events are the applied ones.
    expect((await p.api('GET', `/v1/events/${events[2]!.id}`)).status).toBe(404);
    const again = await p.api('POST', '/v1/events', { ...events[2], order_id: uniq('o') });
    expect(again.status).toBe(201);
    await expectVerified(h, p.programId);
  });

  it('answers parallel single events each with its own outcome when they commit together', async () => {
    const p = await h.program();
    const members = [await enrol(p), await enrol(p), await enrol(p)];
    const shared = uniq('o');
    const sends = Array.from({ length: 60 }, (_, i) => ({
      type: 'purchase',
      id: `par-${i}-${uniq()}`,
      member: { id: members[i % 3] },
      // Every tenth event reuses one order id: only the first of them to commit may have it.
      order_id: i % 10 === 0 ? shared : uniq('o'),
      amount: 100 * (1 + (i % 5)),
      currency: 'GBP',
    }));
    const first = await Promise.all(sends.map((e) => p.api('POST', '/v1/events', e)));
    const statuses = first.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(55);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    for (const [i, r] of first.entries()) {
      if (r.status === 409) {
        expect(sends[i]!.order_id).toBe(shared);
        expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(r.body).toMatchObject({ code: 'order.duplicate', field: 'order_id' });
      } else {
        expect(r.body).toMatchObject({ id: sends[i]!.id, member_id: sends[i]!.member.id, points: { points: 1 + (i % 5) }, replayed: false });
      }
    }
    // Sent again together: the applied ones replay their first answer, the refused ones are refused again.
    const again = await Promise.all(sends.map((e) => p.api('POST', '/v1/events', e)));
    for (const [i, r] of again.entries()) {
      if (first[i]!.status === 201) expect(r.body).toEqual({ ...first[i]!.body, replayed: true });
      else expect(r.status).toBe(409);
    }
    const earned = first.reduce((s, r) => s + (r.status === 201 ? r.body.points.points : 0), 0);
    let total = 0;
    for (const m of members) total += (await balance(p, m)).available;
    expect(total).toBe(earned);
    await expectVerified(h, p.programId);
  });
});

describe('guest purchases', () => {
  const guestBuy = (extra: Record<string, unknown> = {}) => ({
    type: 'purchase', id: uniq('g'), guest: true, order_id: uniq('o'), amount: 2500, currency: 'GBP', ...extra,
  });

  it('records a checkout without a member: the order with its channel and store, no points; a replay answers the same', async () => {
    const p = await h.program();
    const ev = guestBuy({ channel: 'pos', store_id: 'london-01', occurred_at: '2026-01-05T10:00:00Z' });
    const res = await p.api('POST', '/v1/events', ev);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: ev.id, status: 'applied', member_id: null, member_enrolled: false, guest: true, order_id: ev.order_id, points: {}, transactions: [], replayed: false });
    const order = await p.api('GET', `/v1/orders/${ev.order_id}`);
    expect(order.body).toMatchObject({ member_id: null, event_id: ev.id, amount: 2500, refunded_amount: 0, channel: 'pos', store_id: 'london-01', points: {} });
    const stored = await p.api('GET', `/v1/events/${ev.id}`);
    expect(stored.body).toMatchObject({ member_id: null, order_id: ev.order_id, result: { guest: true, points: {} } });
    const again = await p.api('POST', '/v1/events', ev);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...res.body, replayed: true });
    expect((await p.api('POST', '/v1/events', { ...ev, amount: 2600 })).body.code).toBe('event.id_reused');
    // Nobody was enrolled and nothing was posted.
    expect((await p.api('GET', '/v1/members')).body.data).toEqual([]);
    await expectVerified(h, p.programId);
  });

  it('still refuses a purchase that forgot its member, and one that names a member and says guest', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const { member: _, ...noMember } = { type: 'purchase', id: uniq('e'), member: { id: m }, order_id: uniq('o'), amount: 100, currency: 'GBP' };
    const forgot = await p.api('POST', '/v1/events', noMember);
    expect(forgot.body).toMatchObject({ status: 400, code: 'validation.invalid_union', field: 'member' });
    for (const guest of [false, 'yes', 1]) {
      const res = await p.api('POST', '/v1/events', { ...noMember, guest });
      expect([res.status, res.body.code, res.body.field], JSON.stringify(guest)).toEqual([400, 'validation.invalid_union', 'member']);
    }
    const notTrue = await p.api('POST', '/v1/events', { ...noMember, member: { id: m }, guest: 'yes' });
    expect(notTrue.body).toMatchObject({ status: 400, field: 'guest' });
    const both = await p.api('POST', '/v1/events', { ...noMember, member: { id: m }, guest: true });
    expect(both.body).toMatchObject({ status: 400, code: 'event.guest_with_member', field: 'member' });
    const inBatch = await p.api('POST', '/v1/events/batch', { events: [{ ...noMember, member: { id: m }, guest: true }, noMember] });
    expect(inBatch.body.results.map((r: { error: { field: string } }) => r.error.field)).toEqual(['events.0.member', 'events.1.member']);
    // A member purchase may say guest: false.
    const member = await p.api('POST', '/v1/events', { ...noMember, member: { id: m }, guest: false });
    expect(member.status).toBe(201);
    expect(member.body.guest).toBeUndefined();
    expect(member.body.points).toEqual({ points: 1 });
    expect((await p.api('GET', `/v1/orders/${noMember.order_id}`)).body.member_id).toBe(m);
  });

  it('a refund of a guest order updates the order and touches no ledger', async () => {
    const p = await h.program();
    const ev = guestBuy({ amount: undefined, lines: [{ sku: 'TEA', quantity: 2, unit_price: 400 }, { sku: 'CUP', quantity: 1, unit_price: 1200 }] });
    expect((await p.api('POST', '/v1/events', ev)).status).toBe(201);
    const byLine = await refund(p, { order_id: ev.order_id, lines: [{ sku: 'TEA', quantity: 1 }] });
    expect(byLine.status).toBe(201);
    expect(byLine.body).toMatchObject({ member_id: null, guest: true, points: {}, transactions: [], refund: { amount: 400, refunded_amount: 400, order_amount: 2000 } });
    const byAmount = await refund(p, { order_id: ev.order_id, amount: 1000 });
    expect(byAmount.body.refund).toEqual({ amount: 1000, refunded_amount: 1400, order_amount: 2000 });
    expect((await refund(p, { order_id: ev.order_id, amount: 601 })).body.code).toBe('refund.exceeds_paid');
    const m = await enrol(p);
    const someone = await refund(p, { order_id: ev.order_id, amount: 1, member: { id: m } });
    expect(someone.body).toMatchObject({ status: 422, code: 'refund.member_mismatch', field: 'member' });
    const order = await p.api('GET', `/v1/orders/${ev.order_id}`);
    expect(order.body).toMatchObject({ amount: 2000, refunded_amount: 1400, points: {} });
    expect(order.body.lines[0]).toMatchObject({ sku: 'TEA', refunded_quantity: 1 });
    await expectVerified(h, p.programId);
  });

  it('an order id already taken is refused, whoever reported it', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await purchase(p, m, 1000, { order_id: 'shared-1' });
    const guest = await p.api('POST', '/v1/events', guestBuy({ order_id: 'shared-1' }));
    expect(guest.body).toMatchObject({ status: 409, code: 'order.duplicate', field: 'order_id' });
    await p.api('POST', '/v1/events', guestBuy({ order_id: 'shared-2' }));
    const member = await purchase(p, m, 1000, { order_id: 'shared-2' });
    expect(member.body.code).toBe('order.duplicate');
    expect((await p.api('GET', '/v1/orders/shared-2')).body.member_id).toBeNull();
    expect((await balance(p, m)).available).toBe(10);
  });

  it('a batch mixes guest and member events; guests do not count in a member’s purchase history', async () => {
    const p = await h.program();
    const welcome = await p.api('POST', '/v1/rules', {
      status: 'active', name: 'Welcome', trigger: 'purchase', conditions: { field: 'history.first_purchase', op: 'eq', value: true }, effects: [{ type: 'fixed', points: 50 }],
    });
    expect(welcome.status, JSON.stringify(welcome.body)).toBe(201);
    const m = await enrol(p);
    const g1 = guestBuy({ amount: 3000, channel: 'web', store_id: 'online' });
    const g2 = guestBuy({ amount: 900, channel: 'pos', store_id: 'leeds' });
    const m1 = { type: 'purchase', id: uniq('e'), member: { id: m }, order_id: uniq('o'), amount: 1000, currency: 'GBP', channel: 'app', store_id: 'york' };
    const m2 = { ...m1, id: uniq('e'), order_id: uniq('o'), amount: 2000 };
    const events = [
      g1,
      m1, // the member's first purchase: welcome bonus, the guest order before it does not count
      { type: 'refund', id: uniq('r'), order_id: g1.order_id, amount: 1000 }, // the batch's own guest order
      g2,
      guestBuy({ order_id: m1.order_id }), // the member's order id: refused
      m2, // the member's second: no bonus
      { ...g1 }, // a replay within the batch
    ];
    const res = await p.api('POST', '/v1/events/batch', { events });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 5, replayed: 1, rejected: 1 });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'rejected', 'applied', 'replayed']);
    const [rg1, rm1, rrefund, rg2, dup, rm2, replay] = res.body.results;
    expect(rg1.result).toMatchObject({ member_id: null, guest: true, points: {} });
    expect(rm1.result).toMatchObject({ member_id: m, points: { points: 60 } });
    expect(rm1.result.guest).toBeUndefined();
    expect(rrefund.result).toMatchObject({ member_id: null, guest: true, refund: { refunded_amount: 1000, order_amount: 3000 } });
    expect(rg2.result).toMatchObject({ guest: true, points: {} });
    expect(dup.error).toMatchObject({ status: 409, code: 'order.duplicate', field: 'events.4.order_id' });
    expect(rm2.result.points).toEqual({ points: 20 });
    expect(replay.result).toEqual(rg1.result);
    expect((await balance(p, m)).available).toBe(80);
    const orders = await Promise.all([g1, g2, m1, m2].map((e) => p.api('GET', `/v1/orders/${e.order_id}`)));
    expect(orders.map((o) => [o.body.member_id, o.body.amount, o.body.refunded_amount, o.body.channel, o.body.store_id])).toEqual([
      [null, 3000, 1000, 'web', 'online'],
      [null, 900, 0, 'pos', 'leeds'],
      [m, 1000, 0, 'app', 'york'],
      [m, 2000, 0, 'app', 'york'],
    ]);
    await expectVerified(h, p.programId);
  });

  it('stores the channel and store of every order, in the database, on the single and the batch path', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const single = await purchase(p, m, 500, { channel: 'pos', store_id: 'store-7' });
    const plain = await purchase(p, m, 500);
    const batch = await p.api('POST', '/v1/events/batch', {
      events: [
        { type: 'purchase', id: uniq('e'), member: { id: m }, order_id: uniq('o'), amount: 700, currency: 'GBP', channel: 'marketplace', store_id: 'amazon-uk' },
        guestBuy({ channel: 'pos', store_id: 'store-8' }),
      ],
    });
    expect(batch.body.applied).toBe(2);
    const ids = [single.body.order_id, plain.body.order_id, ...batch.body.results.map((r: { result: { order_id: string } }) => r.result.order_id)];
    const rows = await h.db.query<{ id: string; member_id: string | null; channel: string | null; store_id: string | null }>(
      `select id, member_id, channel, store_id from orders where program_id = $1 order by id`,
      [p.programId],
    );
    const byId = new Map(rows.map((r) => [r.id, [r.member_id, r.channel, r.store_id]]));
    expect(ids.map((id) => byId.get(id))).toEqual([
      [m, 'pos', 'store-7'],
      [m, null, null],
      [m, 'marketplace', 'amazon-uk'],
      [null, 'pos', 'store-8'],
    ]);
  });
});
