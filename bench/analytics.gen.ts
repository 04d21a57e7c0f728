/**
 * Writes the synthetic program of the analytics benchmark (bench/analytics.model.ts) into a PostgreSQL
 * database that has Patron's schema: a workspace and a program made through the programs service, then
 * members, orders (members' and guests'), points transactions (earn, redeem, reversal, expiry) and each
 * member's `available` account, all with COPY, never through the API.
 *
 * Not written: postings and lots (each transaction's double entry and each credit's lot; the analyses read
 * transactions and the cached balances), events rows (orders.event_id and transactions.event_id name events
 * that are not there), tiers and rewards rows (redemptions name two made-up rewards). Members have a name and
 * an email identity, and 1 % a tag, for the member search figures.
 *
 * How: one pass simulates the members in enrolment order; their members and accounts rows stream to the
 * server as they come, their orders and transactions go to spill files (in the OS temp directory), one per
 * slice of time (a month for a million members). Each slice, once complete, is sorted by time and sent while
 * the pass goes on, so the tables are in time order as a live program's would be. On a fresh
 * database orders and transactions are loaded without their indexes (put back, with the same definitions,
 * afterwards) by `COPY … FREEZE` in the transaction that truncates them, so each row is written once,
 * already frozen and all-visible. Then ANALYZE. Memory stays near the size of one slice.
 */
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { openPostgres } from '../src/platform/db.js';
import { createProgramsService } from '../src/modules/programs/index.js';
import { END, GUEST_SHARE, START, SyntheticProgram, TRUE_PARAMS, calibrate } from './analytics.model.js';
import { ulidLike } from './analytics.random.js';

export interface AnalyticsGenOptions {
  databaseUrl: string;
  members: number;
  seed: number;
  /** Orders per member, guests' included (default 10). */
  ordersPerMember?: number;
  log?: (message: string) => void;
}

export interface AnalyticsGenResult {
  programId: string;
  members: number;
  orders: number;
  guestOrders: number;
  transactions: number;
  accounts: number;
  /** The span of the data: [from, asOf). */
  from: string;
  asOf: string;
  /** The parameters the data was drawn with (λ per day: alpha_days; per week: alpha_weeks). */
  params: typeof TRUE_PARAMS & { alpha_days: number; alpha_weeks: number };
  /** simulate: the pass over the members (complete slices of orders and transactions are sent meanwhile); load: the rest. */
  seconds: { total: number; simulate: number; load: number; indexes: number; analyze: number };
}

/** Bump when the generated data changes, so a kept database of an older generator is not used again. */
const GENERATOR_VERSION = 2;

/** The name the generated program gets once complete; a run that stopped half-way leaves "(generating)". */
export const benchProgramName = (seed: number, members: number, ordersPerMember = 10) =>
  `Analytics bench v${GENERATOR_VERSION}: seed ${seed}, ${members} members${ordersPerMember === 10 ? '' : `, ${ordersPerMember} orders each`}`;

/** One COPY … FROM STDIN in a transaction of its own, fed with text chunks. */
class Copy {
  private error: unknown;
  private constructor(
    private readonly sql: postgres.Sql,
    readonly table: string,
    private readonly w: Writable,
    private readonly pid: number,
    private readonly done: Promise<unknown>,
  ) {
    done.catch((e: unknown) => (this.error = e));
  }

  /** `freeze`: truncate the table first (it must be empty) and copy with FREEZE in the same transaction. */
  static async open(sql: postgres.Sql, table: string, columns: readonly string[], freeze: boolean): Promise<Copy> {
    let opened: (v: { w: Writable; pid: number }) => void = () => {};
    const ready = new Promise<{ w: Writable; pid: number }>((ok) => (opened = ok));
    const done = sql.begin(async (tx) => {
      const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
      if (freeze) await tx.unsafe(`truncate ${table}`);
      const w = await tx.unsafe(`copy ${table} (${columns.join(', ')}) from stdin${freeze ? ' with (freeze)' : ''}`).writable();
      opened({ w, pid: row!.pid });
      await finished(w);
    });
    const { w, pid } = await Promise.race([ready, done.then(() => Promise.reject(new Error(`COPY into ${table} did not start`)))]);
    return new Copy(sql, table, w, pid, done);
  }

