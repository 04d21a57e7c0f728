import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../../../test/harness.js';
import { balance, credit, enrol, expectVerified, purchase, uniq } from '../../../test/fixtures.js';
import { manualClock } from '../../platform/clock.js';

const clock = manualClock('2026-01-10T12:00:00Z');
let h: Harness;
beforeAll(async () => {
  h = await harness({ clock });
});
afterAll(() => h.close());

describe('earning and spending', () => {
  it('a purchase earns the base rate and a redemption spends it, double-entry', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const ev = await purchase(p, m, 2599);
    expect(ev.status).toBe(201);
    expect(ev.body.points).toEqual({ points: 25 });
    const spend = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 10, reference: 'coffee' });
    expect(spend.status).toBe(201);
    expect(spend.body.type).toBe('redeem');
    expect(spend.body.postings).toEqual(
      expect.arrayContaining([
        { account: `member:${m}:available`, currency: 'points', amount: -10 },
        { account: 'system:redemption', currency: 'points', amount: 10 },
      ]),
    );
    const b = await balance(p, m);
    expect(b).toMatchObject({ available: 15, balance: 15, pending: 0, held: 0, lifetime: { earned: 25, spent: 10, expired: 0 } });
    await expectVerified(h, p.programId);
  });

  it('refuses a debit above the balance with a 422 and writes nothing', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 30);
    const res = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 31 });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'ledger.insufficient_points', field: 'points', available: 30, requested: 31 });
    const hist = await p.api('GET', `/v1/members/${m}/transactions`);
    expect(hist.body.data).toHaveLength(1);
    expect((await balance(p, m)).available).toBe(30);
  });

  it('rejects negative, fractional, zero and unsafe point amounts and unknown fields', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 100);
    for (const [body, field] of [
      [{ points: -5 }, 'points'],
      [{ points: 1.5 }, 'points'],
      [{ points: 0 }, 'points'],
      [{ points: 2 ** 53 + 2 }, 'points'],
      [{ points: '5' }, 'points'],
      [{ points: 5, bonus: true }, 'bonus'],
    ] as const) {
      const res = await p.api('POST', `/v1/members/${m}/redemptions`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.field).toBe(field);
      expect(res.body.code).toMatch(/^validation\./);
    }
    expect((await balance(p, m)).available).toBe(100);
  });

  it('answers 404 for an unknown member and for a member of another program', async () => {
    const p = await h.program();
    const other = await h.program();
    const m = await enrol(other);
    const res = await p.api('GET', `/v1/members/${m}/balance`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('member.not_found');
    const spend = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 1 });
    expect(spend.status).toBe(404);
    // The other program's own key does see it.
    expect((await other.api('GET', `/v1/members/${m}/balance`)).status).toBe(200);
  });

  it('rejects an unknown point currency', async () => {
    const p = await h.program({ point_currencies: ['points', 'stamps'] });
    const m = await enrol(p);
    const res = await p.api('POST', `/v1/members/${m}/adjustments`, { points: 3, currency: 'miles', reason: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ledger.unknown_currency');
    const ok = await p.api('POST', `/v1/members/${m}/adjustments`, { points: 3, currency: 'stamps', reason: 'card' });
    expect(ok.status).toBe(201);
    const all = await p.api('GET', `/v1/members/${m}/balances`);
    expect(all.body.data.map((b: { currency: string; available: number }) => [b.currency, b.available])).toEqual([
      ['points', 0],
      ['stamps', 3],
    ]);
  });
});

describe('adjustments', () => {
  it('credits and debits by hand with a reason, and a debit never overdraws', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const up = await credit(p, m, 50, { reason: 'goodwill: late delivery' });
    expect(up).toMatchObject({ type: 'adjustment', reason: 'goodwill: late delivery', amount: 50 });
    const down = await p.api('POST', `/v1/members/${m}/adjustments`, { points: -20, reason: 'correction' });
    expect(down.status).toBe(201);
    const over = await p.api('POST', `/v1/members/${m}/adjustments`, { points: -31, reason: 'too much' });
    expect(over.status).toBe(422);
    const noReason = await p.api('POST', `/v1/members/${m}/adjustments`, { points: 5 });
    expect(noReason.status).toBe(400);
    expect(noReason.body.field).toBe('reason');
    // Earned stays gross: the debit adjustment is counted as reversed beside it.
    expect(await balance(p, m)).toMatchObject({ available: 30, lifetime: { earned: 50, reversed: 20, spent: 0 } });
    await expectVerified(h, p.programId);
  });

  it('needs an admin key', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const server = await p.api('POST', '/v1/keys', { name: 'checkout', scopes: ['server'], program_id: p.programId });
    expect(server.status).toBe(201);
    const res = await p.raw('POST', `/v1/members/${m}/adjustments`, { points: 5, reason: 'x' }, {
      authorization: `Bearer ${server.body.secret}`,
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('auth.insufficient_scope');
  });
});

