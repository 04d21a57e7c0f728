import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupCli, installation, ON_POSTGRES, patron, running, scratchDatabase, SECRET, SLOW, type Env } from '../../test/cli.js';

// `patron demo` on a slice of the Online Retail data (test/fixtures), spawned for real: it sets up the demo
// program, imports the slice, serves the API and prints where to look. On PostgreSQL it gets an empty
// database of its own, as a first start would.

afterAll(cleanupCli);

const FIXTURE = resolve('test/fixtures/online-retail-slice.csv');

/** Runs `patron demo` until it says where it runs; answers its output, and stops it with SIGTERM. */
async function demoServing(env: Env): Promise<{ stdout: string; stop(): Promise<number | null> }> {
  // The banner ends with the note about the maintenance job.
  const r = await running(['demo', '--file', FIXTURE, '--host', '127.0.0.1', '--port', '0'], env, /maintenance job is off/);
  return { stdout: r.output(), stop: r.stop };
}

describe('patron demo', () => {
  it(
    'sets up the demo program, imports the data, serves the API and says where to look; a second run reuses it all',
    SLOW,
    async () => {
      const { env } = installation(ON_POSTGRES ? { databaseUrl: await scratchDatabase() } : {});
      const demo = await demoServing(env);
      let url: string;
      let key: string;
      let programId: string;
      let topSpender: string;
      try {
        const out = demo.stdout;
        expect(out).toMatch(/imported +22 events \(purchase 14, refund 8\)/);
        expect(out).toMatch(/guests +1 guest purchase among them/);
        expect(out).toMatch(/skipped +1 line \(guest 1\)/);
        expect(out).toMatch(/Import wall time: \d+\.\d s for 22 new events \(\d+ events\/s\)\./);
        url = /The demo is running at (http:\/\/\S+) /.exec(out)![1]!;
        expect(out).toContain(`API docs     ${url}/docs`);
        // The console's sign-in the demo prints works.
        expect(out).toContain(`Console      ${url}/admin  (sign in as demo-owner@patron.local, password patron-demo-owner; program Online Retail demo)`);
        const signIn = await fetch(`${url}/v1/staff/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'demo-owner@patron.local', password: 'patron-demo-owner' }),
        });
        expect(signIn.status).toBe(200);
        expect((await signIn.json()).staff).toMatchObject({ role: 'owner' });
        key = SECRET.exec(/Admin key +(\S+)/.exec(out)![1]!)![0];
        programId = /Program +(prg_\w+) \(Online Retail demo, GBP\)/.exec(out)![1]!;
        // 15098 bought 60 picnic baskets at £649.50: by far the top spender of the slice, and Gold on spend.
        const top = /(mbr_\w+) +top spender #1 +online-retail:15098: 3 orders, 1 return, £39,619\.50 net spend, (\d+) points, Gold/.exec(out);
        expect(top, out).not.toBeNull();
        topSpender = top![1]!;
        expect(out).toMatch(/mbr_\w+ +most returns +online-retail:\d+: \d+ orders, 3 returns/);
        expect(out).toContain(`curl -s ${url}/v1/members/${topSpender}/balance -H "Authorization: Bearer $PATRON_KEY"`);

        const headers = { authorization: `Bearer ${key}`, 'patron-program': programId };
        const balance = await fetch(`${url}/v1/members/${topSpender}/balance`, { headers });
        expect(balance.status).toBe(200);
        expect((await balance.json()).available).toBe(Number(top![2]));
        const rules = await fetch(`${url}/v1/rules`, { headers });
        expect((await rules.json()).data.map((r: { name: string }) => r.name)).toContain('Welcome: 50 bonus points on the first purchase');
        const tier = await fetch(`${url}/v1/members/${topSpender}/tier`, { headers });
        expect((await tier.json()).level.name).toBe('Gold');
        // The console's insight screens have data: a CLV fit as of the data's end (this slice is too small for the
        // models to identify, so it ends failed; the whole data set fits), saved segments, referrals on.
        const jobs = await (await fetch(`${url}/v1/analytics/jobs`, { headers })).json();
        expect(jobs.jobs).toEqual([expect.objectContaining({ kind: 'clv', status: 'failed', params: expect.objectContaining({ as_of: expect.stringMatching(/^2011-12-10/) }) })]);
        const segments = await (await fetch(`${url}/v1/analytics/segments`, { headers })).json();
        expect(segments.data.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['Champions', 'Big spenders']));
        expect((await (await fetch(`${url}/v1/referrals/settings`, { headers })).json()).enabled).toBe(true);
      } finally {
        expect(await demo.stop()).toBe(0);
      }

      const again = await patron(['demo', '--file', FIXTURE, '--no-serve'], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/imported +0 events/);
      expect(again.stdout).toMatch(/duplicates +22 events already there/);
      // The re-run reports what it imported (nothing), not a rate of events it did not write.
      expect(again.stdout).toMatch(/Import: 0 new events; 22 already imported \(checked in \d+\.\d s\)\./);
      expect(again.stdout).not.toMatch(/events\/s/);
      expect(again.stdout).toContain(`Program      ${programId} (Online Retail demo, GBP)`);
      expect(again.stdout).toContain(topSpender);
      expect(again.stdout).toContain('`patron demo` (without --no-serve) serves it');
    },
  );

  it('finds the Online Retail data the repository carries when no --file is given', SLOW, async () => {
    const { env } = installation(ON_POSTGRES ? { databaseUrl: await scratchDatabase() } : {});
    // The whole file takes minutes: once the import has started on it, the point is made.
    const child = spawn(process.execPath, ['bin/patron.js', 'demo', '--no-serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const started = await new Promise<boolean>((res) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/Importing \S+ into prg_/.test(stderr)) res(true);
      });
      child.on('exit', () => res(false));
    });
    child.kill('SIGKILL');
    expect(started, stderr).toBe(true);
    expect(/Importing (\S+) into/.exec(stderr)![1]).toBe(resolve('datasets/online-retail/online-retail.csv.gz'));
  });
});
