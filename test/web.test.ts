// `patron serve` serves the built console at /admin: files as they are, every other /admin path as
// index.html (the app routes it), long caching for hashed assets only; without a build, a 503 page.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, gzipSync, gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createServices } from '../src/main.js';
import type { App } from '../src/platform/http.js';
import { testDb, TEST_PROTECT } from './harness.js';
import type { Db } from '../src/platform/db.js';

let db: Db;
let app: App;
let missing: App;
const dir = mkdtempSync(join(tmpdir(), 'patron-console-'));

beforeAll(async () => {
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><div id="root"></div><script type="module" src="/admin/assets/app-abc123.js"></script></body></html>');
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log("app")');
  // The build writes each asset compressed beside it, too (vite.config.ts).
  const big = `export const words = ${JSON.stringify('loyalty '.repeat(500))};`;
  writeFileSync(join(dir, 'assets', 'big-def456.js'), big);
  writeFileSync(join(dir, 'assets', 'big-def456.js.br'), brotliCompressSync(big));
  writeFileSync(join(dir, 'assets', 'big-def456.js.gz'), gzipSync(big));
  db = await testDb();
  const services = createServices({ db });
  app = createApp(services, { protect: TEST_PROTECT, consoleDir: dir });
  missing = createApp(services, { protect: TEST_PROTECT, consoleDir: join(dir, 'nothing-here') });
  await Promise.all([app.ready(), missing.ready()]);
});
afterAll(async () => {
  await Promise.all([app.close(), missing.close()]);
  await db.close();
});

describe('the console at /admin', () => {
  it('answers index.html for the app and its client-side paths, never cached stale', async () => {
    for (const url of ['/admin', '/admin/', '/admin/members/mem_123', '/admin/sign-in?next=%2Fmembers']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with a long cache, and a CSP that lets the app script run', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/assets/app-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toMatch(/max-age=31536000.*immutable/);
    expect(res.body).toBe('console.log("app")');
    const page = await app.inject({ method: 'GET', url: '/admin' });
    expect(String(page.headers['content-security-policy'])).toMatch(/script-src 'self'/);
  });

  it('sends an asset compressed to a browser that accepts it, as it is to one that does not', async () => {
    const url = '/admin/assets/big-def456.js';
    const plain = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toMatch(/^export const words/);
    const br = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
    const gz = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
    // An asset the build did not compress (too small) is sent as it is.
    const small = await app.inject({ method: 'GET', url: '/admin/assets/app-abc123.js', headers: { 'accept-encoding': 'br' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.body).toBe('console.log("app")');
  });

  it('does not serve files outside its folder', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/..%2F..%2Fpackage.json' });
    expect(res.body).not.toContain('"dependencies"');
  });

  it('says how to build it when it is not built', async () => {
    const res = await missing.inject({ method: 'GET', url: '/admin/members' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:web');
  });

  it('leaves the API as it was', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/members' });
    expect(res.statusCode).toBe(401);
  });
});
