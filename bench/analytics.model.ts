/**
 * The synthetic loyalty program of the analytics benchmark: who the members are and what they buy, as rows
 * in PostgreSQL's COPY text format, each with its time. Everything comes from seeded streams keyed by (seed,
 * member, what): the same seed gives the same program, whatever order the members are simulated in.
 *
 * The story of a member (Fader, Hardie and Lee's BG/NBD with Gamma-Gamma spend):
 * - enrols at a time drawn from a growing rate (4× more enrolments at the end than at the start);
 * - 6% never buy; the others buy first at enrolment (55%, within minutes) or an exponential 20 days later;
 * - then buy again at rate λ ~ Gamma(r, α) per day (capped at one purchase every two days), and after each
 *   repeat purchase drop out for good with probability p ~ Beta(a, b);
 * - order values are Gamma(p_s, ν) with the member's ν ~ Gamma(q, γ) (CDNOW's published estimates, in pence:
 *   a mean near £35 and a heavy tail), split into 1–3 lines over categories the member favours;
 * - channel (web, app, pos, marketplace) and store follow a preference of the member's own;
 * - 3% of orders are refunded (in full or in part) 1–30 days later, and the points they earned reversed.
 * 15% of orders are guests' (no member). Points: 1 per £1 (floor), one `earn` per member order; members who
 * redeem do so at a checkout once they hold 250 or 500 points; each credit expires 365 days after it was
 * earned (the program's rolling expiry), what is left of it posted as `expiry`.
 */
import { Rng, cumulative, isoTime as iso, ulidLike } from './analytics.random.js';

export const DAY = 86_400_000;
/** Three calendar years of history; analyses run "as of" END. */
export const START = Date.UTC(2023, 0, 1);
export const END = Date.UTC(2026, 0, 1);

/** The population parameters, with λ per day (α in days). α is set by calibrate() to hit the order count. */
export const TRUE_PARAMS = { r: 0.35, a: 2, b: 20, p: 6.25, q: 3.74, gamma: 1544 };
const NON_BUYERS = 0.06;
export const GUEST_SHARE = 0.15;
const REFUND_RATE = 0.03;
const LAMBDA_MAX = 0.5;
const GROWTH = Math.log(4);
const EXPIRY_MS = 365 * DAY;
const POINTS_PER_MINOR = 100;
const MIN_ORDER = 50;
const GUEST_KEY = 0x6a09e667;

const COUNTRIES: readonly (readonly [string, string, string, number])[] = [
  ['GB', 'en-GB', 'Europe/London', 70],
  ['IE', 'en-IE', 'Europe/Dublin', 6],
  ['FR', 'fr-FR', 'Europe/Paris', 5],
  ['DE', 'de-DE', 'Europe/Berlin', 5],
  ['US', 'en-US', 'America/New_York', 4],
  ['NL', 'nl-NL', 'Europe/Amsterdam', 3],
  ['ES', 'es-ES', 'Europe/Madrid', 3],
  ['IT', 'it-IT', 'Europe/Rome', 1.5],
  ['BE', 'nl-BE', 'Europe/Brussels', 1],
  ['SE', 'sv-SE', 'Europe/Stockholm', 1],
  ['DK', 'da-DK', 'Europe/Copenhagen', 0.5],
];
const COUNTRY_CUM = cumulative(COUNTRIES.map((c) => c[3]));
const CHANNELS = ['web', 'app', 'pos', 'marketplace'] as const;

// Names for the member search benchmark (58 × 79 common name pairs; the generator gives each member an email
// address from them) and a tag on 1 %. Drawn from a stream of their own, so the
// purchase simulation (and every fitted figure) stays what it was without them.
export const FIRST_NAMES = ('Oliver Amelia George Isla Harry Ava Noah Mia Jack Ivy Leo Lily Arthur Isabella Muhammad Rosie Oscar Sophia ' +
  'Charlie Grace Jacob Willow Thomas Freya Henry Florence Freddie Emily Alfie Ella William Poppy Theo Evie Archie Elsie ' +
  'Joshua Charlotte James Evelyn Lucas Sienna Isaac Daisy Edward Hallie Ethan Matilda Max Harper Alexander Aria Daniel ' +
  'Sofia Logan Luna Samuel Maya').split(' ');
export const LAST_NAMES = ('Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright ' +
  'Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris ' +
  'Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths ' +
  'Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson ' +
  'Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason').split(' ');
