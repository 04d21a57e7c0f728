import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createSecrets, loadSecretKey } from './secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('secrets', () => {
  it('seals with AES-256-GCM: a new IV each time, and a tampered or foreign value does not open', () => {
    const s = createSecrets(randomBytes(32));
    const a = s.seal('smtp://u:pw@host');
    expect(a).not.toContain('pw');
    expect(s.seal('smtp://u:pw@host')).not.toBe(a);
    expect(s.open(a)).toBe('smtp://u:pw@host');
    const parts = a.split('.');
    const flipped = [...parts.slice(0, 3), Buffer.from(Buffer.from(parts[3]!, 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64url')].join('.');
    expect(() => s.open(flipped)).toThrow();
    expect(() => createSecrets(randomBytes(32)).open(a)).toThrow();
    expect(() => s.open('garbage')).toThrow();
  });

  it('signs per purpose', () => {
    const s = createSecrets(randomBytes(32));
    const sig = s.sign('unsubscribe', 'data');
    expect(s.verify('unsubscribe', 'data', sig)).toBe(true);
    expect(s.verify('other', 'data', sig)).toBe(false);
    expect(s.verify('unsubscribe', 'datb', sig)).toBe(false);
    expect(s.verify('unsubscribe', 'data', 'short')).toBe(false);
  });

  it('takes PATRON_SECRET_KEY, else makes a key file of mode 0600 once and reads it again', () => {
    const key = randomBytes(32);
    expect(loadSecretKey({ env: { PATRON_SECRET_KEY: key.toString('base64') }, dataDir: dir })).toEqual(key);
    expect(() => loadSecretKey({ env: { PATRON_SECRET_KEY: 'c2hvcnQ=' }, dataDir: dir })).toThrow(/PATRON_SECRET_KEY/);
    const made = loadSecretKey({ env: {}, dataDir: dir });
    const file = join(dir, 'secret-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(made);
    expect(loadSecretKey({ env: {}, dataDir: dir })).toEqual(made);
  });
});
