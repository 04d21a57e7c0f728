import type { Queryable } from '../../platform/db.js';

/** SQL of the uploaded imports (tables imports and import_files); no decisions here. */

export interface ImportRow {
  program_id: string;
  id: string;
  kind: 'events' | 'members';
  name: string;
  format: 'csv' | 'jsonl';
  gzip: boolean;
  size: string | number;
  status: 'uploaded' | 'queued' | 'running' | 'completed' | 'failed';
  columns: string[];
  sample: Record<string, unknown>[];
  total_rows: string | number | null;
  mapping: Record<string, string> | null;
  options: Record<string, unknown> | null;
  progress: Record<string, number>;
  counts: Record<string, number>;
  summary: Record<string, unknown> | null;
  error: { code: string; message: string; field?: string } | null;
  created_by: string;
  started_by: string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  heartbeat_at: Date | string | null;
}

const COLS = `program_id, id, kind, name, format, gzip, size, status, columns, sample, total_rows, mapping, options, progress, counts,
              summary, error, created_by, started_by, created_at, started_at, finished_at, heartbeat_at`;

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

export const importsRepo = {
  async insert(q: Queryable, r: Pick<ImportRow, 'program_id' | 'id' | 'kind' | 'name' | 'format' | 'gzip' | 'columns' | 'sample' | 'created_by'> & { size: number; total_rows: number | null; created_at: Date }, content: Uint8Array) {
    await q.query(
      `insert into imports (program_id, id, kind, name, format, gzip, size, status, columns, sample, total_rows, created_by, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, 'uploaded', $8::text::jsonb, $9::text::jsonb, $10, $11, $12)`,
      [r.program_id, r.id, r.kind, r.name, r.format, r.gzip, r.size, json(r.columns), json(r.sample), r.total_rows, r.created_by, r.created_at],
    );
    await q.query(`insert into import_files (program_id, import_id, content) values ($1, $2, $3)`, [r.program_id, r.id, content]);
  },

  async get(q: Queryable, programId: string, id: string): Promise<ImportRow | undefined> {
    const [row] = await q.query<ImportRow>(`select ${COLS} from imports where program_id = $1 and id = $2`, [programId, id]);
    return row;
  },

  async list(q: Queryable, programId: string, before: string | null, limit: number): Promise<ImportRow[]> {
    return q.query<ImportRow>(
      `select ${COLS} from imports where program_id = $1 and ($2::text is null or id < $2) order by id desc limit $3`,
      [programId, before, limit],
    );
  },

  async content(q: Queryable, programId: string, id: string): Promise<Uint8Array | undefined> {
    const [row] = await q.query<{ content: Uint8Array }>(`select content from import_files where program_id = $1 and import_id = $2`, [programId, id]);
    return row?.content;
  },

  async rejects(q: Queryable, programId: string, id: string): Promise<Uint8Array | null | undefined> {
    const [row] = await q.query<{ rejects: Uint8Array | null }>(`select rejects from import_files where program_id = $1 and import_id = $2`, [programId, id]);
    return row ? row.rejects : undefined;
  },

  /** Queues an import that may start (uploaded, or failed before); false when it is not in such a state. */
  async queue(q: Queryable, programId: string, id: string, set: { kind: string; mapping: Record<string, string>; options: Record<string, unknown>; by: string; now: Date }) {
    const rows = await q.query(
      `update imports set status = 'queued', kind = $3, mapping = $4::text::jsonb, options = $5::text::jsonb, started_by = $6, heartbeat_at = $7,
              progress = '{}', counts = '{}', summary = null, error = null, started_at = null, finished_at = null
       where program_id = $1 and id = $2 and status in ('uploaded', 'failed') returning id`,
      [programId, id, set.kind, json(set.mapping), json(set.options), set.by, set.now],
    );
    return rows.length > 0;
  },

  async running(q: Queryable, programId: string, id: string, now: Date) {
    await q.query(`update imports set status = 'running', started_at = $3, heartbeat_at = $3 where program_id = $1 and id = $2`, [programId, id, now]);
  },

  async progress(q: Queryable, programId: string, id: string, progress: Record<string, number | null>, counts: Record<string, number>, now: Date) {
    await q.query(`update imports set progress = $3::text::jsonb, counts = $4::text::jsonb, heartbeat_at = $5 where program_id = $1 and id = $2 and status = 'running'`, [
      programId,
      id,
      json(progress),
      json(counts),
      now,
    ]);
  },

  async finish(
    q: Queryable,
    programId: string,
    id: string,
    end: { status: 'completed' | 'failed'; progress: Record<string, number | null>; counts: Record<string, number>; summary: unknown; error: unknown; now: Date },
    rejects: Uint8Array | null,
  ) {
    await q.query(
      `update imports set status = $3, progress = $4::text::jsonb, counts = $5::text::jsonb, summary = $6::text::jsonb, error = $7::text::jsonb, finished_at = $8, heartbeat_at = null
       where program_id = $1 and id = $2`,
      [programId, id, end.status, json(end.progress), json(end.counts), json(end.summary), json(end.error), end.now],
    );
    await q.query(`update import_files set rejects = $3 where program_id = $1 and import_id = $2`, [programId, id, rejects]);
  },

  /** Runs whose process is gone (no heartbeat since `staleBefore`) are failed, so they can be started again. */
  async interrupt(q: Queryable, staleBefore: Date, now: Date): Promise<number> {
    const rows = await q.query(
      `update imports set status = 'failed', finished_at = $2, heartbeat_at = null,
              error = '{"code": "import.interrupted", "message": "The server stopped before this import finished; start it again (rows already imported are found and left as they are)"}'
       where status in ('queued', 'running') and (heartbeat_at is null or heartbeat_at < $1) returning id`,
      [staleBefore, now],
    );
    return rows.length;
  },
};
