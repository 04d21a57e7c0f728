import type { Queryable } from '../../platform/db.js';
import type { Condition } from './segments.contract.js';
import type { CompiledSegment } from './segments.sql.js';

export interface SegmentRow {
  program_id: string;
  id: string;
  name: string;
  description: string | null;
  conditions: Condition;
  created_at: Date;
  updated_at: Date;
}

export interface MemberRow {
  id: string;
  first_name: string | null;
  last_name: string | null;
  /** The value columns, named v0, v1, … in the order of `CompiledSegment.columns`. */
  [column: string]: unknown;
}

const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (e: unknown) => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === UNIQUE_VIOLATION;

/** A compiled segment's parameters with more appended; answers the placeholder of each addition. */
function extend(c: CompiledSegment) {
  const params = [...c.params];
  return { params, add: (v: unknown, cast: string) => (params.push(v), `$${params.length}::${cast}`) };
}

/** SQL only: saved segments, and the members a compiled segment selects. */
export const segmentsRepo = {
  /** Inserts a segment unless its name is taken in the program; true when it was inserted. */
  async insert(q: Queryable, s: Omit<SegmentRow, 'updated_at'>): Promise<boolean> {
    const rows = await q.query(
      `insert into segments (program_id, id, name, description, conditions, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $6) on conflict do nothing returning id`,
      [s.program_id, s.id, s.name, s.description, s.conditions, s.created_at],
    );
    return rows.length === 1;
  },

  /** Saves a segment's new definition; 'name_taken' when another segment of the program has the name. */
  async update(q: Queryable, s: Omit<SegmentRow, 'created_at'>): Promise<SegmentRow | 'name_taken' | undefined> {
    try {
      const rows = await q.query<SegmentRow>(
        `update segments set name = $3, description = $4, conditions = $5, updated_at = $6
         where program_id = $1 and id = $2 returning *`,
        [s.program_id, s.id, s.name, s.description, s.conditions, s.updated_at],
      );
      return rows[0];
    } catch (e) {
      if (isUniqueViolation(e)) return 'name_taken';
      throw e;
    }
  },

  async nameTaken(q: Queryable, programId: string, name: string, exceptId: string): Promise<boolean> {
    const rows = await q.query(`select 1 from segments where program_id = $1 and name = $2 and id <> $3`, [programId, name, exceptId]);
    return rows.length > 0;
  },

  async get(q: Queryable, programId: string, id: string, lock = false): Promise<SegmentRow | undefined> {
    const rows = await q.query<SegmentRow>(`select * from segments where program_id = $1 and id = $2${lock ? ' for update' : ''}`, [
      programId,
      id,
    ]);
    return rows[0];
  },

  async list(q: Queryable, programId: string, opts: { afterId?: string; limit: number }): Promise<SegmentRow[]> {
    return q.query<SegmentRow>(
      `select * from segments where program_id = $1 and ($2::text is null or id > $2) order by id limit $3`,
      [programId, opts.afterId ?? null, opts.limit],
    );
  },

  async delete(q: Queryable, programId: string, id: string): Promise<boolean> {
    const rows = await q.query(`delete from segments where program_id = $1 and id = $2 returning id`, [programId, id]);
    return rows.length === 1;
  },

  async tierLevels(q: Queryable, programId: string): Promise<{ id: string; name: string }[]> {
    return q.query(`select id, name from tier_levels where program_id = $1`, [programId]);
  },

  /** When the program's current member scores were made, and the end of the data they describe. */
  async scoresFreshness(q: Queryable, programId: string): Promise<{ computed_at: Date | null; as_of: Date | null }> {
    const rows = await q.query<{ computed_at: Date | null; as_of: Date | null }>(
      `select (select s.computed_at from member_scores s where s.program_id = c.program_id and s.job_id = c.job_id limit 1) as computed_at, c.as_of
       from member_scores_current c where c.program_id = $1`,
      [programId],
    );
    return rows[0] ?? { computed_at: null, as_of: null };
  },

  async count(q: Queryable, c: CompiledSegment): Promise<number> {
    const rows = await q.query<{ n: number }>(`select count(*)::bigint as n from ${c.from} where ${c.where}`, c.params);
    return Number(rows[0]?.n ?? 0);
  },

  /** Members of the segment by id, after `afterId`, with the value of each field it uses. */
  async members(q: Queryable, c: CompiledSegment, opts: { afterId?: string; limit: number }): Promise<MemberRow[]> {
    const x = extend(c);
    const after = opts.afterId === undefined ? '' : ` and m.id > ${x.add(opts.afterId, 'text')}`;
    const limit = x.add(opts.limit, 'int');
    const values = c.columns.map((col, i) => `, ${col.sql} as v${i}`).join('');
    return q.query<MemberRow>(
      `select m.id, m.first_name, m.last_name${values} from ${c.from} where ${c.where}${after} order by m.id limit ${limit}`,
      x.params,
    );
  },

  async contains(q: Queryable, c: CompiledSegment, memberId: string): Promise<boolean> {
    const x = extend(c);
    const rows = await q.query(`select 1 from ${c.from} where ${c.where} and m.id = ${x.add(memberId, 'text')}`, x.params);
    return rows.length > 0;
  },
};
