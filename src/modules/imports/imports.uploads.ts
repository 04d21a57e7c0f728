import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock.js';
import type { Db, Queryable } from '../../platform/db.js';
import { afterCommit } from '../../platform/db.js';
import { AppError, invalid, isAppError, notFound } from '../../platform/errors.js';
import type { Ids } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { Program, ProgramsService } from '../programs/index.js';
import { formatOfName, openSource, type Format } from './imports.source.js';
import { isTarget, mappingByName, parseIdentity, targetsOf, type ImportKind } from './imports.mapping.js';
import { PRESETS, type Preset } from './imports.presets.js';
import { presetNamed } from './imports.prepare.js';
import type { ImportsService } from './imports.service.js';
import type { ImportProgress, ImportSummary } from './imports.tally.js';
import type { ImportOut, StartBody } from './imports.contract.js';
import { importsRepo as repo, type ImportRow } from './imports.repo.js';

/**
 * Imports uploaded through the API: the file is kept in the database, then a start runs it in the background
 * of this server process through the same import service as `patron import` (one import at a time per
 * program), writing its progress as it goes, and finally its counts and rejects file.
 */

export const UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;
const SAMPLE_ROWS = 8;
/** How often a run writes its progress at most, and renews its heartbeat at least. */
const PROGRESS_EVERY_MS = 500;
const HEARTBEAT_MS = 20_000;
/** A run without a heartbeat for this long belonged to a process that stopped. */
const STALE_MS = 120_000;

const REQUIRED: Record<ImportKind, readonly string[]> = { events: ['occurred_at'], members: [] };
const MEMBER_IDENTITIES = ['member', 'email', 'phone', 'card_number'];

const FORMAT_OF_TYPE: Record<string, Format> = {
  'text/csv': 'csv',
  'text/tab-separated-values': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
};

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const num = (v: string | number | null) => (v === null ? null : Number(v));

function fieldsOf(kind: ImportKind) {
  const { names, prefixes } = targetsOf(kind);
  return [...names, ...prefixes].map((name) => ({ name, required: REQUIRED[kind].includes(name) }));
}

/** The preset whose columns the file has, for this kind; else the columns named like Patron's fields. */
function suggest(kind: ImportKind, format: Format, columns: readonly string[]) {
  const have = new Set(columns);
  const fits = (p: Preset) => p.format === format && Object.values(kind === 'events' ? p.events.map : p.members.map).every((c) => have.has(c));
  const preset = Object.values(PRESETS).find(fits);
  if (preset) return { preset: preset.name, mapping: { ...(kind === 'events' ? preset.events.map : preset.members.map) } };
  return { preset: null, mapping: Object.fromEntries(mappingByName(kind, columns)) };
}

function view(r: ImportRow): ImportOut {
  const c = r.counts;
  const p = r.progress;
  const total = num(r.total_rows);
  const rows = p.rows ?? 0;
  const done = r.status === 'completed';
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    format: r.format,
    gzip: r.gzip,
    size: Number(r.size),
    status: r.status,
    columns: r.columns,
    sample: r.sample,
    total_rows: total,
    suggested: { events: suggest('events', r.format, r.columns), members: suggest('members', r.format, r.columns) },
    fields: { events: fieldsOf('events'), members: fieldsOf('members') },
    mapping: r.mapping,
    options: r.options,
    progress: {
      rows,
      total_rows: done ? rows : total,
      bytes: p.bytes ?? 0,
      size: Number(r.size),
      percent: done ? 100 : total ? Math.min(99, Math.floor((rows / total) * 100)) : p.size ? Math.min(99, Math.floor(((p.bytes ?? 0) / p.size) * 100)) : 0,
    },
    counts: { read: c.read ?? 0, imported: c.imported ?? 0, duplicates: c.duplicates ?? 0, skipped: c.skipped ?? 0, rejected: c.rejected ?? 0 },
    rejected_by_code: ((r.summary?.rejected as { by_code?: Record<string, number> } | undefined)?.by_code ?? {}),
    error: r.error,
    created_at: iso(r.created_at)!,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
  };
}