describe('lots and expiry', () => {
  it('spends the soonest-expiring points first and expires what is left', async () => {
    const p = await h.program({ settings: { expiry: { policy: 'rolling', days: 30 } } });
    const m = await enrol(p);
    clock.set('2026-01-10T12:00:00Z');
    await credit(p, m, 100); // expires 2026-02-09
    clock.set('2026-01-20T12:00:00Z');
    await credit(p, m, 100); // expires 2026-02-19
    await p.api('POST', `/v1/members/${m}/redemptions`, { points: 130 });
    const b = await balance(p, m);
    expect(b.next_expiries).toEqual([{ expires_at: '2026-02-19T12:00:00.000Z', points: 70 }]);
    clock.set('2026-02-10T00:00:00Z');
    const r1 = await h.services.ledger.runMaintenance({ programId: p.programId });
    expect(r1.expired_points).toBe(0);
    clock.set('2026-02-20T00:00:00Z');
    const r2 = await h.services.ledger.runMaintenance({ programId: p.programId });
    expect(r2).toMatchObject({ expired_lots: 1, expired_points: 70 });
    expect(await balance(p, m)).toMatchObject({ available: 0, lifetime: { earned: 200, spent: 130, expired: 70 } });
    const again = await h.services.ledger.runMaintenance({ programId: p.programId });
    expect(again.expired_points).toBe(0);
    await expectVerified(h, p.programId);
    clock.set('2026-01-10T12:00:00Z');
  });

  it('end-of-period expiry runs to the end of the month, and a held point does not expire', async () => {
    clock.set('2026-01-15T09:00:00Z');
    const p = await h.program({ settings: { expiry: { policy: 'end_of_period', months: 1 } } });
    const m = await enrol(p);
    await credit(p, m, 40);
    expect((await balance(p, m)).next_expiries).toEqual([{ expires_at: '2026-03-01T00:00:00.000Z', points: 40 }]);
    clock.set('2026-02-25T00:00:00Z');
    const hold = await p.api('POST', `/v1/members/${m}/holds`, { points: 15, ttl_seconds: 30 * 86400 });
    expect(hold.status).toBe(201);
    clock.set('2026-03-02T00:00:00Z');
    const r = await h.services.ledger.runMaintenance({ programId: p.programId });
    expect(r.expired_points).toBe(25);
    expect(await balance(p, m)).toMatchObject({ balance: 15, held: 15, available: 0 });
    const done = await p.api('POST', `/v1/holds/${hold.body.id}/confirm`);
    expect(done.status).toBe(200);
    expect(await balance(p, m)).toMatchObject({ balance: 0, held: 0, lifetime: { spent: 15, expired: 25 } });
    await expectVerified(h, p.programId);
    clock.set('2026-01-10T12:00:00Z');
  });
});

describe('pending points', () => {
  it('keeps purchase points pending for the lock period, then releases them', async () => {
    clock.set('2026-01-10T12:00:00Z');
    const p = await h.program({ settings: { pending_days: 14 } });
    const m = await enrol(p);
    const ev = await purchase(p, m, 10000);
    expect(ev.body.transactions[0]).toMatchObject({ pending: true, available_at: '2026-01-24T12:00:00.000Z' });
    expect(await balance(p, m)).toMatchObject({ available: 0, pending: 100, lifetime: { earned: 0 } });
    const spend = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 1 });
    expect(spend.status).toBe(422);
    clock.set('2026-01-24T12:00:01Z');
    const r = await h.services.ledger.runMaintenance({ programId: p.programId });
    expect(r).toMatchObject({ released_lots: 1, released_points: 100 });
    expect(await balance(p, m)).toMatchObject({ available: 100, pending: 0, lifetime: { earned: 100 } });
    await expectVerified(h, p.programId);
    clock.set('2026-01-10T12:00:00Z');
  });

  it('fulfilling the order releases its points early', async () => {
    const p = await h.program({ settings: { pending_days: 30 } });
    const m = await enrol(p);
    const ev = await purchase(p, m, 5000, { order_id: 'ord-fulfil-1' });
    expect(ev.status).toBe(201);
    const f = await p.api('POST', '/v1/orders/ord-fulfil-1/fulfil');
    expect(f.status).toBe(200);
    expect(f.body.released_points).toBe(50);
    expect(await balance(p, m)).toMatchObject({ available: 50, pending: 0 });
    expect((await p.api('POST', '/v1/orders/nope/fulfil')).status).toBe(404);
    await expectVerified(h, p.programId);
  });
});

