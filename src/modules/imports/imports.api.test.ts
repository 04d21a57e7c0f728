import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InjectOptions } from 'fastify';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness, type TestProgram } from '../../../test/harness.js';
import { signedInStaff } from '../../../test/staff.js';

// The imports API as the console uses it: a file uploaded, its mapping started, the run polled to its end,
// its rejects downloaded. The purchases fixture is Online Retail's format with two broken lines.

const PURCHASES = readFileSync(resolve('test/fixtures/imports-purchases.csv'));
const MEMBERS = Buffer.from(
  ['email,first_name,last_name,tags', 'ann@example.test,Ann,Lee,vip', 'bob@example.test,Bob,Ray,', 'not-an-email,Cy,Day,', 'dee@example.test,Dee,Fox,new;vip'].join('\n') + '\n',
);

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.services.importUploads.idle();
  await h.close();
});

async function upload(p: TestProgram, body: Buffer, opts: { name: string; kind?: string; type?: string; headers?: Record<string, string> }) {
  const req: InjectOptions = {
    method: 'POST',
    url: `/v1/imports?name=${encodeURIComponent(opts.name)}${opts.kind ? `&kind=${opts.kind}` : ''}`,
    headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId, 'content-type': opts.type ?? 'text/csv', ...opts.headers },
    payload: body,
  };
  const res = await h.app.inject(req);
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