/** The CSV header of a rejects file with no row (a run that refused nothing). */
export const REJECTS_HEADER = 'line,lines,id,code,field,message\n';

export function createImportUploads(deps: { db: Db; clock: Clock; ids: Ids; log: Logger; programs: ProgramsService; imports: ImportsService }) {
  const { db, clock, ids, log, programs, imports } = deps;
  /** The runs of each program, one after the other. */
  const chains = new Map<string, Promise<void>>();
  const active = new Set<Promise<void>>();

  async function get(programId: string, id: string, q: Queryable = db): Promise<ImportRow> {
    const row = await repo.get(q, programId, id);
    if (!row) throw notFound('import.not_found', `No import ${id} in this program`);
    return row;
  }

  /** Stores an uploaded file: its format, header and first rows are read now, so a bad file is refused at once. */
  async function upload(program: Program, input: { name: string; kind: ImportKind; contentType: string | undefined; body: Buffer; by: string }): Promise<ImportOut> {
    if (input.body.length === 0) throw invalid('import.empty_file', 'The file is empty', 'body');
    const type = (input.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const format = FORMAT_OF_TYPE[type] ?? formatOfName(input.name);
    if (!format) throw invalid('import.unknown_format', `Cannot tell the format of ${input.name}: send text/csv or application/x-ndjson, or name it .csv or .jsonl`, 'name');
    const dir = await mkdtemp(join(tmpdir(), 'patron-upload-'));
    try {
      const file = join(dir, `upload${/\.tsv(\.gz)?$/i.test(input.name) ? '.tsv' : ''}`);
      await writeFile(file, input.body);
      const source = await openSource(file, format);
      const sample: Record<string, unknown>[] = [];
      const keys = new Set<string>();
      let rows = 0;
      for await (const item of source.items()) {
        rows++;
        if ('record' in item && sample.length < SAMPLE_ROWS) {
          const v = item.record.value();
          sample.push(v);
          for (const k of Object.keys(v)) keys.add(k);
        }
      }
      const columns = source.columns() ?? [...keys];
      if (format === 'csv' && columns.length === 0) throw invalid('import.no_header', 'The CSV file has no header line', 'body');
      const id = ids.next('imp');
      await db.tx((q) =>
        repo.insert(
          q,
          { program_id: program.id, id, kind: input.kind, name: input.name, format, gzip: source.gzip, size: input.body.length, columns, sample, total_rows: rows, created_by: input.by, created_at: clock.now() },
          input.body,
        ),
      );
      return view(await get(program.id, id));
    } catch (e) {
      // The file was read as gzip (by its first bytes) and is not: a broken upload, not a bug.
      if (!isAppError(e) && e instanceof Error && /incorrect header check|unexpected end of file/i.test(e.message)) {
        throw invalid('import.bad_gzip', 'The file starts like gzip but does not decompress', 'body');
      }
      throw e;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Checks a mapping against the fields of its kind and the columns of the file; the failing field is named. */
  function checkStart(row: ImportRow, kind: ImportKind, body: StartBody) {
    for (const [target, column] of Object.entries(body.mapping)) {
      if (!isTarget(kind, target)) throw invalid('import.unknown_field', `"${target}" is not a field of ${kind}`, `mapping.${target}`);
      if (column.trim() === '') throw invalid('import.bad_map', `"${target}" names no column`, `mapping.${target}`);
      // JSON Lines are read by key or dotted path: any key may be there beyond the sample's.
      if (row.format === 'csv' && !row.columns.includes(column)) {
        throw invalid('import.unknown_column', `The file has no column "${column}"; its columns are ${row.columns.join(', ')}`, `mapping.${target}`);
      }
    }
    if (row.format === 'csv' && Object.keys(body.mapping).length === 0) throw invalid('import.bad_map', 'Map at least one column', 'mapping');
    if (row.format === 'csv' || Object.keys(body.mapping).length > 0) {
      for (const f of REQUIRED[kind]) if (!(f in body.mapping)) throw invalid('import.missing_field', `Map a column to ${f}`, `mapping.${f}`);
      if (kind === 'members' && !Object.keys(body.mapping).some((t) => MEMBER_IDENTITIES.includes(t) || t.startsWith('external_ids.'))) {
        throw invalid('import.missing_identity', 'Map a column to an identity: member, email, phone, card_number or external_ids.<channel>', 'mapping.member');
      }
    }
    if (body.preset) presetNamed(body.preset);
    if (body.identity) parseIdentity(body.identity);
    if (body.time_zone && !isZone(body.time_zone)) throw invalid('import.bad_time_zone', `Unknown time zone "${body.time_zone}"`, 'time_zone');
  }

  /** Queues an import in the caller's transaction; it starts once that commits. */
  async function start(q: Queryable, program: Program, id: string, body: StartBody, by: string): Promise<ImportOut> {
    const row = await get(program.id, id, q);
    const kind = body.kind ?? row.kind;
    if (row.status !== 'uploaded' && row.status !== 'failed') {
      throw new AppError('conflict', 'import.already_started', `Import ${id} is ${row.status}: an import runs once (a failed one may start again)`, { field: 'import_id' });
    }
    checkStart(row, kind, body);
    const options = { preset: body.preset ?? null, rules: body.rules, identity: body.identity ?? null, time_zone: body.time_zone ?? null };
    if (!(await repo.queue(q, program.id, id, { kind, mapping: body.mapping, options, by, now: clock.now() }))) {
      throw new AppError('conflict', 'import.already_started', `Import ${id} has just been started`, { field: 'import_id' });
    }
    afterCommit(q, () => schedule(program.id, id));
    return view((await repo.get(q, program.id, id))!);
  }

  function schedule(programId: string, id: string) {
    const prev = chains.get(programId) ?? Promise.resolve();
    const next = prev.then(() => runWhenFree(programId, id)).catch((err: unknown) => log.error({ err, program_id: programId, import_id: id }, 'import run failed'));
    chains.set(programId, next);
    active.add(next);
    void next.finally(() => {
      active.delete(next);
      if (chains.get(programId) === next) chains.delete(programId);
    });
  }

  /** Another server process may be running an import of the program: wait for it. */
  async function runWhenFree(programId: string, id: string) {
    for (;;) {
      const out = await db.tryLock(`import:${programId}`, () => run(programId, id));
      if (out.acquired) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async function run(programId: string, id: string) {
    const row = await get(programId, id);
    if (row.status !== 'queued') return;
    const content = await repo.content(db, programId, id);
    const dir = await mkdtemp(join(tmpdir(), 'patron-import-'));
    const file = join(dir, `upload${/\.tsv(\.gz)?$/i.test(row.name) ? '.tsv' : ''}`);
    const rejectsFile = join(dir, 'rejects.csv');
    await writeFile(file, content ?? new Uint8Array());
    await repo.running(db, programId, id, clock.now());

    let latest: ImportProgress = { bytes: 0, size: Number(row.size), read: 0, imported: 0, duplicates: 0, skipped: 0, rejected: 0 };
    let lastWrite = 0;
    let writing: Promise<void> = Promise.resolve();
    const persist = () => {
      lastWrite = Date.now();
      const p = latest;
      writing = writing
        .then(() => repo.progress(db, programId, id, { rows: p.read, bytes: p.bytes, size: p.size }, countsOf(p), clock.now()))
        .catch((err: unknown) => log.error({ err, import_id: id }, 'import progress not written'));
    };
    const heartbeat = setInterval(persist, HEARTBEAT_MS);
    heartbeat.unref();

    const opts = (row.options ?? {}) as { preset?: string | null; rules?: boolean; identity?: string | null; time_zone?: string | null };
    let summary: ImportSummary | undefined;
    let error: { code: string; message: string; field?: string } | null = null;
    try {
      const program = await programs.program(programId);
      const input = {
        file,
        format: row.format,
        program,
        preset: opts.preset ?? undefined,
        // An empty mapping of JSON Lines: each line is taken as the API takes it.
        map: Object.keys(row.mapping ?? {}).length ? new Map(Object.entries(row.mapping ?? {})) : undefined,
        identity: opts.identity ? parseIdentity(opts.identity) : undefined,
        zone: opts.time_zone ?? undefined,
        rejectsFile,
        onProgress: (p: ImportProgress) => {
          latest = p;
          if (Date.now() - lastWrite >= PROGRESS_EVERY_MS) persist();
        },
      };
      summary = row.kind === 'events' ? await imports.importEvents({ ...input, earn: opts.rules !== false }) : await imports.importMembers(input);
    } catch (e) {
      if (isAppError(e)) {
        error = { code: e.code, message: e.message.replaceAll(file, row.name), ...(typeof e.details.field === 'string' ? { field: e.details.field } : {}) };
      } else {
        log.error({ err: e, program_id: programId, import_id: id }, 'import failed');
        error = { code: 'import.failed', message: 'The import stopped on an unexpected error; the server log has its details' };
      }
    } finally {
      clearInterval(heartbeat);
      await writing;
    }
    try {
      const rejects = existsSync(rejectsFile) ? await readFile(rejectsFile) : null;
      const final: ImportProgress = summary
        ? { ...latest, bytes: Number(row.size), read: summary.read, imported: summary.imported, duplicates: summary.duplicates, skipped: summary.skipped.total, rejected: summary.rejected.total }
        : latest;
      // The summary names the temporary files of this run: they are gone once it ends.
      const kept = summary ? { ...summary, file: row.name, rejects_file: null } : null;
      await db.tx((q) =>
        repo.finish(
          q,
          programId,
          id,
          { status: summary ? 'completed' : 'failed', progress: { rows: final.read, bytes: final.bytes, size: final.size }, counts: countsOf(final), summary: kept, error, now: clock.now() },
          rejects,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    upload,
    start,
    async get(programId: string, id: string) {
      return view(await get(programId, id));
    },
    async list(programId: string, query: { cursor?: string; limit: number }) {
      const before = query.cursor ? decodeCursor(query.cursor) : null;
      const rows = await repo.list(db, programId, before, query.limit + 1);
      const page = rows.slice(0, query.limit);
      const data = page.map((r) => {
        const { sample: _s, suggested: _g, fields: _f, ...rest } = view(r);
        return rest;
      });
      return { data, next_cursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!.id) : null };
    },
    /** The rejects file of a finished run (just its header when nothing was refused). */
    async rejects(programId: string, id: string): Promise<{ name: string; csv: Buffer }> {
      const row = await get(programId, id);
      if (row.status !== 'completed' && row.status !== 'failed') {
        throw new AppError('conflict', 'import.not_finished', `Import ${id} is ${row.status}: its rejects are known once it has run`, { field: 'import_id' });
      }
      const bytes = await repo.rejects(db, programId, id);
      return { name: `${row.id}-rejects.csv`, csv: bytes ? Buffer.from(bytes) : Buffer.from(REJECTS_HEADER) };
    },
    /**
     * Fails the runs of processes that stopped (a restart): on PGlite only this process opens the database, so
     * every unfinished run is one; on PostgreSQL a run whose heartbeat stopped.
     */
    async recover(): Promise<number> {
      const now = clock.now();
      const staleBefore = db.kind === 'pglite' && active.size === 0 ? now : new Date(now.getTime() - STALE_MS);
      return repo.interrupt(db, staleBefore, now);
    },
    /** Resolves once every run started here has ended (tests, shutdown). */
    async idle() {
      while (active.size) await Promise.allSettled([...active]);
    },
  };
}

export type ImportUploads = ReturnType<typeof createImportUploads>;

const countsOf = (p: ImportProgress) => ({ read: p.read, imported: p.imported, duplicates: p.duplicates, skipped: p.skipped, rejected: p.rejected });

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(c: string): string {
  const id = Buffer.from(c, 'base64url').toString('utf8');
  if (!/^imp_[0-9a-z]{26}$/.test(id)) throw invalid('validation.invalid_cursor', 'cursor is not one this list gave', 'cursor');
  return id;
}