describe('holds', () => {
  it('reserve → confirm spends; reserve → cancel releases; an expired hold cannot be confirmed', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 100);
    const a = await p.api('POST', `/v1/members/${m}/holds`, { points: 60, reference: 'reward-1' });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ status: 'active', points: 60 });
    expect(await balance(p, m)).toMatchObject({ available: 40, held: 60, balance: 100 });
    const tooMuch = await p.api('POST', `/v1/members/${m}/holds`, { points: 41 });
    expect(tooMuch.status).toBe(422);
    const spendTooMuch = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 41 });
    expect(spendTooMuch.status).toBe(422);

    const cancel = await p.api('POST', `/v1/holds/${a.body.id}/cancel`);
    expect(cancel.body.status).toBe('cancelled');
    expect(await balance(p, m)).toMatchObject({ available: 100, held: 0 });
    expect((await p.api('POST', `/v1/holds/${a.body.id}/confirm`)).body.code).toBe('hold.cancelled');

    const b = await p.api('POST', `/v1/members/${m}/holds`, { points: 30 });
    const ok = await p.api('POST', `/v1/holds/${b.body.id}/confirm`);
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('confirmed');
    expect(ok.body.transaction.type).toBe('redeem');
    expect(await balance(p, m)).toMatchObject({ available: 70, held: 0, lifetime: { spent: 30 } });

    const c = await p.api('POST', `/v1/members/${m}/holds`, { points: 70, ttl_seconds: 60 });
    expect((await balance(p, m)).available).toBe(0);
    clock.advance(61_000);
    // Past its time the hold no longer reserves anything, even before the sweep runs.
    expect(await balance(p, m)).toMatchObject({ available: 70 });
    const late = await p.api('POST', `/v1/holds/${c.body.id}/confirm`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('hold.expired');
    expect(await balance(p, m)).toMatchObject({ balance: 70 });
    const swept = await h.services.ledger.runMaintenance({ programId: p.programId });
    expect(swept.expired_holds).toBe(1);
    expect((await p.api('GET', `/v1/holds/${c.body.id}`)).body.status).toBe('expired');
    await expectVerified(h, p.programId);
  });
});

describe('transfers and reversals', () => {
  it('moves points between members keeping their expiry, and can be reversed', async () => {
    const p = await h.program({ settings: { expiry: { policy: 'rolling', days: 10 } } });
    const a = await enrol(p);
    const b = await enrol(p);
    await credit(p, a, 50);
    const t = await p.api('POST', '/v1/transfers', { from_member_id: a, to_member_id: b, points: 20, reason: 'gift' });
    expect(t.status).toBe(201);
    expect((await balance(p, a)).available).toBe(30);
    const bb = await balance(p, b);
    expect(bb.available).toBe(20);
    expect(bb.next_expiries).toEqual((await balance(p, a)).next_expiries.map((e) => ({ ...e, points: 20 })));
    expect((await p.api('POST', '/v1/transfers', { from_member_id: a, to_member_id: b, points: 31 })).status).toBe(422);
    expect((await p.api('POST', '/v1/transfers', { from_member_id: a, to_member_id: a, points: 1 })).body.code).toBe('transfer.same_member');
    const back = await p.api('POST', `/v1/transactions/${t.body.id}/reverse`, { reason: 'sent by mistake' });
    expect(back.status).toBe(201);
    expect(back.body.reverses_id).toBe(t.body.id);
    expect((await balance(p, a)).available).toBe(50);
    expect((await balance(p, b)).available).toBe(0);
    const twice = await p.api('POST', `/v1/transactions/${t.body.id}/reverse`);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('transaction.already_reversed');
    await expectVerified(h, p.programId);
  });

  it('reversing a redemption gives the points back; reversing spent earnings goes negative and is flagged', async () => {
    const p = await h.program();
    const m = await enrol(p);
    const ev = await purchase(p, m, 10000);
    const spend = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 80 });
    const undo = await p.api('POST', `/v1/transactions/${spend.body.id}/reverse`);
    expect(undo.status).toBe(201);
    expect(await balance(p, m)).toMatchObject({ available: 100, lifetime: { spent: 0 } });
    await p.api('POST', `/v1/members/${m}/redemptions`, { points: 90 });
    const earn = await p.api('POST', `/v1/transactions/${ev.body.transactions[0].id}/reverse`, { reason: 'fraud' });
    expect(earn.status).toBe(201);
    expect(await balance(p, m)).toMatchObject({ balance: -90, available: 0, negative: true, lifetime: { earned: 100, reversed: 100, spent: 90 } });
    // New points pay the debt back first.
    await credit(p, m, 100);
    expect(await balance(p, m)).toMatchObject({ balance: 10, available: 10, negative: false });
    await expectVerified(h, p.programId);
  });

  it('under the forbid policy a reversal takes only what is there', async () => {
    const p = await h.program({ settings: { negative_balance: 'forbid' } });
    const m = await enrol(p);
    const ev = await purchase(p, m, 10000);
    await p.api('POST', `/v1/members/${m}/redemptions`, { points: 70 });
    const r = await p.api('POST', `/v1/transactions/${ev.body.transactions[0].id}/reverse`);
    expect(r.status).toBe(201);
    expect(r.body.amount).toBe(30);
    expect(r.body.metadata).toMatchObject({ due: 100, unrecovered: 70 });
    expect(await balance(p, m)).toMatchObject({ balance: 0, negative: false });
    await expectVerified(h, p.programId);
  });
});

