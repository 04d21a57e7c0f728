import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

describe('programs and keys', () => {
  it('reads its program and refuses a missing key', async () => {
    const p = await h.program();
    const res = await p.api('GET', `/v1/programs/${p.programId}`);
    expect(res.status).toBe(200);
    expect(res.body.settings.base_earning).toEqual({ points: 1, per_amount: 100 });
    const anon = await p.raw('GET', `/v1/programs/${p.programId}`);
    expect(anon.status).toBe(401);
    expect(anon.body.code).toBe('auth.missing_key');
    expect(anon.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