async function finished(p: TestProgram, id: string) {
  await h.services.importUploads.idle();
  const res = await p.api('GET', `/v1/imports/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

describe('imports through the API', () => {
  it('uploads purchases, suggests the Online Retail preset, runs them to completed with their counts and rejects', async () => {
    const p = await h.program({ currency: 'GBP' });
    const up = await upload(p, PURCHASES, { name: 'purchases.csv' });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ status: 'uploaded', kind: 'events', format: 'csv', name: 'purchases.csv', total_rows: 1008 });
    expect(up.body.columns).toEqual(['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country']);
    expect(up.body.sample).toHaveLength(8);
    expect(up.body.sample[0]).toMatchObject({ InvoiceNo: '560536', CustomerID: '13812.0' });
    expect(up.body.suggested.events).toEqual({ preset: 'online-retail', mapping: expect.objectContaining({ order_id: 'InvoiceNo', member: 'CustomerID', occurred_at: 'InvoiceDate' }) });
    expect(up.body.fields.events).toContainEqual({ name: 'occurred_at', required: true });

    const list0 = await p.api('GET', '/v1/imports');
    expect(list0.body.data.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([[up.body.id, 'uploaded']]);

    const started = await p.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: up.body.suggested.events.mapping, preset: 'online-retail' });
    expect(started.status).toBe(202);
    expect(['queued', 'running', 'completed']).toContain(started.body.status);

    const done = await finished(p, up.body.id);
    expect(done).toMatchObject({ status: 'completed', error: null, progress: { rows: 1008, total_rows: 1008, percent: 100 } });
    expect(done.counts).toMatchObject({ read: 1008, rejected: 2, duplicates: 0 });
    // 665 invoices in the file, 2 of them on the broken lines.
    expect(done.counts.imported).toBe(663);
    expect(done.rejected_by_code).toEqual({ 'import.invalid_date': 1, 'import.invalid_amount': 1 });

    const rejects = await h.app.inject({ method: 'GET', url: `/v1/imports/${up.body.id}/rejects.csv`, headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId } });
    expect(rejects.statusCode).toBe(200);
    expect(rejects.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(rejects.body, { columns: true }) as { line: string; code: string; field: string; message: string }[];
    expect(rows.map((r) => [r.line, r.field])).toEqual([
      ['11', 'occurred_at'],
      ['21', 'unit_price'],
    ]);
    expect(rows.every((r) => r.message.length > 0)).toBe(true);

    // What a user expects of it: the members and their orders are there.
    const members = await p.api('GET', '/v1/members?limit=200');
    expect(members.body.data.length).toBe(150);

    // Started once: a second start is refused; the start is in the audit log with the mapping.
    expect((await p.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: {} })).body.code).toBe('import.already_started');
    const audit = await p.api('GET', '/v1/audit?action=import.start');
    expect(audit.body.data[0]).toMatchObject({ action: 'import.start', target: { type: 'import', id: up.body.id }, after: { name: 'purchases.csv', mapping: { order_id: 'InvoiceNo' } } });
  });

  it('imports members from a CSV chosen as members at start, the bad email rejected with its line', async () => {
    const p = await h.program();
    const up = await upload(p, MEMBERS, { name: 'people.csv' });
    expect(up.body.suggested.members).toEqual({ preset: null, mapping: { email: 'email', first_name: 'first_name', last_name: 'last_name', tags: 'tags' } });
    const started = await p.api('POST', `/v1/imports/${up.body.id}/start`, { kind: 'members', mapping: up.body.suggested.members.mapping });
    expect(started.status).toBe(202);
    const done = await finished(p, up.body.id);
    expect(done).toMatchObject({ kind: 'members', status: 'completed', counts: { read: 4, imported: 3, rejected: 1 } });
    const rejects = await p.api('GET', `/v1/imports/${up.body.id}/rejects.csv`);
    const rows = parse(String(rejects.body), { columns: true }) as { line: string; field: string }[];
    expect(rows).toMatchObject([{ line: '4', field: 'email' }]);
    const ann = await p.api('GET', '/v1/members?identity=email:ann@example.test');
    expect(ann.body.data[0]).toMatchObject({ first_name: 'Ann', tags: ['vip'] });
  });

  it('JSON Lines of events, each line as POST /v1/events takes it, with no mapping', async () => {
    const p = await h.program();
    const lines = [
      { id: 'e1', type: 'purchase', member: { email: 'jl@example.test' }, order_id: 'o1', amount: 1250, currency: 'GBP', occurred_at: '2026-01-05T10:00:00Z' },
      { id: 'e2', type: 'purchase', member: { email: 'jl@example.test' }, order_id: 'o2', amount: -5, currency: 'GBP', occurred_at: '2026-01-06T10:00:00Z' },
    ];
    const up = await upload(p, Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n') + '\n{oops\n'), { name: 'events.jsonl', type: 'application/x-ndjson' });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ format: 'jsonl', total_rows: 3 });
    expect(up.body.columns).toEqual(expect.arrayContaining(['id', 'type', 'member', 'amount']));
    await p.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: {} });
    const done = await finished(p, up.body.id);
    expect(done).toMatchObject({ status: 'completed', counts: { read: 3, imported: 1, rejected: 2 } });
  });

  it('refuses a mapping with an unknown field or column, naming it; an unknown format; a file too large', async () => {
    const p = await h.program();
    const up = await upload(p, PURCHASES, { name: 'purchases.csv' });
    const field = await p.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: { occurred_at: 'InvoiceDate', colour: 'Country' } });
    expect(field.status).toBe(400);
    expect(field.body).toMatchObject({ code: 'import.unknown_field', field: 'mapping.colour' });
    const column = await p.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: { occurred_at: 'InvoiceDate', order_id: 'Invoice' } });
    expect(column.status).toBe(400);
    expect(column.body).toMatchObject({ code: 'import.unknown_column', field: 'mapping.order_id' });
    const required = await p.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: { order_id: 'InvoiceNo' } });
    expect(required.body).toMatchObject({ code: 'import.missing_field', field: 'mapping.occurred_at' });
    expect((await p.api('GET', `/v1/imports/${up.body.id}`)).body.status).toBe('uploaded');

    const unknown = await upload(p, PURCHASES, { name: 'purchases.xlsx', type: 'application/octet-stream' });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'import.unknown_format', field: 'name' } });
    const json = await h.app.inject({ method: 'POST', url: '/v1/imports?name=a.csv', headers: { authorization: `Bearer ${p.key}`, 'patron-program': p.programId }, payload: { a: 1 } });
    expect(json.statusCode).toBe(400);

    const big = await upload(p, Buffer.alloc(50 * 1024 * 1024 + 1, 0x61), { name: 'big.csv' });
    expect(big).toMatchObject({ status: 413, body: { code: 'request.too_large' } });
  });

  it('another program sees none of it; a marketer or analyst is refused, an admin may', async () => {
    const p = await h.program();
    const up = await upload(p, MEMBERS, { name: 'people.csv', kind: 'members' });
    const other = await h.program();
    expect((await other.api('GET', `/v1/imports/${up.body.id}`)).status).toBe(404);
    expect((await other.api('GET', `/v1/imports/${up.body.id}/rejects.csv`)).status).toBe(404);
    expect((await other.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: { email: 'email' } })).status).toBe(404);
    expect((await other.api('GET', '/v1/imports')).body.data).toEqual([]);

    for (const role of ['marketer', 'analyst', 'support'] as const) {
      const s = await signedInStaff(h, p, { role });
      expect((await s.api('GET', '/v1/imports')).status, role).toBe(403);
      expect((await s.api('GET', `/v1/imports/${up.body.id}`)).status, role).toBe(403);
      expect((await s.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: { email: 'email' } })).status, role).toBe(403);
      const res = await h.app.inject({ method: 'POST', url: '/v1/imports?name=x.csv', headers: { cookie: `patron_session=${s.cookie}`, 'x-csrf-token': s.csrf, 'patron-program': p.programId, 'content-type': 'text/csv' }, payload: MEMBERS });
      expect(res.statusCode, role).toBe(403);
    }
    const admin = await signedInStaff(h, p, { role: 'admin' });
    expect((await admin.api('GET', '/v1/imports')).body.data).toHaveLength(1);
    const res = await h.app.inject({ method: 'POST', url: '/v1/imports?name=x.csv&kind=members', headers: { cookie: `patron_session=${admin.cookie}`, 'x-csrf-token': admin.csrf, 'patron-program': p.programId, 'content-type': 'text/csv' }, payload: MEMBERS });
    expect(res.statusCode).toBe(201);
  });

  it('pages the list by cursor, newest first', async () => {
    const p = await h.program();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await upload(p, MEMBERS, { name: `m${i}.csv`, kind: 'members' })).body.id);
    const first = await p.api('GET', '/v1/imports?limit=2');
    expect(first.body.data.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    const second = await p.api('GET', `/v1/imports?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body).toMatchObject({ data: [{ id: ids[0] }], next_cursor: null });
  });

  it('a run a stopped server left behind is failed on restart, and may start again', async () => {
    const p = await h.program();
    const up = await upload(p, MEMBERS, { name: 'people.csv', kind: 'members' });
    await h.db.query(`update imports set status = 'running', heartbeat_at = now() - interval '1 hour' where id = $1`, [up.body.id]);
    expect(await h.services.importUploads.recover()).toBeGreaterThanOrEqual(1);
    const failed = (await p.api('GET', `/v1/imports/${up.body.id}`)).body;
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'import.interrupted' } });
    expect((await p.api('POST', `/v1/imports/${up.body.id}/start`, { mapping: { email: 'email' } })).status).toBe(202);
    expect(await finished(p, up.body.id)).toMatchObject({ status: 'completed', counts: { imported: 3 } });
  });
});