export const SEARCH_TAGS = ['vip', 'staff', 'newsletter', 'wholesale'] as const;
const CHANNEL_CUM = cumulative([40, 22, 30, 8]);
const GUEST_CHANNEL_CUM = cumulative([45, 0, 42, 13]);
const ENROL_CHANNEL = ['web', 'app', 'pos', 'web'] as const;
const CATEGORIES = [
  'apparel', 'footwear', 'beauty', 'home', 'kitchen', 'electronics', 'toys', 'books', 'grocery', 'sports', 'garden', 'pets',
  'jewellery', 'accessories', 'health', 'baby', 'stationery', 'music', 'games', 'outdoor', 'lingerie', 'gifts', 'bags', 'watches',
];
const CATEGORY_CUM = cumulative(CATEGORIES.map((_, i) => 1 / (i + 1)));
const LINES_CUM = cumulative([55, 30, 15]);
const QTY_CUM = cumulative([80, 15, 5]);
const STORES = Array.from({ length: 150 }, (_, i) => `store-${String(i + 1).padStart(3, '0')}`);
/** 100 SKUs per category, and how each starts in the lines JSON. */
const SKUS = CATEGORIES.map((cat, c) =>
  Array.from({ length: 100 }, (_, n) => `{"sku":"sku-${String(c).padStart(2, '0')}-${String(n).padStart(3, '0')}","category":"${cat}","quantity":`),
);

/** Where the simulation puts the rows it makes (COPY text lines), with the time each happened. */
export interface Rows {
  order(t: number, row: string): void;
  txn(t: number, row: string): void;
}

/** A member's ledger at the end of a simulation. */
export interface Ledger {
  balance: number;
  earned: number;
  spent: number;
  expired: number;
  /** When the account was opened (the first credit), or undefined when the member never earned. */
  openedAt: number | undefined;
  orders: number;
}

export class SyntheticProgram {
  private readonly tl = new Rng(0);
  private readonly at = new Rng(0);
  private readonly od = new Rng(0);
  // The member being simulated.
  private i = 0;
  private memberId = '';
  private nu = 1;
  private rho = 0;
  private enrolled = 0;
  private channel = 0;
  private store = 0;
  private category = 0;
  // Its lots (one per credit, oldest first) and the refunds still to come.
  private lotT = new Float64Array(256);
  private lotLeft = new Float64Array(256);
  private lotK = new Int32Array(256);
  private lots = 0;
  private nextExpiry = 0;
  private refunds: { at: number; points: number; lot: number; k: number }[] = [];
  private ledger: Ledger = { balance: 0, earned: 0, spent: 0, expired: 0, openedAt: undefined, orders: 0 };
  private rows: Rows = { order: () => {}, txn: () => {} };
  private rewards: readonly string[];

  constructor(
    readonly programId: string,
    readonly seed: number,
    readonly members: number,
    readonly alpha: number,
  ) {
    this.rewards = [250, 500].map((p) => ulidLike('rwd', START, seed, p));
  }

  /** Enrolment time of member i from its first draw: stratified, so enrolment times rise with i. */
  private enrolment(u: number): number {
    const x = (this.i + u) / this.members;
    return START + (Math.log1p(x * Math.expm1(GROWTH)) / GROWTH) * (END - START);
  }

  /** The member-level draws of member i, in the order every pass makes them (g: λ·α, a Gamma(r, 1) draw). */
  member(i: number) {
    this.i = i;
    const tl = this.tl.seed(this.seed, i, 0);
    const enrolledAt = this.enrolment(tl.next());
    const buyer = tl.next() >= NON_BUYERS;
    const g = tl.gamma(TRUE_PARAMS.r);
    const lambda = Math.min(g / this.alpha, LAMBDA_MAX);
    const p = tl.beta(TRUE_PARAMS.a, TRUE_PARAMS.b);
    this.nu = tl.gamma(TRUE_PARAMS.q) / TRUE_PARAMS.gamma;
    this.rho = tl.next() < 0.35 ? 0 : tl.beta(1.5, 2);
    const firstAt = enrolledAt + (tl.next() < 0.55 ? tl.next() * 600_000 : tl.exp(20 * DAY));
    this.enrolled = enrolledAt;
    return { enrolledAt, buyer, g, lambda, p, firstAt };
  }

