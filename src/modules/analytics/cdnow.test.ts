/**
 * The CDNOW sample (Fader, Hardie & Lee 2005) through Patron end to end: the purchases are imported with
 * `patron import`, the repeat-purchase summary Patron builds from them matches the one shipped with the data,
 * and `patron analytics clv` fits the published parameters on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cleanupCli, installation, json, patron, scratchDatabase, ON_POSTGRES, type Env } from '../../../test/cli.js';
import { TEST_PROTECT } from '../../../test/harness.js';
import { cdnowEvents } from '../../../test/fixtures.js';
import { createApp, createServices, openDatabase } from '../../main.js';
import { loadConfig } from '../../platform/config.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// The CDNOW files the repository carries (datasets/README.md gives their source and licence).
const DATA = join(ROOT, 'datasets', 'cdnow');
const within = (actual: number, expected: number, share = 0.01) => expect(Math.abs(actual - expected) / expected).toBeLessThan(share);

/** `ID,frequency,recency,T` or `ID,x,t_x,T,zbar` rows by customer id. */
function csvById(file: string): Map<string, Record<string, number>> {
  const [head, ...rows] = readFileSync(join(DATA, file), 'utf8').trim().split(/\r?\n/);
  const cols = head!.split(',');
  return new Map(rows.map((r) => {
    const v = r.split(',');
    return [v[0]!, Object.fromEntries(cols.map((c, i) => [c, Number(v[i])]))];
  }));
}

let env: Env;
let programId: string;
beforeAll(async () => {
  env = installation(ON_POSTGRES ? { databaseUrl: await scratchDatabase() } : {}).env;
  const db = await openDatabase(loadConfig(env));
  try {
    const services = createServices({ db });
    const ws = await services.programs.createWorkspace('cdnow');
    programId = (await services.programs.createProgram(ws, { name: 'CDNOW', currency: 'USD', settings: { auto_enrol: true } })).id;
  } finally {
    await db.close();
  }
  // CDNOW_sample.txt: master_id sample_id yyyymmdd cds dollars — one purchase event per line.
  const dir = mkdtempSync(join(tmpdir(), 'patron-cdnow-'));
  const file = join(dir, 'cdnow.jsonl');
  const events = cdnowEvents(readFileSync(join(DATA, 'CDNOW_sample.txt'), 'utf8'));
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const imported = json<{ read: number; imported: number }>(await patron(['import', 'events', file, '--program', programId, '--no-rules', '--json', '--rejects', join(dir, 'rejects.csv')], env));
  expect(imported).toMatchObject({ read: 6919, imported: 6919 });
}, 300_000);
afterAll(() => cleanupCli());

describe('CDNOW through Patron', () => {
  it('the summary Patron builds from the imported purchases matches the shipped one, customer by customer', async () => {
    const shipped = csvById('cdnow_customers_summary.csv');
    const spends = csvById('cdnow_customers_summary_with_transactions.csv');
    const db = await openDatabase(loadConfig(env));
    try {
      const services = createServices({ db });
      const app = createApp(services, { protect: TEST_PROTECT });
      const ws = (await services.programs.program(programId)).workspace_id;
      const key = await services.programs.createKey({ workspaceId: ws, programId, name: 'analyst', scopes: ['read'] });
      const res = await app.inject({
        method: 'GET',
        url: '/v1/analytics/summary?as_of=1997-10-01',
        headers: { authorization: `Bearer ${key.secret}`, 'patron-program': programId },
      });
      expect(res.statusCode, res.body).toBe(200);
      const summary = (res.json() as { members: { member_id: string; x: number; t_x: number; T: number; mbar: number }[] }).members;
      const ids = new Map(
        (await db.query<{ member_id: string; value: string }>(`select member_id, value from member_identities where program_id = $1 and type = 'external'`, [programId])).map(
          (r) => [r.member_id, r.value.replace(/^cdnow:/, '')],
        ),
      );
      expect(summary).toHaveLength(2357);
      let compared = 0;
      for (const s of summary) {
        const id = ids.get(s.member_id)!;
        const want = shipped.get(id)!;
        expect({ id, x: s.x, t_x: s.t_x.toFixed(2), T: s.T.toFixed(2) }).toEqual({ id, x: want.frequency, t_x: want.recency!.toFixed(2), T: want.T!.toFixed(2) });
        expect(Math.abs(s.mbar / 100 - spends.get(id)!.zbar!)).toBeLessThanOrEqual(0.006);
        compared++;
      }
      expect(compared).toBe(2357);
      await app.close();
    } finally {
      await db.close();
    }
  });

  it('`patron analytics clv` fits BG/NBD and Gamma-Gamma to the published parameters and scores every customer', async () => {
    const r = await patron(['analytics', 'clv', '--program', programId, '--as-of', '1997-10-01', '--horizon', '9', '--json'], env);
    const { job } = json<{ job: { status: string; result: any } }>(r);
    expect(job.status).toBe('succeeded');
    expect(r.stderr).toContain('Fitting the models and scoring members…');
    const p = job.result.purchase_model.params;
    within(p.r, 0.2426);
    within(p.alpha, 4.4135);
    within(p.a, 0.7929);
    within(p.b, 2.4258);
    within(job.result.purchase_model.log_likelihood, -9582.4, 0.001);
    const g = job.result.spend_model.params;
    expect(job.result.repeat_buyers).toBe(946);
    within(g.p, 6.25);
    within(g.q, 3.74);
    within(g.gamma / 100, 15.44); // γ is a money scale: Patron's is in cents
    within(job.result.spend_model.population_mean_spend / 100, 35.17);
    expect(job.result.members_scored).toBe(2357);
    // The readable form names the fit and lists the best customers.
    const text = await patron(['analytics', 'clv', '--program', programId, '--as-of', '1997-10-01', '--horizon', '9'], env);
    expect(text.code, text.stderr).toBe(0);
    // A cached answer runs no fit and says none.
    expect(text.stderr).not.toContain('Fitting');
    expect(text.stdout, text.stdout).toMatch(/Cached result .*\n\s+these are the program’s current scores.*\n\s+purchase model bgnbd: r=0\.24\d+ alpha=4\.4\d+ a=0\.79\d+ b=2\.4\d+/);
    expect(text.stdout).toMatch(/CHURN RISK\s+MEMBERS\s+CLV/);
  }, 120_000);

  it('Pareto/NBD on the same summary gives the published parameters', async () => {
    const { job } = json<{ job: { status: string; result: any } }>(
      await patron(['analytics', 'clv', '--program', programId, '--as-of', '1997-10-01', '--model', 'paretonbd', '--json'], env),
    );
    expect(job.status).toBe('succeeded');
    const p = job.result.purchase_model.params;
    within(p.r, 0.553);
    within(p.alpha, 10.58);
    within(p.s, 0.606);
    within(p.beta, 11.67);
  }, 120_000);
});
