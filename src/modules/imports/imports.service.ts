import { refreshStatistics } from '../../platform/statistics.js';
import type { Db } from '../../platform/db.js';
import { AppError, isAppError } from '../../platform/errors.js';
import type { Program, ProgramsService } from '../programs/index.js';
import type { MembersService } from '../members/index.js';
import type { EventsService } from '../events/index.js';
import type { SourceRecord } from './imports.source.js';
import { parseIdentity, type Mapping } from './imports.mapping.js';
import { createAssembler, type Built } from './imports.orders.js';
import { eventRows } from './imports.rows.js';
import { openRejects } from './imports.rejects.js';
import { minorDigits } from './imports.values.js';
import { DEFAULT_IDENTITY, prepare, settle } from './imports.prepare.js';
import { membersImport } from './imports.members.js';
import { lineRange, tally, type EventsImportInput, type ImportSummary } from './imports.tally.js';

export { presetNamed } from './imports.prepare.js';
export type { EventsImportInput, ImportInput, ImportProgress, ImportSummary } from './imports.tally.js';

/**
 * Bulk import of members and events from CSV or JSON Lines files (gzip too), streamed. Events go through the
 * same ingestion as live ones (`events.ingestBatch`, one transaction per batch) with their own occurred_at, so
 * the rules, tiers and windows see history as it happened; re-running an import finds every event by its id
 * and every member by their identity, and changes nothing.
 */
export function createImportsService(deps: { db: Db; programs: ProgramsService; members: MembersService; events: EventsService }) {
  const { db, programs, members, events } = deps;

  /** The program named, or the only one there is. */
  async function programFor(id: string | undefined): Promise<Program> {
    if (id) return programs.program(id);
    const ids = await programs.allProgramIds();
    if (ids.length === 1) return programs.program(ids[0]!);
    throw new AppError(
      'invalid',
      'import.program_required',
      ids.length === 0 ? 'There is no program yet: start `patron serve` once, or create one' : `There are ${ids.length} programs: name one with --program prg_…`,
      { field: 'program' },
    );
  }


  async function importEvents(input: EventsImportInput): Promise<ImportSummary> {
    const { preset, zone, source, explicit } = await prepare('events', input);
    const program = input.program;
    if (preset && preset.currency !== program.currency) {
      throw new AppError('invalid', 'import.currency_mismatch', `The ${preset.name} data is in ${preset.currency}; program ${program.id} is in ${program.currency}`, {
        field: 'program',
      });
    }
    const rejects = await openRejects(input.rejectsFile);
    const t = tally('events', source, input, rejects);
    const assembler = createAssembler({ idPrefix: preset?.events.idPrefix ?? '' });
    const batchSize = input.batchSize ?? 500;
    const pending: Built[] = [];
    let toRow: ((rec: SourceRecord) => ReturnType<ReturnType<typeof eventRows>>) | undefined;
    let mapping: Mapping | undefined;
    let settled = false;

    /** The batch being written while the file reads on: one at a time, in order. */
    let inflight: Promise<void> | undefined;

    async function flush() {
      if (pending.length === 0) return;
      const batch = pending.splice(0);
      await inflight;
      inflight = ingest(batch);
      // Its failure is thrown by the next await of it; this only keeps Node from calling it unhandled meanwhile.
      inflight.catch(() => undefined);
    }

    async function ingest(batch: Built[]) {
      // Each batch runs with the configuration in force when it starts: a change made while a long import runs
      // applies from the next batch on, as it does on every server.
      const current = await programs.program(program.id);
      const out = await db.tx(async (q) => {
        const written = await events.ingestBatch(q, current, batch.map((b) => b.event), { earn: input.earn });
        // The preset's country column goes into the profile of the members whose country is unknown.
        const country = preset?.events.memberCountry;
        if (country) {
          const found = new Map<string, string>();
          for (const r of written.results) {
            const value = (batch[r.index]!.event.properties as Record<string, unknown> | undefined)?.[country.property];
            const code = r.status !== 'rejected' && r.result?.member_id && typeof value === 'string' ? country.code(value) : null;
            if (code) found.set(r.result!.member_id!, code);
          }
          await members.fillCountries(q, program.id, found);
        }
        return written;
      });
      for (const r of out.results) {
        const b = batch[r.index]!;
        const type = String(b.event.type);
        if (r.status === 'rejected') {
          t.typeOf(type).rejected++;
          const field = r.error?.field?.replace(/^events\.\d+\.?/, '') || undefined;
          await t.reject({ line: Math.min(...b.lines), lines: lineRange(b.lines), id: r.id ?? undefined, code: r.error!.code, field, message: r.error!.detail });
          continue;
        }
        if (r.status === 'applied') {
          t.s.imported++;
          t.typeOf(type).imported++;
          if (type === 'purchase' && r.result!.guest) t.s.guests++;
        } else {
          t.s.duplicates++;
          t.typeOf(type).duplicates++;
        }
        input.onEvent?.(b.event, r.result!);
      }
      t.report(true);
    }

    async function emit(items: ReturnType<ReturnType<typeof createAssembler>['push']>) {
      for (const it of items) {
        if ('built' in it) {
          pending.push(it.built);
          if (pending.length >= batchSize) await flush();
        } else if ('skip' in it) t.skip(it.skip.reason);
        else await t.reject(it.reject);
      }
    }

    let complete = false;
    try {
      for await (const item of source.items()) {
        if ('problem' in item) {
          t.s.read++;
          await t.reject({ line: item.problem.line, code: item.problem.code, message: item.problem.message });
          continue;
        }
        const rec = item.record;
        t.s.read++;
        if (!settled) {
          settled = true;
          mapping = settle('events', source, explicit);
          if (mapping) {
            toRow = eventRows(mapping, {
              type: input.type ?? preset?.events.type ?? 'purchase',
              identity: input.identity ?? preset?.identity ?? DEFAULT_IDENTITY,
              zone,
              currency: program.currency,
              digits: minorDigits(program.currency),
              minorUnits: input.minorUnits ?? false,
              channel: input.channel ?? preset?.events.channel,
              memberText: preset?.memberText,
              returnPrefix: preset?.events.returnPrefix,
            });
          }
        }
        if (!toRow) {
          // JSON Lines without a mapping: each line is an event as POST /v1/events takes it.
          await emit([{ built: { event: rec.value(), lines: [rec.line] } }]);
        } else {
          let row;
          try {
            row = toRow(rec);
          } catch (e) {
            if (!isAppError(e)) throw e;
            await t.reject({ line: rec.line, code: e.code, field: typeof e.details.field === 'string' ? e.details.field : undefined, message: e.message });
            continue;
          }
          await emit(assembler.push(row));
        }
        t.report();
      }
      if (!settled && source.columns()) settle('events', source, explicit);
      await emit(assembler.end());
      await flush();
      await inflight;
      complete = true;
    } finally {
      await inflight?.catch(() => undefined);
      await rejects.close(complete);
    }
    return t.summary({ rules: input.earn, guests: t.s.guests, by_type: Object.fromEntries(t.s.byType) });
  }


  const importMembers = membersImport({ db, members });

  /** After a bulk load the planner's statistics are out of date: on PGlite nothing else refreshes them. */
  const thenAnalyse =
    <A extends unknown[]>(run: (...args: A) => Promise<ImportSummary>) =>
    async (...args: A): Promise<ImportSummary> => {
      const summary = await run(...args);
      await refreshStatistics(db);
      return summary;
    };

  return { programFor, importEvents: thenAnalyse(importEvents), importMembers: thenAnalyse(importMembers), parseIdentity };
}

export type ImportsService = ReturnType<typeof createImportsService>;