  /** Whether rows written before are still on their way to the server. */
  get busy(): boolean {
    return this.w.writableLength > 0;
  }

  /** Waits until what was written before has gone to the server, then queues `chunks` without waiting. */
  async write(chunks: readonly string[]) {
    if (this.error) throw this.error;
    if (this.w.writableNeedDrain) await new Promise((ok) => this.w.once('drain', ok));
    for (const c of chunks) this.w.write(c);
  }

  async end() {
    this.w.end();
    // When the server rejects rows after the stream ended, the postgres driver settles nothing (porsager/postgres
    // issue 1173): watch the backend, and fail instead of waiting for ever.
    let timer: NodeJS.Timeout | undefined;
    const watch = new Promise<never>((_, fail) => {
      timer = setInterval(() => {
        void this.sql<{ state: string }[]>`select state from pg_stat_activity where pid = ${this.pid}`.then(async ([s]) => {
          if (s?.state !== 'idle in transaction (aborted)') return;
          clearInterval(timer);
          await this.sql`select pg_terminate_backend(${this.pid})`;
          fail(new Error(`COPY into ${this.table} failed; the server log says why`));
        }, fail);
      }, 1000);
    });
    try {
      await Promise.race([this.done, watch]);
    } finally {
      clearInterval(timer);
    }
  }
}

/**
 * Rows of one table spilled to files per slice of time: the rows as text, and their times as float64s in a
 * file beside it, so a slice can be put in time order without parsing its rows.
 */