  /** The draws of member i that only shape how rows look (not what they are worth). */
  private attributes() {
    this.memberId = ulidLike('mbr', this.enrolled, this.seed, this.i);
    const at = this.at.seed(this.seed, this.i, 1);
    this.channel = at.pick(CHANNEL_CUM);
    this.store = at.int(STORES.length);
    this.category = at.pick(CATEGORY_CUM);
  }

  /** Simulates member i to END, giving its order and transaction rows to `rows`; answers its ledger at END. */
  simulate(i: number, rows: Rows): Ledger {
    const m = this.member(i);
    this.attributes();
    this.rows = rows;
    this.lots = 0;
    this.nextExpiry = 0;
    this.refunds.length = 0;
    const l = (this.ledger = { balance: 0, earned: 0, spent: 0, expired: 0, openedAt: undefined, orders: 0 });
    if (!m.buyer) return l;
    for (let t = m.firstAt, k = 0; t < END; k++) {
      this.settle(t);
      this.order(k, t);
      l.orders++;
      if (k >= 1 && this.tl.next() < m.p) break;
      t += this.tl.exp(DAY / m.lambda);
    }
    this.settle(END);
    return l;
  }

  /**
   * The shop's id of member order k, made at `t`: led by the time (8 base-36 digits of milliseconds until
   * 2059) as a shop's order numbers rise with time, then who and which.
   */
  private orderId(k: number, t: number): string {
    return `${Math.floor(t).toString(36)}-${this.i.toString(36)}-${k}`;
  }

  private order(k: number, t: number) {
    const od = this.od.seed(this.seed, this.i, 2 + k);
    const amount = Math.max(MIN_ORDER, Math.round(od.gamma(TRUE_PARAMS.p) / this.nu));
    const refundAt = t + DAY * Math.min(30, 1 + od.exp(6));
    const refundU = od.next();
    const fullU = od.next();
    const share = 0.2 + 0.6 * od.next();
    const redeemU = od.next();
    const refunded = refundU < REFUND_RATE && refundAt < END ? (fullU < 0.6 ? amount : Math.max(1, Math.round(amount * share))) : 0;
    const orderId = this.orderId(k, t);
    this.rows.order(t, this.orderRow(od, orderId, this.memberId, t, amount, refunded, this.channel, this.store, this.category));
    const points = Math.floor(amount / POINTS_PER_MINOR);
    if (points <= 0) return;
    const l = this.ledger;
    const lot = this.lots++;
    if (lot >= this.lotT.length) this.growLots();
    this.lotT[lot] = t;
    this.lotLeft[lot] = points;
    this.lotK[lot] = k;
    l.openedAt ??= t;
    l.balance += points;
    l.earned += points;
    this.txnRow(t, ulidLike('txn', t, this.i, k * 4), 'earn', 'earned', points, `e-${orderId}`, orderId, null, '{"rule":"base_earning"}');
    const cost = l.balance >= 500 && redeemU < this.rho ? 500 : l.balance >= 250 && redeemU < this.rho * 0.4 ? 250 : 0;
    const redeemAt = t + 1000;
    if (cost > 0 && redeemAt < END) {
      this.take(cost);
      l.balance -= cost;
      l.spent += cost;
      const ref = `reward:${this.rewards[cost === 500 ? 1 : 0]}:${ulidLike('rdm', redeemAt, this.i, k)}`;
      this.txnRow(redeemAt, ulidLike('txn', redeemAt, this.i, k * 4 + 1), 'redeem', 'spent', cost, null, null, null, `{"reference":"${ref}"}`);
    }
    if (refunded > 0) {
      const reversed = refunded === amount ? points : Math.floor((points * refunded) / amount);
      if (reversed > 0) this.refunds.push({ at: refundAt, points: reversed, lot, k });
    }
  }

