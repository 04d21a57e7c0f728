import { z } from 'zod';

/** The imports API: a file uploaded, then started with a mapping, run in the background, its rejects kept. */

export const ImportKindSchema = z.enum(['events', 'members']);
export const ImportStatus = z.enum(['uploaded', 'queued', 'running', 'completed', 'failed']);

export const UploadQuery = z
  .object({
    name: z.string().min(1).max(255).describe('The file’s name (its extension tells the format when the content type does not)'),
    kind: ImportKindSchema.default('events').describe('What the file holds: events (purchases, refunds…) or members'),
  })
  .strict();

export const ImportParams = z.object({ import_id: z.string().min(1).max(100) }).strict();

export const ImportListQuery = z
  .object({
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();

const Field = z.object({ name: z.string(), required: z.boolean() });

export const Suggestion = z.object({
  preset: z.string().nullable().describe('The preset whose columns the file has (e.g. online-retail), or null'),
  mapping: z.record(z.string(), z.string()).describe('Patron field → column'),
});

export const ImportCounts = z.object({
  read: z.number().int(),
  imported: z.number().int(),
  duplicates: z.number().int(),
  skipped: z.number().int(),
  rejected: z.number().int(),
});

export const ImportProgressOut = z.object({
  rows: z.number().int().describe('Records read so far'),
  total_rows: z.number().int().nullable().describe('Records the file holds (null when not known up front)'),
  bytes: z.number().int(),
  size: z.number().int(),
  percent: z.number().describe('0 to 100'),
});

export const ImportOut = z.object({
  id: z.string().describe('imp_…'),
  kind: ImportKindSchema,
  name: z.string(),
  format: z.enum(['csv', 'jsonl']),
  gzip: z.boolean(),
  size: z.number().int(),
  status: ImportStatus,
  columns: z.array(z.string()).describe('The CSV header, or the keys of the first JSON lines'),
  sample: z.array(z.record(z.string(), z.unknown())).describe('The first rows of the file'),
  total_rows: z.number().int().nullable(),
  suggested: z.object({ events: Suggestion, members: Suggestion }).describe('A mapping for each kind, from a preset or by column name'),
  fields: z.object({ events: z.array(Field), members: z.array(Field) }).describe('The fields a mapping may name; prefixes (properties., attributes., external_ids.) take any key'),
  mapping: z.record(z.string(), z.string()).nullable(),
  options: z.record(z.string(), z.unknown()).nullable(),
  progress: ImportProgressOut,
  counts: ImportCounts,
  rejected_by_code: z.record(z.string(), z.number()),
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type ImportOut = z.infer<typeof ImportOut>;

export const ImportListItem = ImportOut.omit({ sample: true, suggested: true, fields: true });
export const ImportList = z.object({ data: z.array(ImportListItem), next_cursor: z.string().nullable() });

export const StartBody = z
  .object({
    kind: ImportKindSchema.optional().describe('Change what the file is read as (default: as uploaded)'),
    mapping: z.record(z.string().max(200), z.string().max(500)).describe('Patron field → column, the names the CLI’s --map takes'),
    preset: z.string().max(50).nullable().optional().describe('A preset’s options (identity, time zone, returns) to go with the mapping'),
    rules: z.boolean().default(true).describe('Events only; false: record history without earning (the CLI’s --no-rules)'),
    identity: z.string().max(100).optional().describe('How member= values name members: email, phone, card_number, id or external:<channel>'),
    time_zone: z.string().max(100).optional().describe('Time zone of dates written without an offset (default: the preset’s, else UTC)'),
  })
  .strict();
export type StartBody = z.infer<typeof StartBody>;