class Spill {
  private static readonly ROW_BYTES = 1 << 19;
  private static readonly TIMES = 4096;
  // Per slice: the bytes of rows not yet written and their times (rows leave the JS heap at once).
  private readonly rowBufs: Buffer[];
  private readonly rowLens: number[];
  private readonly timeBufs: Float64Array[];
  private readonly timeLens: number[];
  private readonly fds: ([number, number] | undefined)[];
  readonly counts: number[];
  constructor(
    private readonly dir: string,
    private readonly name: string,
    readonly slices: number,
    private readonly span: number,
  ) {
    this.rowBufs = Array.from({ length: slices }, () => Buffer.allocUnsafe(Spill.ROW_BYTES));
    this.rowLens = Array.from({ length: slices }, () => 0);
    this.timeBufs = Array.from({ length: slices }, () => new Float64Array(Spill.TIMES));
    this.timeLens = Array.from({ length: slices }, () => 0);
    this.counts = Array.from({ length: slices }, () => 0);
    this.fds = Array.from({ length: slices }, (_, s) => [openSync(this.file(s, 'rows'), 'w'), openSync(this.file(s, 'times'), 'w')]);
  }
  private file(slice: number, what: 'rows' | 'times') {
    return join(this.dir, `${this.name}.${slice}.${what}`);
  }
  /** Adds a row (ASCII, ending in a newline). */
  add(t: number, row: string) {
    const s = Math.min(this.slices - 1, Math.floor((t - START) / this.span));
    this.counts[s]!++;
    if (this.rowLens[s]! + row.length > Spill.ROW_BYTES || this.timeLens[s] === Spill.TIMES) this.flush(s);
    this.rowLens[s]! += this.rowBufs[s]!.write(row, this.rowLens[s]!, 'latin1');
    this.timeBufs[s]![this.timeLens[s]!++] = t;
  }
  private flush(s: number) {
    const [rowsFd, timesFd] = this.fds[s]!;
    writeSync(rowsFd, this.rowBufs[s]!, 0, this.rowLens[s]!);
    writeSync(timesFd, this.timeBufs[s]!.subarray(0, this.timeLens[s]!));
    this.rowLens[s] = 0;
    this.timeLens[s] = 0;
  }
  /** Closes the files of the slices not taken yet (when giving up). */
  close() {
    for (let s = 0; s < this.slices; s++) for (const fd of this.fds[s] ?? []) closeSync(fd);
    this.fds.fill(undefined);
  }
  /**
   * The rows of the slice starting at `t0` and `extra` rows, in time order, in chunks of a few thousand rows;
   * removes the slice's files.
   */
  take(slice: number, t0: number, extra: { times: number[]; rows: string[] }): string[] {
    this.flush(slice);
    for (const fd of this.fds[slice]!) closeSync(fd);
    this.fds[slice] = undefined;
    const rows = readFileSync(this.file(slice, 'rows'), 'latin1').split('\n');
    rows.pop();
    const buf = readFileSync(this.file(slice, 'times'));
    const times = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
    rmSync(this.file(slice, 'rows'));
    rmSync(this.file(slice, 'times'));
    for (const r of extra.rows) rows.push(r.slice(0, -1));
    // Sort keys (ms into the slice) × 2^21 + row number: exact in a float64 for slices under 49 days and
    // 2M rows, and a typed array sorts numbers natively.
    const n = rows.length;
    if (n >= 1 << 21 || this.span > 49 * 86_400_000) throw new Error('spill slice too large to sort by key');
    const keys = new Float64Array(n);
    const timeAt = (j: number) => (j < times.length ? times[j]! : extra.times[j - times.length]!);
    for (let j = 0; j < n; j++) keys[j] = Math.floor(timeAt(j) - t0) * 2097152 + j;
    keys.sort();
    const chunks: string[] = [];
    for (let i = 0; i < n; i += 4000) {
      const part: string[] = [];
      for (let j = i; j < Math.min(n, i + 4000); j++) part.push(rows[keys[j]! % 2097152]!);
      chunks.push(part.join('\n') + '\n');
    }
    return chunks;
  }
}

/** Drops the indexes (primary key too) of `table`; answers the statements that put them back. */
async function dropIndexes(sql: postgres.Sql, table: string): Promise<string[]> {
  const restore: string[] = [];
  const constraints = await sql<{ name: string; def: string }[]>`
    select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = ${table}::regclass and contype in ('p', 'u')`;
  const indexes = await sql<{ name: string; def: string }[]>`
    select i.relname as name, pg_get_indexdef(i.oid) as def from pg_index x join pg_class i on i.oid = x.indexrelid
    where x.indrelid = ${table}::regclass and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`;
  for (const c of constraints) {
    await sql.unsafe(`alter table ${table} drop constraint ${c.name}`);
    restore.push(`alter table ${table} add constraint ${c.name} ${c.def}`);
  }
  for (const i of indexes) {
    await sql.unsafe(`drop index ${i.name}`);
    restore.push(i.def);
  }
  return restore;
}

/** Runs `statements` in one transaction, with room to sort in memory for index builds. */
async function buildIndexes(sql: postgres.Sql, statements: readonly string[]) {
  await sql.begin(async (tx) => {
    await tx`set local maintenance_work_mem = '2GB'`;
    for (const s of statements) await tx.unsafe(s);
  });
}

const ORDER_COLUMNS = ['program_id', 'id', 'member_id', 'event_id', 'currency', 'amount', 'refunded_amount', 'lines', 'occurred_at', 'created_at', 'channel', 'store_id'];
const TXN_COLUMNS = ['program_id', 'id', 'type', 'bucket', 'member_id', 'currency', 'amount', 'event_id', 'order_id', 'reverses_id', 'hold_id', 'reason', 'metadata', 'occurred_at', 'created_at'];
const MEMBER_COLUMNS = ['program_id', 'id', 'first_name', 'last_name', 'birthdate', 'locale', 'time_zone', 'country', 'attributes', 'tags', 'consent_email', 'consent_sms', 'consent_push', 'status', 'enrolment_channel', 'enrolled_at', 'created_at', 'updated_at'];
const ACCOUNT_COLUMNS = ['program_id', 'owner', 'kind', 'currency', 'balance', 'held', 'earned', 'spent', 'expired', 'created_at'];

