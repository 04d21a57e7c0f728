import type { Clock } from '../../platform/clock.js';
import type { Db, Queryable } from '../../platform/db.js';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.js';
import type { Ids } from '../../platform/ids.js';
import type { Program } from '../programs/index.js';
import type {
  Condition,
  PreviewBody,
  PreviewResponse,
  Segment,
  SegmentCreate,
  SegmentMember,
  SegmentMembers,
  SegmentUpdate,
} from './segments.contract.js';
import { segmentsRepo as repo, type MemberRow, type SegmentRow } from './segments.repo.js';
import { compileSegment, type CompiledSegment } from './segments.sql.js';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(cursor: string | undefined, prefix: 'seg' | 'mbr'): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!new RegExp(`^${prefix}_[0-9a-z]{26}$`).test(id)) throw invalid('segments.invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return id;
}

const notFoundError = (id: string) => notFound('segments.not_found', `No segment ${id}`, 'segment_id');
const badCondition = (field: string, message: string) =>
  new AppError('invalid', 'segments.invalid_condition', `Invalid segment: ${field}: ${message}`, {
    field,
    errors: [{ field, code: 'segments.invalid_condition', message }],
  });

/** A member row as the API shows it: dates as ISO 8601, the value columns under their field keys. */
function memberView(c: CompiledSegment, r: MemberRow): SegmentMember {
  const values: Record<string, unknown> = {};
  c.columns.forEach((col, i) => {
    const v = r[`v${i}`];
    values[col.key] = v instanceof Date ? v.toISOString() : (v ?? null);
  });
  return { id: r.id, name: [r.first_name, r.last_name].filter(Boolean).join(' ') || null, values };
}

export interface MembersOpts {
  cursor?: string;
  limit: number;
  /** The time relative conditions ({"days_ago": n}, activity windows) are measured from; default now. */
  now?: Date;
}

/**
 * Saved segments: definitions, their size and their members. Conditions are validated by the contract
 * (shape, fields, operators, values) and here against the program (its point currencies and tier levels);
 * the members are always computed live, from one SQL statement per question.
 */
