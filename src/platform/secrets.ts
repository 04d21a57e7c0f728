import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What Patron keeps secret with its one key: values stored encrypted (AES-256-GCM: an SMTP password) and
 * tokens it signs (HMAC-SHA256: one-click unsubscribe links). Each use gets its own sub-key derived with HKDF,
 * so a signature can never be replayed as a ciphertext or the other way round.
 */
export interface Secrets {
  /** `v1.<iv>.<tag>.<ciphertext>` in base64url; a new IV each time. */
  seal(plain: string): string;
  /** The plain text of what `seal` made with this key; throws on anything else (a tampered or foreign value). */
  open(sealed: string): string;
  /** A signature of `data` (base64url, 32 bytes) for the `purpose` named. */
  sign(purpose: string, data: string): string;
  verify(purpose: string, data: string, signature: string): boolean;
}

const KEY_BYTES = 32;

function subKey(master: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `patron:${info}`, KEY_BYTES));
}

export function createSecrets(master: Buffer): Secrets {
  if (master.length !== KEY_BYTES) throw new Error(`the secret key must be ${KEY_BYTES} bytes, got ${master.length}`);
  const enc = subKey(master, 'seal');
  const mac = (purpose: string) => subKey(master, `sign:${purpose}`);
  const sign = (purpose: string, data: string) => createHmac('sha256', mac(purpose)).update(data).digest('base64url');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', enc, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      const [v, iv, tag, body] = sealed.split('.');
      if (v !== 'v1' || iv === undefined || tag === undefined || body === undefined) throw new Error('not a sealed value');
      const d = createDecipheriv('aes-256-gcm', enc, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
    },
    sign,
    verify(purpose, data, signature) {
      const want = Buffer.from(sign(purpose, data), 'base64url');
      const got = Buffer.from(signature, 'base64url');
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}

/**
 * The key: PATRON_SECRET_KEY (base64 of 32 bytes), else `<dataDir>/secret-key`, made on the first start
 * (mode 0600, like the admin key). Losing the file makes stored SMTP passwords unreadable and sent
 * unsubscribe links invalid; several servers on one database must share the same key (set the variable).
 */
export function loadSecretKey(opts: { env?: NodeJS.ProcessEnv; dataDir: string }): Buffer {
  const raw = (opts.env ?? process.env).PATRON_SECRET_KEY?.trim();
  if (raw) {
    const key = Buffer.from(raw, 'base64');
    if (key.length !== KEY_BYTES || key.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, '')) {
      throw new Error(`PATRON_SECRET_KEY must be the base64 of ${KEY_BYTES} random bytes (openssl rand -base64 32)`);
    }
    return key;
  }
  const file = join(opts.dataDir, 'secret-key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`${file} does not hold a ${KEY_BYTES}-byte base64 key`);
    return key;
  }
  const key = randomBytes(KEY_BYTES);
  mkdirSync(opts.dataDir, { recursive: true });
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

/** A key that lives as long as the process: tests, and tools that never read what a server sealed. */
export const ephemeralSecrets = (): Secrets => createSecrets(randomBytes(KEY_BYTES));
