import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createServices, openDatabase } from '../../main.js';
import { loadConfig } from '../../platform/config.js';
import { cleanupCli, installation, json, patron, seedProgram, type Env } from '../../../test/cli.js';
import { TEST_PROTECT } from '../../../test/harness.js';

// `patron import` spawned for real (test/cli.ts), then what it wrote read back through the HTTP API in
// process. The fixture is 118 lines of the real Online Retail data set (see test/fixtures/README.md).

afterAll(cleanupCli);

const FIXTURE = resolve('test/fixtures/online-retail-slice.csv');

interface Summary {
  read: number;
  imported: number;
  guests: number;
  duplicates: number;
  rules: boolean;
  skipped: { total: number; by_reason: Record<string, number> };
  rejected: { total: number; by_code: Record<string, number> };
  by_type: Record<string, { imported: number; duplicates: number; rejected: number }>;
  rejects_file: string;
}

/** Reads the installation through the API, with an admin key of its own; closes the database after. */
async function withApi<T>(env: Env, programId: string, fn: (get: (url: string) => Promise<any>) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadConfig(env));
  const services = createServices({ db });
  const app = createApp(services, { protect: TEST_PROTECT });
  try {
    const program = await services.programs.program(programId);
    const key = await services.programs.createKey({ workspaceId: program.workspace_id, programId, name: 'test', scopes: ['admin'] });
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key.secret}`, 'patron-program': programId } });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      return JSON.parse(res.body);
    };
    const out = await fn(get);
    expect((await services.ledger.verify({ programId })).ok).toBe(true);
    return out;
  } finally {
    await app.close();
    await db.close();
  }
}

async function gbpProgram(env: Env): Promise<string> {
  const db = await openDatabase(loadConfig(env));
  try {
    const services = createServices({ db });
    const workspaceId = await services.programs.createWorkspace('import test');
    return (await services.programs.createProgram(workspaceId, { name: 'Online shop', currency: 'GBP' })).id;
  } finally {
    await db.close();
  }
}

/** "2.95" → 295, the way a person reads a price: pounds, then pence. */
const pence = (price: string) => {
  const [pounds, p = ''] = price.split('.');
  return Number(pounds) * 100 + Number(p.padEnd(2, '0'));
};

const member = async (get: (url: string) => Promise<any>, customer: string) => {
  const list = await get(`/v1/members?identity=${encodeURIComponent(`online-retail:${customer}`)}`);
  expect(list.data, `member ${customer}`).toHaveLength(1);
  return list.data[0].id as string;
};

describe('patron import events --preset online-retail', () => {
  let env: Env;
  let dataDir: string;
  let withRules: string;
  let historyOnly: string;

  beforeAll(async () => {
    ({ env, dataDir } = installation());
    withRules = await gbpProgram(env);
    historyOnly = await gbpProgram(env);
  });

  it('imports every invoice of the fixture: purchases (a guest’s too), matched returns, the rest rejected with line numbers', async () => {
    const rejects = join(dataDir, 'rejects.csv');
    const s = json<Summary>(await patron(['import', 'events', FIXTURE, '--preset', 'online-retail', '--program', withRules, '--rejects', rejects, '--json'], env));
    // 13 invoices with a customer and one without (536555, a guest purchase of 2 lines); 8 refunds: C552049 → 1 order,
    // C556448 → 1, C558327 → 2, C558329 → 1, C573030 → 2, C574494 → 1. The guest return C537572 names no invoice: skipped.
    expect(s).toMatchObject({ read: 118, imported: 22, guests: 1, duplicates: 0, rules: true, skipped: { total: 1, by_reason: { guest: 1 } } });
    expect(s.by_type).toEqual({ purchase: { imported: 14, duplicates: 0, rejected: 0 }, refund: { imported: 8, duplicates: 0, rejected: 0 } });
    // Returns with nothing earlier to match: C536391 (7 lines, before any purchase), C538711, C542805 (another
    // customer, interleaved with 542806), and the "M" manual line of C556445.
    expect(s.rejected).toEqual({ total: 11, by_code: { 'import.return_unmatched': 11 } });
    const rows = parse(readFileSync(rejects, 'utf8'), { columns: true }) as { line: string; code: string; field: string; message: string }[];
    expect(rows.map((r) => Number(r.line)).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 16, 21, 22, 80]);
    expect(rows.find((r) => r.line === '80')).toMatchObject({
      code: 'import.return_unmatched',
      field: 'quantity',
      message: 'Return C556445: 1 of 1 returned units of M match no earlier purchase by this customer in the file',
    });

    const csv = parse(readFileSync(FIXTURE, 'utf8'), { columns: true }) as Record<string, string>[];
    const invoice = (no: string) => csv.filter((r) => r.InvoiceNo === no);
    const amountOf = (no: string) => invoice(no).reduce((sum, r) => sum + Number(r.Quantity) * pence(r.UnitPrice!), 0);

    await withApi(env, withRules, async (get) => {
      // The guest's invoice: an order without a member, on the preset's channel, that earned nothing.
      expect(await get('/v1/orders/536555')).toMatchObject({ member_id: null, amount: 255 + 42, channel: 'web', store_id: null, points: {} });
      expect((await get(`/v1/events/${encodeURIComponent('online-retail:purchase:536555')}`)).result).toMatchObject({ member_id: null, guest: true, points: {} });

      // 17572 returned nothing: four orders at 1 point per whole pound each.
      const o536524 = await get('/v1/orders/536524');
      expect(o536524).toMatchObject({ amount: 4 * 6 * 295, refunded_amount: 0, occurred_at: '2010-12-01T12:51:00.000Z' }); // GMT
      expect(o536524.lines[0]).toEqual({ sku: '21111', name: 'SWISS ROLL TOWEL, CHOCOLATE  SPOTS', quantity: 6, unit_price: 295, refunded_quantity: 0 });
      const amounts17572 = [4 * 6 * 295, 18 * 145 + 6 * 295 + 6 * 295 + 2 * 995, 18 * 145 + 6 * 295, 6 * 295 + 9 * 145];
      expect((await get('/v1/orders/550265')).amount).toBe(amounts17572[1]);
      const m17572 = await member(get, '17572');
      expect((await get(`/v1/members/${m17572}/balance`)).available).toBe(amounts17572.reduce((sum, a) => sum + Math.floor(a / 100), 0));

      // 17548 returned all of 550755 (C552049): the refund reversed every point the order earned.
      const o550755 = await get('/v1/orders/550755');
      const a550755 = 24 * 125 + 3 * 10 * 165 + 4 * 595;
      expect(o550755).toMatchObject({ amount: a550755, refunded_amount: a550755, occurred_at: '2011-04-20T11:01:00.000Z' }); // BST
      expect(o550755.points.points).toEqual({ earned: Math.floor(a550755 / 100), reversed: Math.floor(a550755 / 100) });
      expect((await get(`/v1/members/${await member(get, '17548')}/balance`)).available).toBe(0);
      const refund = await get(`/v1/events/${encodeURIComponent('online-retail:return:C552049:550755')}`);
      expect(refund).toMatchObject({ type: 'refund', order_id: '550755', occurred_at: '2011-05-06T09:00:00.000Z' });
      // Imported in 2026, the return is reversed in May 2011, when it happened: in 17548's history (newest first)
      // and in the KPIs of that month.
      const h17548 = await get(`/v1/members/${await member(get, '17548')}/transactions`);
      expect(h17548.data.map((t: { type: string; occurred_at: string; points: number }) => [t.type, t.occurred_at, t.points])).toEqual([
        ['reversal', '2011-05-06T09:00:00.000Z', -Math.floor(a550755 / 100)],
        ['earn', '2011-04-20T11:01:00.000Z', Math.floor(a550755 / 100)],
      ]);
      const may2011 = await get('/v1/analytics/kpis?from=2011-05-01&to=2011-06-01');
      expect(may2011.points.find((x: { currency: string }) => x.currency === 'points').reversed).toBe(Math.floor(a550755 / 100));

      // 542806's lines are split by two lines of another invoice: still one order of 39 lines.
      const o542806 = await get('/v1/orders/542806');
      expect(o542806.lines).toHaveLength(39);
      expect(o542806.amount).toBe(amountOf('542806'));

      // 15098's 60 small baskets at £4.95 come back (C556448): matched by price to 556442, not the £649.50 ones.
      expect(await get('/v1/orders/556442')).toMatchObject({ refunded_amount: 60 * 495, points: { points: { earned: 297, reversed: 297 } } });
      expect((await get('/v1/orders/556444')).refunded_amount).toBe(0);
      expect((await get(`/v1/members/${await member(get, '15098')}/balance`)).available).toBe(Math.floor((60 * 64950) / 100) + 649);

      // 17900's C558327 splits across both earlier invoices, most recent first; C558329 takes the rest of 555367.
      expect(await get('/v1/orders/555381')).toMatchObject({ refunded_amount: 12 * 145 + 12 * 125, points: { points: { earned: 32, reversed: 32 } } });
      const o555367 = await get('/v1/orders/555367');
      expect(o555367.amount).toBe(12 * 125 + 12 * 125 + 1500 + 24 * 145);
      expect(o555367.refunded_amount).toBe(o555367.amount - 1500); // all but the carriage
      const { earned, reversed } = o555367.points.points;
      expect(reversed).toBeGreaterThan(0);
      expect((await get(`/v1/members/${await member(get, '17900')}/balance`)).available).toBe(earned - reversed);
    });
  });

  it('imports nothing new when run again', async () => {
    const s = json<Summary>(await patron(['import', 'events', FIXTURE, '--preset', 'online-retail', '--program', withRules, '--rejects', join(dataDir, 'again.csv'), '--json'], env));
    expect(s).toMatchObject({ read: 118, imported: 0, guests: 0, duplicates: 22, skipped: { total: 1 }, rejected: { total: 11 } });
  });

  it('reads channel and store_id columns by their names alongside the preset', async () => {
    const programId = await gbpProgram(env);
    const file = join(dataDir, 'retail-with-stores.csv');
    writeFileSync(
      file,
      [
        'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country,channel,store_id',
        '900001,T1,TEA,2,2011-03-01 10:00:00,1.50,12345.0,United Kingdom,pos,leeds-2',
        '900002,T1,TEA,1,2011-03-01 11:00:00,1.50,,United Kingdom,pos,york-1',
        '900003,T1,TEA,1,2011-03-02 11:00:00,1.50,12345.0,United Kingdom,,',
      ].join('\n'),
    );
    const s = json<Summary>(await patron(['import', 'events', file, '--preset', 'online-retail', '--program', programId, '--rejects', join(dataDir, 'stores.csv'), '--json'], env));
    expect(s).toMatchObject({ read: 3, imported: 3, guests: 1, skipped: { total: 0 }, rejected: { total: 0 } });
    await withApi(env, programId, async (get) => {
      const m = await member(get, '12345');
      expect(await get('/v1/orders/900001')).toMatchObject({ member_id: m, channel: 'pos', store_id: 'leeds-2', amount: 300 });
      expect(await get('/v1/orders/900002')).toMatchObject({ member_id: null, channel: 'pos', store_id: 'york-1', amount: 150, points: {} });
      // An empty cell falls back to the preset's channel.
      expect(await get('/v1/orders/900003')).toMatchObject({ member_id: m, channel: 'web', store_id: null });
      expect((await get(`/v1/members/${m}/balance`)).available).toBe(3 + 1);
    });
  });

  it('puts the Country column in the profile as an ISO code, and leaves a country the member already has', async () => {
    const programId = await gbpProgram(env);
    const db = await openDatabase(loadConfig(env));
    try {
      await createServices({ db }).members.enrol(programId, { external_ids: { 'online-retail': '30000' }, country: 'FR' });
    } finally {
      await db.close();
    }
    const countries = ['United Kingdom', 'EIRE', 'Germany', 'Unspecified', 'Channel Islands', 'European Community', 'Atlantis', 'Hong Kong'];
    const file = join(dataDir, 'retail-countries.csv');
    writeFileSync(
      file,
      [
        'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
        ...countries.map((c, i) => `90010${i},T1,TEA,1,2011-03-0${i + 1} 10:00:00,1.50,2000${i + 1}.0,${c}`),
        '900108,T1,TEA,1,2011-03-09 10:00:00,1.50,30000.0,Germany',
      ].join('\n'),
    );
    const s = json<Summary>(await patron(['import', 'events', file, '--preset', 'online-retail', '--program', programId, '--rejects', join(dataDir, 'countries.csv'), '--json'], env));
    expect(s).toMatchObject({ read: 9, imported: 9, rejected: { total: 0 } });
    await withApi(env, programId, async (get) => {
      const countryOf = async (customer: string) => (await get(`/v1/members/${await member(get, customer)}`)).country;
      const got = [];
      for (let i = 1; i <= 8; i++) got.push(await countryOf(`2000${i}`));
      // "Unspecified", "Channel Islands" (Jersey or Guernsey?), "European Community" and a name the preset does not know name no country.
      expect(got).toEqual(['GB', 'IE', 'DE', null, null, null, null, 'HK']);
      expect(await countryOf('30000')).toBe('FR');
      const structure = await get('/v1/analytics/structure?from=2011-01-01&to=2012-01-01');
      expect(structure.by_country).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'IE', members: 1 }), expect.objectContaining({ value: 'DE', members: 1 })]));
    });
  });

  it('records history without points with --no-rules', async () => {
    const r = await patron(['import', 'events', FIXTURE, '--preset', 'online-retail', '--program', historyOnly, '--no-rules', '--rejects', join(dataDir, 'nr.csv')], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`into program ${historyOnly} (preset online-retail; history only: --no-rules, nothing earned)`);
    expect(r.stdout).toMatch(/imported +22 events \(purchase 14, refund 8\)/);
    expect(r.stdout).toMatch(/guests +1 guest purchase among them/);
    await withApi(env, historyOnly, async (get) => {
      expect(await get('/v1/orders/536524')).toMatchObject({ amount: 7080, points: {} });
      expect((await get('/v1/orders/550755')).refunded_amount).toBe(10330);
      expect((await get(`/v1/members/${await member(get, '17572')}/balance`)).available).toBe(0);
    });
  });
});

describe('patron import: any CSV with --map, JSON Lines (gzipped), members', () => {
  let env: Env;
  let dataDir: string;
  let programId: string;

  beforeAll(async () => {
    ({ env, dataDir } = installation());
    ({ programId } = await seedProgram(env)); // a EUR program
  });

  it('maps the columns of a CSV of orders', async () => {
    const file = join(dataDir, 'orders.csv');
    writeFileSync(
      file,
      [
        'Ref,Customer Email,Order,Total,When,Store',
        'r1,ann@example.com,A-1,25.99,2024-03-01 10:00,london',
        'r2,bob@example.com,A-2,10.00,2024-07-01T09:30:00+02:00,paris',
        'r3,,A-3,5.00,2024-03-02 10:00,london',
        'r4,ann@example.com,A-4,abc,2024-03-03 10:00,london',
        'r5,ann@example.com,A-5,100,2024-07-04 10:00,london',
      ].join('\n'),
    );
    const rejects = join(dataDir, 'orders-rejects.jsonl');
    const map = 'id=Ref,member=Customer Email,order_id=Order,amount=Total,occurred_at=When,store_id=Store';
    const s = json<Summary>(await patron(['import', 'events', file, '--program', programId, '--map', map, '--identity', 'email', '--time-zone', 'Europe/London', '--rejects', rejects, '--json'], env));
    // r3 has no customer: a guest purchase.
    expect(s).toMatchObject({ read: 5, imported: 4, guests: 1, duplicates: 0, skipped: { total: 0 }, rejected: { by_code: { 'import.invalid_amount': 1 } } });
    const [reject] = readFileSync(rejects, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(reject).toMatchObject({ line: 5, code: 'import.invalid_amount', field: 'amount', message: 'amount is not a decimal number: "abc"' });
  });

  it('reads events as the API takes them from a gzipped JSON Lines file', async () => {
    const file = join(dataDir, 'events.jsonl.gz');
    const events = [
      { type: 'purchase', id: 'j1', member: { email: 'cy@example.com' }, order_id: 'J-1', amount: 5000, currency: 'EUR', occurred_at: '2024-05-01T10:00:00Z' },
      'this is not JSON',
      { type: 'review_submitted', id: 'j2', member: { email: 'cy@example.com' }, occurred_at: '2024-05-02T10:00:00Z' },
      { type: 'refund', id: 'j3', order_id: 'J-1', amount: 2000, occurred_at: '2024-05-03T10:00:00Z' },
      { type: 'purchase', id: 'j4', member: { email: 'cy@example.com' }, order_id: 'J-4', amount: -5, currency: 'EUR' },
    ];
    writeFileSync(file, gzipSync(events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n')));
    const rejects = join(dataDir, 'events-rejects.csv');
    const s = json<Summary>(await patron(['import', 'events', file, '--program', programId, '--rejects', rejects, '--json'], env));
    expect(s).toMatchObject({ read: 5, imported: 3, rejected: { total: 2, by_code: { 'import.bad_json': 1, 'validation.too_small': 1 } } });
    const rows = parse(readFileSync(rejects, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.line, r.code, r.field, r.id])).toEqual([
      ['2', 'import.bad_json', '', ''],
      ['5', 'validation.too_small', 'amount', 'j4'],
    ]);
  });

  it('rejects the lines the API would refuse for their text, depth or year, and imports the rest', async () => {
    const file = join(dataDir, 'bad-input.jsonl');
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const ev = (id: string, extra: string) => `{"type":"review_submitted","id":"${id}","member":{"email":"gus@example.com"}${extra}}`;
    writeFileSync(
      file,
      [
        ev('b1', ',"occurred_at":"2024-05-01T10:00:00Z"'),
        ev('b2', ',"properties":{"note":"a\\u0000b"}'),
        ev('b3', ',"properties":{"note":"\\ud800"}'),
        ev('b4', ',"occurred_at":"0001-01-01T00:00:00+14:00"'),
        ev('b5', `,"properties":${deep}`),
      ].join('\n'),
    );
    const rejects = join(dataDir, 'bad-input-rejects.csv');
    const s = json<Summary>(await patron(['import', 'events', file, '--program', programId, '--rejects', rejects, '--json'], env));
    expect(s).toMatchObject({ read: 5, imported: 1, rejected: { total: 4, by_code: { 'request.invalid_text': 2, 'validation.year_out_of_range': 1, 'request.too_deep': 1 } } });
    const rows = parse(readFileSync(rejects, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.line, r.code, r.field])).toEqual([
      ['2', 'request.invalid_text', 'properties.note'],
      ['3', 'request.invalid_text', 'properties.note'],
      ['4', 'validation.year_out_of_range', 'occurred_at'],
      ['5', 'request.too_deep', expect.stringMatching(/^properties(\.a)+$/)],
    ]);
    // A CSV time in year 0 after its zone is rejected by the import itself, naming its column's field.
    const csv = join(dataDir, 'year-zero.csv');
    writeFileSync(csv, ['Ref,Customer Email,Order,Total,When', 'y1,gus@example.com,Y-1,5.00,2024-03-01 10:00', 'y2,gus@example.com,Y-2,5.00,0000-06-01 10:00'].join('\n'));
    const map = 'id=Ref,member=Customer Email,order_id=Order,amount=Total,occurred_at=When';
    const t = json<Summary>(await patron(['import', 'events', csv, '--program', programId, '--map', map, '--rejects', join(dataDir, 'y.csv'), '--json'], env));
    expect(t).toMatchObject({ read: 2, imported: 1, rejected: { total: 1, by_code: { 'validation.year_out_of_range': 1 } } });
    // Members too: the same guard, the same codes.
    const members = join(dataDir, 'bad-members.csv');
    writeFileSync(members, ['Email,First,Joined', 'hal@example.com,Hal,2023-01-05', 'ivy@example.com,I\u0000vy,2023-01-05', 'jo@example.com,Jo,0001-01-01'].join('\n'));
    const mmap = ['--map', 'email=Email,first_name=First,enrolled_at=Joined'];
    const u = json<Summary>(await patron(['import', 'members', members, '--program', programId, ...mmap, '--rejects', join(dataDir, 'bm.csv'), '--json'], env));
    expect(u).toMatchObject({ read: 3, imported: 1, rejected: { total: 2, by_code: { 'request.invalid_text': 1, 'validation.year_out_of_range': 1 } } });
  });

  it('enrols members by their identities, once', async () => {
    const file = join(dataDir, 'members.csv');
    writeFileSync(
      file,
      [
        'Email,First,Shop Id,Tags,Joined,Newsletter',
        'dee@example.com,Dee,S-1,vip;early,2023-01-05,yes',
        'eve@example.com,Eve,S-2,,2023-02-06,no',
        'not-an-email,Fay,S-3,,2023-03-07,yes',
        'DEE@example.com,Dee again,S-1,,2023-01-05,yes',
      ].join('\n'),
    );
    const args = ['import', 'members', file, '--program', programId, '--rejects', join(dataDir, 'm.csv'), '--json'];
    const map = ['--map', 'email=Email,first_name=First,external_ids.shop=Shop Id,tags=Tags,enrolled_at=Joined,consent.email=Newsletter'];
    const first = json<Summary>(await patron([...args, ...map], env));
    expect(first).toMatchObject({ read: 4, imported: 2, duplicates: 1, rejected: { total: 1 } });
    const rows = parse(readFileSync(join(dataDir, 'm.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toMatchObject([{ line: '4', field: 'email' }]);
    const again = json<Summary>(await patron([...args, ...map], env));
    expect(again).toMatchObject({ imported: 0, duplicates: 3, rejected: { total: 1 } });

    await withApi(env, programId, async (get) => {
      const [dee] = (await get('/v1/members?identity=shop:S-1')).data;
      expect(dee).toMatchObject({ email: 'dee@example.com', first_name: 'Dee', tags: ['vip', 'early'], consent: { email: true }, enrolled_at: '2023-01-05T00:00:00.000Z' });
      // The members of the two event imports above, too: ann by her email, 25 + 100 points; cy 50 less 20 refunded.
      const [ann] = (await get('/v1/members?identity=email:ann@example.com')).data;
      expect((await get(`/v1/members/${ann.id}/balance`)).available).toBe(125);
      expect((await get('/v1/orders/A-2')).occurred_at).toBe('2024-07-01T07:30:00.000Z');
      expect(await get('/v1/orders/A-3')).toMatchObject({ member_id: null, amount: 500, store_id: 'london', channel: null, points: {} });
      expect((await get('/v1/orders/A-5')).occurred_at).toBe('2024-07-04T09:00:00.000Z'); // BST
      const [cy] = (await get('/v1/members?identity=email:cy@example.com')).data;
      expect((await get(`/v1/members/${cy.id}/balance`)).available).toBe(30);
    });
  });
});

describe.concurrent('patron import: bad command lines', () => {
  it.each([
    [['--map', 'nonsense=X'], "error: option '--map <fields>' argument 'nonsense=X' is invalid. unknown field \"nonsense\""],
    [['--preset', 'nope'], 'No preset "nope"; the presets are online-retail'],
    [['--identity', 'passport'], '--identity "passport" is not one of email, phone, card_number, id or external:<channel>'],
  ])('patron import events FILE %j is a usage error (exit 2)', async (args, message) => {
    const r = await patron(['import', 'events', FIXTURE, ...args]);
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
  });

  it('says so when the file is missing, or a mapped column is not in it (exit 1)', async () => {
    const { env, dataDir } = installation();
    const { programId } = await seedProgram(env);
    const missing = await patron(['import', 'events', 'no-such-file.csv', '--program', programId], env);
    expect(missing.stderr).toContain('error: Cannot read no-such-file.csv: no such file (import.file_not_found)');
    expect(missing.code).toBe(1);
    const column = await patron(['import', 'events', FIXTURE, '--program', programId, '--map', 'member=Customer,order_id=InvoiceNo', '--rejects', join(dataDir, 'r.csv')], env);
    expect(column.stderr).toContain(`has no column "Customer"; its columns are InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country (import.unknown_column)`);
    expect(column.code).toBe(1);
  });
});