  /** Applies the refunds and expiries due before `t`, in time order. */
  private settle(t: number) {
    const l = this.ledger;
    for (;;) {
      let r = -1;
      for (let j = 0; j < this.refunds.length; j++) if (r < 0 || this.refunds[j]!.at < this.refunds[r]!.at) r = j;
      const refundAt = r >= 0 ? this.refunds[r]!.at : Infinity;
      const expiresAt = this.nextExpiry < this.lots ? this.lotT[this.nextExpiry]! + EXPIRY_MS : Infinity;
      if (Math.min(refundAt, expiresAt) >= t) return;
      if (refundAt <= expiresAt) {
        const f = this.refunds[r]!;
        this.refunds.splice(r, 1);
        const own = Math.min(this.lotLeft[f.lot]!, f.points);
        this.lotLeft[f.lot]! -= own;
        this.take(f.points - own);
        l.balance -= f.points;
        l.earned -= f.points;
        const orderId = this.orderId(f.k, this.lotT[f.lot]!);
        const earnId = ulidLike('txn', this.lotT[f.lot]!, this.i, f.k * 4);
        this.txnRow(f.at, ulidLike('txn', f.at, this.i, f.k * 4 + 3), 'reversal', 'earned', f.points, `r-${orderId}`, orderId, earnId, '{}');
      } else {
        const lot = this.nextExpiry++;
        const gone = Math.min(this.lotLeft[lot]!, Math.max(0, l.balance));
        this.lotLeft[lot] = 0;
        if (gone > 0) {
          l.balance -= gone;
          l.expired += gone;
          this.txnRow(expiresAt, ulidLike('txn', expiresAt, this.i, this.lotK[lot]! * 4 + 2), 'expiry', 'expired', gone, null, null, null, '{}');
        }
      }
    }
  }

  /** Debits `points` from the oldest lots with points left (FIFO = soonest-expiring first). */
  private take(points: number) {
    for (let j = this.nextExpiry; j < this.lots && points > 0; j++) {
      const x = Math.min(this.lotLeft[j]!, points);
      this.lotLeft[j]! -= x;
      points -= x;
    }
  }

  private growLots() {
    const t = new Float64Array(this.lotT.length * 2);
    t.set(this.lotT);
    this.lotT = t;
    const left = new Float64Array(this.lotLeft.length * 2);
    left.set(this.lotLeft);
    this.lotLeft = left;
    const k = new Int32Array(this.lotK.length * 2);
    k.set(this.lotK);
    this.lotK = k;
  }

  private txnRow(t: number, id: string, type: string, bucket: string, amount: number, eventId: string | null, orderId: string | null, reverses: string | null, meta: string) {
    const at = iso(t);
    this.rows.txn(
      t,
      `${this.programId}\t${id}\t${type}\t${bucket}\t${this.memberId}\tpoints\t${amount}\t${eventId ?? '\\N'}\t${orderId ?? '\\N'}\t${reverses ?? '\\N'}\t\\N\t\\N\t${meta}\t${at}\t${at}\n`,
    );
  }

  /** An order row; `od` is the order's stream, past the draws that decide its value. */
  private orderRow(od: Rng, id: string, memberId: string | null, t: number, amount: number, refunded: number, channel: number, store: number, category: number): string {
    const ch = memberId === null ? od.pick(GUEST_CHANNEL_CUM) : od.next() < 0.7 ? channel : od.pick(CHANNEL_CUM);
    const storeId = CHANNELS[ch] === 'pos' ? STORES[memberId !== null && od.next() < 0.8 ? store : od.int(STORES.length)]! : null;
    const n = amount < 300 ? 1 : od.pick(LINES_CUM) + 1;
    const weights: number[] = [];
    for (let j = 0; j < n; j++) weights.push(0.3 + 0.7 * od.next());
    const total = weights.reduce((s, w) => s + w, 0);
    let left = amount;
    let lines = '';
    for (let j = 0; j < n; j++) {
      const cat = category >= 0 && od.next() < 0.5 ? category : od.pick(CATEGORY_CUM);
      const sku = SKUS[cat]![Math.floor(100 * od.next() ** 2)]!;
      let qty = 1;
      let unit = left;
      if (j < n - 1) {
        qty = od.pick(QTY_CUM) + 1;
        unit = Math.max(1, Math.floor(Math.floor((amount * weights[j]!) / total) / qty));
        if (unit * qty >= left) {
          qty = 1;
          unit = Math.max(1, Math.floor(left / 2));
        }
      }
      left -= unit * qty;
      const back = refunded === amount ? qty : 0;
      lines += `${j ? ',' : ''}${sku}${qty},"unit_price":${unit},"refunded_quantity":${back}}`;
    }
    const at = iso(t);
    return `${this.programId}\t${id}\t${memberId ?? '\\N'}\te-${id}\tGBP\t${amount}\t${refunded}\t[${lines}]\t${at}\t${at}\t${CHANNELS[ch]}\t${storeId ?? '\\N'}\n`;
  }