describe('transfers to a member in debt', () => {
  it('pay the debt from the soonest-expiring points and pass the rest on with their expiries', async () => {
    clock.set('2026-01-10T12:00:00Z');
    const p = await h.program({ settings: { negative_balance: 'allow' } });
    const giver = await enrol(p);
    const debtor = await enrol(p);
    // The giver's later-expiring points are credited first, so they come first in storage order.
    await credit(p, giver, 100, { expires_at: '2026-03-01T00:00:00Z' });
    await credit(p, giver, 100, { expires_at: '2026-02-01T00:00:00Z' });
    const owed = await credit(p, debtor, 50);
    expect((await p.api('POST', `/v1/members/${debtor}/redemptions`, { points: 50 })).status).toBe(201);
    expect((await p.api('POST', `/v1/transactions/${owed.id}/reverse`)).status).toBe(201);
    expect((await balance(p, debtor)).balance).toBe(-50);
    const t = await p.api('POST', '/v1/transfers', { from_member_id: giver, to_member_id: debtor, points: 150 });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    // 100 points of February and 50 of March left the giver; the February ones paid the debt of 50.
    expect((await balance(p, giver)).next_expiries).toEqual([{ expires_at: '2026-03-01T00:00:00.000Z', points: 50 }]);
    const b = await balance(p, debtor);
    expect(b.balance).toBe(100);
    expect(b.next_expiries).toEqual([
      { expires_at: '2026-02-01T00:00:00.000Z', points: 50 },
      { expires_at: '2026-03-01T00:00:00.000Z', points: 50 },
    ]);
    await expectVerified(h, p.programId);
  });
});

describe('history', () => {
  it('pages through a member’s transactions newest first without gaps or repeats', async () => {
    const p = await h.program();
    const m = await enrol(p);
    for (let i = 1; i <= 7; i++) await credit(p, m, i);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { data: { amount: number; points: number }[]; next_cursor: string | null } } = await p.api(
        'GET',
        `/v1/members/${m}/transactions?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...res.body.data.map((t) => t.points));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const bad = await p.api('GET', `/v1/members/${m}/transactions?cursor=garbage`);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('pagination.invalid_cursor');
  });

  it('shows a transaction with its postings, 404 for another program’s', async () => {
    const p = await h.program();
    const other = await h.program();
    const m = await enrol(p);
    const c = await credit(p, m, 5);
    const t = await p.api('GET', `/v1/transactions/${c.id}`);
    expect(t.status).toBe(200);
    expect(t.body.postings.reduce((s: number, x: { amount: number }) => s + x.amount, 0)).toBe(0);
    expect((await other.api('GET', `/v1/transactions/${c.id}`)).status).toBe(404);
  });
});

describe('idempotency of API writes', () => {
  it('the same POST with the same Idempotency-Key writes once; a different body is a 422', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 100);
    const key = uniq('idem');
    const first = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 10 }, { 'idempotency-key': key });
    const again = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 10 }, { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const changed = await p.api('POST', `/v1/members/${m}/redemptions`, { points: 11 }, { 'idempotency-key': key });
    expect(changed.status).toBe(422);
    expect(changed.body.code).toBe('idempotency.key_reused');
    expect((await balance(p, m)).available).toBe(90);
  });

  it('20 parallel sends of one POST write once', async () => {
    const p = await h.program();
    const m = await enrol(p);
    await credit(p, m, 100);
    const key = uniq('idem');
    const all = await Promise.all(
      Array.from({ length: 20 }, () => p.api('POST', `/v1/members/${m}/redemptions`, { points: 7 }, { 'idempotency-key': key })),
    );
    expect(all.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(all.map((r) => r.body.id)).size).toBe(1);
    expect((await balance(p, m)).available).toBe(93);
    await expectVerified(h, p.programId);
  });
});
