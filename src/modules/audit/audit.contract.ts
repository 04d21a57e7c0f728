import { z } from 'zod';
import { Instant } from '../../platform/instant.js';

export const ActorKind = z.enum(['key', 'staff', 'system']);
export type ActorKind = z.infer<typeof ActorKind>;

export const AuditEntry = z.object({
  id: z.string().describe('aud_…'),
  at: z.string(),
  actor: z.object({ kind: ActorKind, id: z.string(), label: z.string() }).describe('Who: an API key, a staff user, or the system (e.g. the CLI)'),
  action: z.string().describe('What, dotted: rule.update, member.erase, key.revoke…'),
  program_id: z.string().nullable().describe('null for workspace-level changes'),
  target: z.object({ type: z.string(), id: z.string().nullable() }),
  before: z.record(z.string(), z.unknown()).nullable().describe('The state before the change (secrets and members’ personal fields redacted)'),
  after: z.record(z.string(), z.unknown()).nullable().describe('The state after the change, or what the operation answered'),
  request_id: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditList = z.object({ data: z.array(AuditEntry), next_cursor: z.string().nullable() });
export type AuditList = z.infer<typeof AuditList>;

export const AuditQuery = z
  .object({
    actor_id: z.string().max(100).optional().describe('Only this actor’s entries: a key id (key_…), a staff id (stf_…) or cli'),
    action: z.string().max(100).optional().describe('Exact (rule.update), or a prefix ending in a dot (rule.)'),
    target_type: z.string().max(100).optional().describe('Only entries about this kind of thing: rule, member, key, reward…'),
    target_id: z.string().max(100).optional().describe('Only entries about this one (its id)'),
    program_id: z.string().max(100).optional().describe('Only this program’s entries (a workspace-wide caller)'),
    from: Instant.optional().describe('Entries at or after this instant'),
    to: Instant.optional().describe('Entries before this instant'),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    format: z.enum(['json', 'csv']).optional().describe('csv: every matching entry as CSV (also with Accept: text/csv)'),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

/** What a change records: the actor and time are the caller's, the rest is said by the route. */
export interface AuditRecord {
  workspaceId: string;
  programId: string | null;
  actor: { kind: ActorKind; id: string; label: string };
  action: string;
  target: { type: string; id: string | null };
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}
