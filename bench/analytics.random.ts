/**
 * Seeded randomness for the analytics generator: a small counter-free PRNG (sfc32) that can be re-seeded
 * from a few integer keys, so every member and every order has a stream of its own and the generator can
 * re-create any part of the data in any order, and the draws it needs (exponential, normal, gamma, beta).
 * Not for anything but synthetic data.
 */

const TWO_32 = 4294967296;

/** A 32-bit integer hash step (murmur3's finaliser). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A hash of up to three integer keys to 32 bits. */
export function hash32(a: number, b = 0, c = 0): number {
  return mix32(Math.imul(mix32(Math.imul(mix32(a ^ 0x9e3779b9), 0x27d4eb2f) ^ b), 0x165667b1) ^ c);
}

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  constructor(...keys: [number, number?, number?]) {
    this.seed(...keys);
  }

  /** Starts the stream named by the keys; the same keys give the same stream. */
  seed(k1: number, k2 = 0, k3 = 0): this {
    this.a = hash32(k1, k2, k3);
    this.b = hash32(this.a, k3, k2);
    this.c = hash32(this.b, k1 + 1, k3);
    this.d = 1;
    for (let i = 0; i < 8; i++) this.u32();
    return this;
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on (0, 1), never 0 or 1 (safe under log). */
  next(): number {
    return (this.u32() + 0.5) / TWO_32;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  exp(mean: number): number {
    return -mean * Math.log(this.next());
  }

  normal(): number {
    return Math.sqrt(-2 * Math.log(this.next())) * Math.cos(2 * Math.PI * this.next());
  }

  /** Gamma(shape, scale 1): Marsaglia and Tsang, with the usual boost for shape < 1. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }

  /** An index drawn with the given cumulative weights (last = total). */
  pick(cumulative: readonly number[]): number {
    const u = this.next() * cumulative[cumulative.length - 1]!;
    let i = 0;
    while (u >= cumulative[i]!) i++;
    return i;
  }
}

/** Running sums of weights, for Rng.pick. */
export function cumulative(weights: readonly number[]): number[] {
  let s = 0;
  return weights.map((w) => (s += w));
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** Every pair of Crockford base-32 digits, so a number is written two digits at a time. */
const PAIRS = Array.from({ length: 1024 }, (_, i) => CROCKFORD[i >> 5]! + CROCKFORD[i & 31]!);

/** `n` (a non-negative integer below 32^width) in `width` Crockford base-32 digits. */
function base32(n: number, width: number): string {
  let s = '';
  for (; width >= 2; width -= 2) {
    s = PAIRS[n % 1024]! + s;
    n = Math.floor(n / 1024);
  }
  return width ? CROCKFORD[n % 32]! + s : s;
}

/**
 * A ULID-shaped id (`txn_01h…`, lower case as Patron's ids): the time part is `ms`; the 16 "random" digits
 * carry `a` (below 2^32), `b` (below 2^30) and 15 bits of a hash of both. Unique for distinct (a, b) at the
 * same millisecond, deterministic, and sorted by time like the real ones.
 */
export function ulidLike(prefix: string, ms: number, a: number, b: number): string {
  return `${prefix}_${base32(Math.floor(ms), 10)}${base32(a >>> 0, 7)}${base32(b, 6)}${base32(hash32(a, b) & 0x7fff, 3)}`;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const DAY_MS = 86_400_000;
const dayPrefixes = new Map<number, string>();

/** `new Date(ms).toISOString()` for whole milliseconds, several times faster (the date part is cached per day). */
export function isoTime(ms: number): string {
  ms = Math.floor(ms);
  const day = Math.floor(ms / DAY_MS);
  let dayPrefix = dayPrefixes.get(day);
  if (dayPrefix === undefined) {
    dayPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, dayPrefix);
  }
  let r = ms - day * DAY_MS;
  const milli = r % 1000;
  r = (r - milli) / 1000;
  const sec = r % 60;
  r = (r - sec) / 60;
  const min = r % 60;
  const hour = (r - min) / 60;
  return `${dayPrefix}${TWO_DIGITS[hour]}:${TWO_DIGITS[min]}:${TWO_DIGITS[sec]}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
