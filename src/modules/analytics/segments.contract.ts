import { z } from 'zod';
import { AppError, type FieldError } from '../../platform/errors.js';
import { Conditions, ConditionsDoc, type Condition } from './segments.conditions.js';

/** Request and response bodies of the segments API; the condition tree itself is in segments.conditions.ts. */
export * from './segments.conditions.js';

const Name = z.string().trim().min(1).max(200);
const Description = z.string().max(2000).nullable().optional();

const createShape = <C extends z.ZodType>(conditions: C) => z.object({ name: Name, description: Description, conditions }).strict();
const updateShape = <C extends z.ZodType>(conditions: C) =>
  z
    .object({ name: Name.optional(), description: Description, conditions: conditions.optional() })
    .strict()
    .describe('Fields left out keep their value');
const previewShape = <C extends z.ZodType>(conditions: C) =>
  z
    .object({
      conditions,
      sample_size: z.number().int().min(0).max(100).default(10).describe('Members to return as a sample, by id'),
    })
    .strict();

export const SegmentCreate = createShape(Conditions);
export type SegmentCreate = z.output<typeof SegmentCreate>;
export const SegmentUpdate = updateShape(Conditions);
export type SegmentUpdate = z.output<typeof SegmentUpdate>;
export const PreviewBody = previewShape(Conditions);
export type PreviewBody = z.output<typeof PreviewBody>;

/**
 * Parses a body; every error names its field, and errors inside the tree carry `segments.invalid_condition`.
 * Throws before anything is written.
 */
export function parseSegmentBody<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AppError('invalid', 'validation.invalid_type', 'The body is a JSON object', { field: 'body' });
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const errors: FieldError[] = r.error.issues.map((i) => {
    const path = i.path.map(String);
    if (i.code === 'unrecognized_keys' && i.keys.length) path.push(i.keys[0]!);
    const field = path.length ? path.join('.') : 'body';
    return {
      field,
      code: path[0] === 'conditions' ? 'segments.invalid_condition' : `validation.${i.code}`,
      message: i.code === 'unrecognized_keys' ? `unknown field ${i.keys.join(', ')}` : i.message,
    };
  });
  const first = errors[0]!;
  throw new AppError('invalid', first.code, `Invalid segment: ${first.field}: ${first.message}`, { field: first.field, errors });
}

const Scores = z
  .object({
    computed_at: z.string().nullable().describe('When the scores were last computed; null: never'),
    as_of: z.string().nullable().describe('The end of the data they describe'),
  })
  .nullable()
  .describe('For segments that use scores (RFM, churn, CLV): how fresh they are; null when the segment uses none');

export const Segment = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  conditions: ConditionsDoc,
  fields: z.array(z.string()).describe('The member fields the conditions read, as columns of the member lists'),
  size: z.number().int().describe('Members in the segment now'),
  counted_at: z.string(),
  scores: Scores,
  created_at: z.string(),
  updated_at: z.string(),
});
/** A segment as the service answers it: the schema's shape with the tree typed. */
export type Segment = Omit<z.infer<typeof Segment>, 'conditions'> & { conditions: Condition };

export const SegmentParams = z.object({ segment_id: z.string().min(1).max(64) }).strict();

const Page = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
};
export const SegmentListQuery = z.object(Page).strict();
export const SegmentList = z.object({ data: z.array(Segment), next_cursor: z.string().nullable() });
export const MembersQuery = z.object({ ...Page, limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();
export type MembersQuery = z.infer<typeof MembersQuery>;

export const SegmentMember = z.object({
  id: z.string(),
  name: z.string().nullable().describe('First and last name'),
  values: z.record(z.string(), z.unknown()).describe('The member’s value of each field the segment uses (`fields`)'),
});
export type SegmentMember = z.infer<typeof SegmentMember>;

export const SegmentMembers = z.object({
  fields: z.array(z.string()),
  data: z.array(SegmentMember),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});
export type SegmentMembers = z.infer<typeof SegmentMembers>;

export const PreviewResponse = z.object({
  size: z.number().int(),
  counted_at: z.string(),
  fields: z.array(z.string()),
  sample: z.array(SegmentMember),
  scores: Scores,
});
export type PreviewResponse = z.infer<typeof PreviewResponse>;