const secondsSince = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;
const millions = (n: number) => `${(n / 1e6).toFixed(2)}M`;

export async function generateAnalyticsProgram(opts: AnalyticsGenOptions): Promise<AnalyticsGenResult> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const db = await openPostgres(opts.databaseUrl, 2);
  const sql = postgres(opts.databaseUrl, { max: 6, onnotice: () => {}, connection: { synchronous_commit: 'off' } });
  try {
    // The workspace and program ids come from the seed too, so a seed gives the same rows, ids and all.
    let made = 0;
    const ids = { next: (prefix: string) => ulidLike(prefix, START, opts.seed, made++) };
    const programs = createProgramsService({ db, clock: { now: () => new Date(START) }, ids });
    const workspaceId = await programs.createWorkspace('Analytics bench');
    const program = await programs.createProgram(workspaceId, {
      name: `${benchProgramName(opts.seed, opts.members, opts.ordersPerMember)} (generating)`,
      currency: 'GBP',
      settings: { base_earning: { points: 1, per_amount: 100 }, expiry: { policy: 'rolling', days: 365 }, negative_balance: 'allow' },
    });
    const [empty] = await sql<{ ok: boolean }[]>`select not exists (select 1 from orders) and not exists (select 1 from transactions) as ok`;
    const bulk = empty!.ok;
    if (!bulk) log('orders or transactions already hold rows: loading with their indexes in place (slower)');

    const perMember = (opts.ordersPerMember ?? 10) * (1 - GUEST_SHARE);
    const alpha = calibrate(opts.seed, opts.members, perMember);
    const synth = new SyntheticProgram(program.id, opts.seed, opts.members, alpha);
    log(`${opts.members} members, about ${millions(opts.members * (opts.ordersPerMember ?? 10))} orders (α = ${alpha.toFixed(1)} days)`);
    let result: Pick<AnalyticsGenResult, 'orders' | 'guestOrders' | 'transactions' | 'accounts' | 'seconds'>;

    // One pass over the members in enrolment order: members and accounts stream to the server, orders and
    // transactions go to spill files by time. A slice is complete once the pass has reached members who
    // enrolled after it ends; complete slices are sorted and sent while the pass goes on, the rest after it.
    const slices = 36 * Math.max(1, Math.ceil(opts.members / 1_000_000));
    const span = (END - START) / slices;
    const dir = mkdtempSync(join(tmpdir(), 'patron-analytics-gen-'));
    const tSimulate = performance.now();
    let accountCount = 0;
    let memberOrders = 0;
    let guestCount = 0;
    let sent = 0;
    const orderSpill = new Spill(dir, 'orders', slices, span);
    const txnSpill = new Spill(dir, 'transactions', slices, span);
    try {
      const rows = { order: (t: number, row: string) => orderSpill.add(t, row), txn: (t: number, row: string) => txnSpill.add(t, row) };
      const restore = bulk ? await Promise.all([dropIndexes(sql, 'orders'), dropIndexes(sql, 'transactions')]) : [[], []];
      const [members, accounts, orders, txns] = await Promise.all([
        Copy.open(sql, 'members', MEMBER_COLUMNS, false),
        Copy.open(sql, 'accounts', ACCOUNT_COLUMNS, false),
        Copy.open(sql, 'orders', ORDER_COLUMNS, bulk),
        Copy.open(sql, 'transactions', TXN_COLUMNS, bulk),
      ]);
      let nextSlice = 0;
      const send = async (s: number) => {
        const t0s = START + s * span;
        const guests = { times: [] as number[], rows: [] as string[] };
        const count = Math.round((orderSpill.counts[s]! * GUEST_SHARE) / (1 - GUEST_SHARE));
        const guestRows = { order: (t: number, row: string) => (guests.times.push(t), guests.rows.push(row)), txn: () => {} };
        synth.guests(s, count, t0s, Math.min(END, t0s + span), guestRows);
        guestCount += count;
        await orders.write(orderSpill.take(s, t0s, guests));
        await txns.write(txnSpill.take(s, t0s, { times: [], rows: [] }));
        sent += orderSpill.counts[s]! + count;
        log(`${new Date(t0s).toISOString().slice(0, 10)}: ${millions(sent)} orders sent, ${secondsSince(t0)} s`);
      };
      const CHUNK = 20_000;
      for (let start = 0; start < opts.members; start += CHUNK) {
        let m = '';
        let a = '';
        for (let i = start; i < Math.min(opts.members, start + CHUNK); i++) {
          // Let the sockets move: queued COPY data only goes to the server while the event loop runs.
          if (i % 250 === 0) await new Promise((ok) => setImmediate(ok));
          const ledger = synth.simulate(i, rows);
          memberOrders += ledger.orders;
          m += synth.memberRow();
          const row = synth.accountRow(ledger);
          if (row) {
            a += row;
            accountCount++;
          }
        }
        await members.write([m]);
        await accounts.write([a]);
        const complete = Math.floor((synth.enrolledAt - START) / span);
        while (nextSlice < complete && !orders.busy && !txns.busy) await send(nextSlice++);
        if ((start / CHUNK) % 10 === 9) log(`members: ${millions(start + CHUNK)}, ${millions(memberOrders)} of their orders, ${secondsSince(t0)} s`);
      }
      await Promise.all([members.end(), accounts.end()]);
      // Each member's email address, once the members are in (the identities' foreign key needs them).
      await sql`insert into member_identities (program_id, type, value, member_id, created_at)
                select program_id, 'email', lower(first_name) || '.' || lower(last_name) || '.' || lower(right(id, 10)) || '@example.test', id, created_at
                from members where program_id = ${program.id}`;
      const simulateSeconds = secondsSince(tSimulate);
      const tLoad = performance.now();
      while (nextSlice < slices) await send(nextSlice++);
      await Promise.all([orders.end(), txns.end()]);
      const loadSeconds = secondsSince(tLoad);

      const tIndexes = performance.now();
      if (bulk) {
        log('indexes of orders and transactions');
        await Promise.all(restore.map((statements) => buildIndexes(sql, statements)));
      }
      const indexSeconds = secondsSince(tIndexes);
      const tAnalyze = performance.now();
      await sql`vacuum (analyze) members, member_identities, accounts`;
      await sql`analyze orders, transactions`;
      const analyzeSeconds = secondsSince(tAnalyze);
      result = {
        orders: memberOrders + guestCount,
        guestOrders: guestCount,
        transactions: txnSpill.counts.reduce((n, c) => n + c, 0),
        accounts: accountCount,
        seconds: { total: 0, simulate: simulateSeconds, load: loadSeconds, indexes: indexSeconds, analyze: analyzeSeconds },
      };
    } finally {
      orderSpill.close();
      txnSpill.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await programs.updateProgram(program, { name: benchProgramName(opts.seed, opts.members, opts.ordersPerMember) });
    return {
      ...result,
      programId: program.id,
      members: opts.members,
      from: new Date(START).toISOString(),
      asOf: new Date(END).toISOString(),
      params: { ...TRUE_PARAMS, alpha_days: alpha, alpha_weeks: alpha / 7 },
      seconds: { ...result.seconds, total: secondsSince(t0) },
    };
  } finally {
    await sql.end({ timeout: 5 });
    await db.close();
  }
}