  /** `count` guest orders at uniform times in [t0, t1), the `slice`th such batch. */
  guests(slice: number, count: number, t0: number, t1: number, rows: Rows) {
    const g = this.od;
    for (let j = 0; j < count; j++) {
      g.seed(this.seed ^ GUEST_KEY, slice, j);
      const t = t0 + g.next() * (t1 - t0);
      const nu = g.gamma(TRUE_PARAMS.q) / TRUE_PARAMS.gamma;
      const amount = Math.max(MIN_ORDER, Math.round(g.gamma(TRUE_PARAMS.p) / nu));
      const refunded = g.next() < REFUND_RATE && t + 30 * DAY < END ? (g.next() < 0.6 ? amount : Math.max(1, Math.round(amount * 0.5))) : 0;
      rows.order(t, this.orderRow(g, `${Math.floor(t).toString(36)}-G${slice}-${j}`, null, t, amount, refunded, 0, 0, -1));
    }
  }

  /** When the member simulate() saw last enrolled. */
  get enrolledAt(): number {
    return this.enrolled;
  }

  /** The members row of the member simulate() saw last. */
  memberRow(): string {
    const enrolledAt = this.enrolled;
    const at = this.at.seed(this.seed, this.i, 3);
    const [country, locale, zone] = COUNTRIES[at.pick(COUNTRY_CUM)]!;
    const age = Math.min(90, Math.max(18, 38 + 13 * at.normal()));
    const birth = at.next() < 0.25 ? '\\N' : iso(enrolledAt - age * 365.25 * DAY).slice(0, 10);
    const email = at.next() < 0.6 ? 't' : 'f';
    const sms = at.next() < 0.2 ? 't' : 'f';
    const push = CHANNELS[this.channel] === 'app' || at.next() < 0.1 ? 't' : 'f';
    const channel = at.next() < 0.08 ? 'referral' : ENROL_CHANNEL[this.channel]!;
    const when = iso(enrolledAt);
    const { first, last, tag } = this.person();
    return `${this.programId}\t${this.memberId}\t${first}\t${last}\t${birth}\t${locale}\t${zone}\t${country}\t{}\t{${tag ?? ''}}\t${email}\t${sms}\t${push}\tactive\t${channel}\t${when}\t${when}\t${when}\n`;
  }

  /** The member's name and tag, from a stream of their own (the same for a seed and member). */
  person(): { first: string; last: string; tag: string | undefined } {
    const r = this.at.seed(this.seed, this.i, 7);
    const first = FIRST_NAMES[Math.floor(r.next() * FIRST_NAMES.length)]!;
    const last = LAST_NAMES[Math.floor(r.next() * LAST_NAMES.length)]!;
    const t = r.next();
    return { first, last, tag: t < 0.01 ? SEARCH_TAGS[Math.floor((t / 0.01) * SEARCH_TAGS.length)] : undefined };
  }

  accountRow(l: Ledger): string | undefined {
    if (l.openedAt === undefined) return undefined;
    return `${this.programId}\t${this.memberId}\tavailable\tpoints\t${l.balance}\t0\t${l.earned}\t${l.spent}\t${l.expired}\t${iso(l.openedAt)}\n`;
  }
}

/**
 * The α (days) at which members make `perMember` purchases on average by END, from BG/NBD's expectation
 * E[X(t) | λ, p] = (1 − e^(−λpt)) / p for the repeat purchases, on a sample of the members' own draws.
 */
export function calibrate(seed: number, members: number, perMember: number): number {
  const sample = Math.min(members, 20_000);
  const rows: { g: number; p: number; days: number }[] = [];
  const probe = new SyntheticProgram('', seed, members, 1);
  for (let s = 0; s < sample; s++) {
    const m = probe.member(Math.floor((s * members) / sample));
    rows.push({ g: m.buyer && m.firstAt < END ? m.g : -1, p: m.p, days: (END - m.firstAt) / DAY });
  }
  const mean = (alpha: number) =>
    rows.reduce((s, r) => (r.g < 0 ? s : s + 1 + -Math.expm1(-Math.min(r.g / alpha, LAMBDA_MAX) * r.p * r.days) / r.p), 0) / rows.length;
  let lo = Math.log(0.01);
  let hi = Math.log(100_000);
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (mean(Math.exp(mid)) > perMember) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}
