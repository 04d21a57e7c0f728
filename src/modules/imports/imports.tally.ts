import type { Format, Source } from './imports.source.js';
import type { ImportKind, IdentityKind, Mapping } from './imports.mapping.js';
import type { Reject } from './imports.orders.js';
import type { RejectsWriter } from './imports.rejects.js';
import type { Program } from '../programs/index.js';
import type { EventResult } from '../events/index.js';

/** What an import takes and answers, and the counters it keeps on the way. */

/** Where an import stands; handed to `onProgress` as it goes. */
export interface ImportProgress {
  /** Bytes of the file read so far, and its size (compressed, if it is). */
  bytes: number;
  size: number;
  read: number;
  imported: number;
  duplicates: number;
  skipped: number;
  rejected: number;
}

export interface ImportSummary {
  kind: ImportKind;
  file: string;
  format: Format;
  gzip: boolean;
  preset: string | null;
  program_id: string;
  /** Events only: false when imported with --no-rules (history recorded, nothing earned). */
  rules?: boolean;
  /** Records read: data lines of a CSV, objects of a JSON Lines file. */
  read: number;
  /** Events applied, or members enrolled. */
  imported: number;
  /** Events only: the guest purchases (no member, nothing earned) among the events applied. */
  guests?: number;
  /** Events or members that were already there (a re-run): left as they were. */
  duplicates: number;
  skipped: { total: number; by_reason: Record<string, number> };
  /** Rows of the rejects file: refused lines, or refused events (with the lines they were made of). */
  rejected: { total: number; by_code: Record<string, number> };
  /** Events only: imported, duplicates and rejected per event type. */
  by_type?: Record<string, { imported: number; duplicates: number; rejected: number }>;
  rejects_file: string;
  seconds: number;
  /** Events (or members) imported or found already there, per second of the import. */
  per_second: number;
}

export interface ImportInput {
  file: string;
  format?: Format;
  program: Program;
  preset?: string;
  map?: Mapping;
  /** How `member=` values name members (default: the preset's, else external:import). */
  identity?: IdentityKind;
  /** The time zone of dates written without an offset (default: the preset's, else UTC). */
  zone?: string;
  rejectsFile: string;
  onProgress?: (p: ImportProgress) => void;
}

export interface EventsImportInput extends ImportInput {
  /** false: record history (events, orders) without earning and without hooks. */
  earn: boolean;
  /** Events per database transaction. */
  batchSize?: number;
  /** The type of rows when no column gives it (default purchase). */
  type?: string;
  channel?: string;
  /** Money columns hold whole minor units (pence) instead of decimals in major units. */
  minorUnits?: boolean;
  /** Called for each event applied or found already there, with its result (the demo tallies these). */
  onEvent?: (event: Record<string, unknown>, result: EventResult) => void;
}

/** Records between progress reports while nothing is written (a stretch of skipped or rejected lines). */
const REPORT_EVERY = 5_000;

/** Counters and the rejects file of one import. */
export function tally(kind: ImportKind, source: Source, input: ImportInput, rejects: RejectsWriter) {
  const started = Date.now();
  const s = {
    read: 0,
    imported: 0,
    guests: 0,
    duplicates: 0,
    skipped: new Map<string, number>(),
    rejected: new Map<string, number>(),
    byType: new Map<string, { imported: number; duplicates: number; rejected: number }>(),
  };
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const typeOf = (t: string) => {
    let x = s.byType.get(t);
    if (!x) s.byType.set(t, (x = { imported: 0, duplicates: 0, rejected: 0 }));
    return x;
  };
  let lastReport = 0;
  return {
    s,
    typeOf,
    skip(reason: string) {
      s.skipped.set(reason, (s.skipped.get(reason) ?? 0) + 1);
    },
    async reject(r: Reject) {
      s.rejected.set(r.code, (s.rejected.get(r.code) ?? 0) + 1);
      await rejects.write(r);
    },
    report(force = false) {
      if (!input.onProgress || (!force && s.read - lastReport < REPORT_EVERY)) return;
      lastReport = s.read;
      input.onProgress({
        bytes: source.bytesRead(),
        size: source.size,
        read: s.read,
        imported: s.imported,
        duplicates: s.duplicates,
        skipped: sum(s.skipped),
        rejected: sum(s.rejected),
      });
    },
    summary(extra: Partial<ImportSummary>): ImportSummary {
      const seconds = (Date.now() - started) / 1000;
      return {
        kind,
        file: source.file,
        format: source.format,
        gzip: source.gzip,
        preset: input.preset ?? null,
        program_id: input.program.id,
        ...extra,
        read: s.read,
        imported: s.imported,
        duplicates: s.duplicates,
        skipped: { total: sum(s.skipped), by_reason: Object.fromEntries(s.skipped) },
        rejected: { total: sum(s.rejected), by_code: Object.fromEntries(s.rejected) },
        rejects_file: rejects.file,
        seconds: Math.round(seconds * 10) / 10,
        per_second: seconds > 0 ? Math.round((s.imported + s.duplicates) / seconds) : 0,
      };
    },
  };
}

export const lineRange = (lines: readonly number[]) => {
  const lo = Math.min(...lines);
  const hi = Math.max(...lines);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
};
