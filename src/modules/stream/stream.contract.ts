import { z } from 'zod';

/** A queued event as it sits in the stream: the program it belongs to and the event as the client sent it. */
export const Message = z.object({ program_id: z.string().min(1), event: z.unknown() });
export type Message = z.infer<typeof Message>;

/** A worker's refusal of an event, as `GET /v1/events/{id}` answers it: the problem details of the refusal. */
export const Refusal = z.object({
  status: z.literal('rejected'),
  error: z.looseObject({
    type: z.string(),
    title: z.string().optional(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    field: z.string().optional(),
  }),
});
export type Refusal = z.infer<typeof Refusal>;