export function createSegmentsService(deps: { db: Db; clock: Clock; ids: Ids }) {
  const { db, clock, ids } = deps;

  /** Checks what depends on the program: balance currencies it has, tier levels that exist. */
  async function checkAgainstProgram(q: Queryable, program: Program, tree: Condition) {
    let levels: { id: string; name: string }[] | undefined;
    const walk = async (c: Condition, at: string): Promise<void> => {
      if ('all' in c) for (const [i, x] of c.all.entries()) await walk(x, `${at}.all.${i}`);
      else if ('any' in c) for (const [i, x] of c.any.entries()) await walk(x, `${at}.any.${i}`);
      else if ('not' in c) await walk(c.not, `${at}.not`);
      else if (c.field.startsWith('balance.')) {
        const currency = c.field.slice(8);
        if (!program.point_currencies.includes(currency)) {
          throw badCondition(`${at}.field`, `the program has no point currency "${currency}" (it has ${program.point_currencies.join(', ')})`);
        }
      } else if (c.field === 'tier' && c.op !== 'exists') {
        levels ??= await repo.tierLevels(q, program.id);
        const names = Array.isArray(c.value) ? c.value.map(String) : [String(c.value)];
        names.forEach((n, i) => {
          if (!levels!.some((l) => l.id === n || l.name.toLowerCase() === n.toLowerCase())) {
            const field = Array.isArray(c.value) ? `${at}.value.${i}` : `${at}.value`;
            const known = levels!.map((l) => l.name).join(', ') || 'none';
            throw badCondition(field, `no tier level is named or has the id "${n}" (levels: ${known})`);
          }
        });
      }
    };
    await walk(tree, 'conditions');
  }

  async function scoresOf(q: Queryable, programId: string, c: CompiledSegment): Promise<Segment['scores']> {
    if (!c.usesScores) return null;
    const f = await repo.scoresFreshness(q, programId);
    return { computed_at: iso(f.computed_at), as_of: iso(f.as_of) };
  }

  async function view(q: Queryable, row: SegmentRow): Promise<Segment> {
    const now = clock.now();
    const c = compileSegment(row.program_id, row.conditions, now);
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      conditions: row.conditions,
      fields: c.columns.map((col) => col.key),
      size: await repo.count(q, c),
      counted_at: now.toISOString(),
      scores: await scoresOf(q, row.program_id, c),
      created_at: iso(row.created_at)!,
      updated_at: iso(row.updated_at)!,
    };
  }

  async function load(q: Queryable, programId: string, id: string, lock = false): Promise<SegmentRow> {
    const row = await repo.get(q, programId, id, lock);
    if (!row) throw notFoundError(id);
    return row;
  }

  async function members(q: Queryable, programId: string, segmentId: string, opts: MembersOpts): Promise<SegmentMembers> {
    const row = await load(q, programId, segmentId);
    const c = compileSegment(programId, row.conditions, opts.now ?? clock.now());
    const rows = await repo.members(q, c, { afterId: decodeCursor(opts.cursor, 'mbr'), limit: opts.limit + 1 });
    const page = rows.slice(0, opts.limit);
    return {
      fields: c.columns.map((col) => col.key),
      data: page.map((r) => memberView(c, r)),
      next_cursor: rows.length > opts.limit ? encodeCursor(page.at(-1)!.id) : null,
    };
  }

  return {
    async create(q: Queryable, program: Program, input: SegmentCreate): Promise<Segment> {
      await checkAgainstProgram(q, program, input.conditions);
      const now = clock.now();
      const row = {
        program_id: program.id,
        id: ids.next('seg'),
        name: input.name,
        description: input.description ?? null,
        conditions: input.conditions,
        created_at: now,
      };
      if (!(await repo.insert(q, row))) {
        throw conflict('segments.name_taken', `The program already has a segment named "${input.name}"`, { field: 'name' });
      }
      return view(q, { ...row, updated_at: now });
    },

    async list(program: Program, query: { limit: number; cursor?: string }) {
      const rows = await repo.list(db, program.id, { afterId: decodeCursor(query.cursor, 'seg'), limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const data: Segment[] = [];
      for (const r of page) data.push(await view(db, r));
      return { data, next_cursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.id) : null };
    },

    async get(program: Program, id: string, q: Queryable = db): Promise<Segment> {
      return view(q, await load(q, program.id, id));
    },

    async update(q: Queryable, program: Program, id: string, patch: SegmentUpdate): Promise<Segment> {
      const current = await load(q, program.id, id, true);
      if (patch.conditions) await checkAgainstProgram(q, program, patch.conditions);
      const name = patch.name ?? current.name;
      const taken = () => conflict('segments.name_taken', `The program already has a segment named "${name}"`, { field: 'name' });
      if (name !== current.name && (await repo.nameTaken(q, program.id, name, id))) throw taken();
      const saved = await repo.update(q, {
        program_id: program.id,
        id,
        name,
        description: patch.description === undefined ? current.description : patch.description,
        conditions: patch.conditions ?? current.conditions,
        updated_at: clock.now(),
      });
      if (saved === 'name_taken') throw taken();
      if (!saved) throw notFoundError(id);
      return view(q, saved);
    },

    async remove(q: Queryable, program: Program, id: string) {
      if (!(await repo.delete(q, program.id, id))) throw notFoundError(id);
      return { id, deleted: true as const };
    },

    /** Size and a sample of members for a definition that is not saved; writes nothing. */
    async preview(program: Program, body: PreviewBody): Promise<PreviewResponse> {
      await checkAgainstProgram(db, program, body.conditions);
      const now = clock.now();
      const c = compileSegment(program.id, body.conditions, now);
      const sample = body.sample_size > 0 ? await repo.members(db, c, { limit: body.sample_size }) : [];
      return {
        size: await repo.count(db, c),
        counted_at: now.toISOString(),
        fields: c.columns.map((col) => col.key),
        sample: sample.map((r) => memberView(c, r)),
        scores: await scoresOf(db, program.id, c),
      };
    },

    /** A page of a segment's members, by member id; `next_cursor` continues it. For the API and other modules. */
    members,

    /** Whether a member is in a segment now (journeys ask this per member). */
    async contains(q: Queryable, programId: string, segmentId: string, memberId: string, now?: Date): Promise<boolean> {
      const row = await load(q, programId, segmentId);
      return repo.contains(q, compileSegment(programId, row.conditions, now ?? clock.now()), memberId);
    },

    /**
     * Every member of a segment, page by page (for exports), all measured from the same moment. Throws
     * segments.not_found before the first page, so a caller can answer 404 before it starts streaming.
     */
    async export(programId: string, segmentId: string, pageSize = 1000) {
      const row = await load(db, programId, segmentId);
      const c = compileSegment(programId, row.conditions, clock.now());
      async function* pages(): AsyncGenerator<SegmentMember[]> {
        let afterId: string | undefined;
        for (;;) {
          const rows = await repo.members(db, c, { afterId, limit: pageSize });
          if (rows.length) yield rows.map((r) => memberView(c, r));
          if (rows.length < pageSize) return;
          afterId = rows.at(-1)!.id;
        }
      }
      return { segment: { id: row.id, name: row.name }, fields: c.columns.map((col) => col.key), pages: pages() };
    },
  };
}

export type SegmentsService = ReturnType<typeof createSegmentsService>;
