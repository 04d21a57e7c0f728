import type { Queryable } from '../../platform/db.js';

export interface AuditRow {
  id: string;
  workspace_id: string;
  program_id: string | null;
  at: Date;
  actor_kind: 'key' | 'staff' | 'system';
  actor_id: string;
  actor_label: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

export interface AuditFilter {
  workspaceId: string;
  /** undefined: every program and the workspace-level entries; a list: only those programs' entries. */
  programIds?: readonly string[];
  actorId?: string;
  action?: string;
  actionPrefix?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  /** Entries older than this id (the cursor: newest first). */
  before?: string;
  limit: number;
}

/** The parameters are typed jsonb (the casts), so both drivers send any JSON value, arrays included, as JSON. */
const json = (v: unknown) => (v === undefined ? null : v);

export const auditRepo = {
  async insert(q: Queryable, r: AuditRow): Promise<void> {
    await q.query(
      `insert into audit_log (id, workspace_id, program_id, at, actor_kind, actor_id, actor_label, action, target_type, target_id, before, after, request_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13)`,
      [r.id, r.workspace_id, r.program_id, r.at, r.actor_kind, r.actor_id, r.actor_label, r.action, r.target_type, r.target_id, json(r.before), json(r.after), r.request_id],
    );
  },

  /** Newest first. */
  async list(q: Queryable, f: AuditFilter): Promise<AuditRow[]> {
    return q.query<AuditRow>(
      `select * from audit_log
       where workspace_id = $1
         and ($2::text[] is null or program_id = any($2))
         and ($3::text is null or actor_id = $3)
         and ($4::text is null or action = $4)
         and ($5::text is null or action like $5 || '%')
         and ($6::text is null or target_type = $6)
         and ($7::text is null or target_id = $7)
         and ($8::timestamptz is null or at >= $8)
         and ($9::timestamptz is null or at < $9)
         and ($10::text is null or id < $10)
       order by id desc
       limit $11`,
      [
        f.workspaceId,
        f.programIds ?? null,
        f.actorId ?? null,
        f.action ?? null,
        f.actionPrefix === undefined ? null : f.actionPrefix.replace(/[\\%_]/g, (c) => `\\${c}`),
        f.targetType ?? null,
        f.targetId ?? null,
        f.from ?? null,
        f.to ?? null,
        f.before ?? null,
        f.limit,
      ],
    );
  },
};
