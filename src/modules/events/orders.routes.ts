import { z } from 'zod';
import type { App } from '../../platform/http.js';
import type { Db } from '../../platform/db.js';
import { invalid, notFound } from '../../platform/errors.js';
import { programContext, type ProgramsService } from '../programs/index.js';
import { OrderView } from './events.contract.js';
import type { OrderRow } from './events.repo.js';

// A member's orders, newest first, each with what it earned and what its refunds reversed: the member 360's
// "orders and refunds". One statement per page (the points come from the order's earn transactions).

const MemberParams = z.object({ member_id: z.string().min(1).max(100) }).strict();
const OrdersQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(20),
    cursor: z.string().max(400).optional(),
  })
  .strict();
const OrderPage = z.object({ data: z.array(OrderView), next_cursor: z.string().nullable() });

const encode = (at: Date, id: string) => Buffer.from(JSON.stringify([at.toISOString(), id]), 'utf8').toString('base64url');

function decode(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') {
      const at = new Date(v[0]);
      if (!Number.isNaN(at.getTime()) && at.toISOString() === v[0]) return { at, id: v[1] };
    }
  } catch {
    // falls through to the refusal
  }
  throw invalid('pagination.invalid_cursor', 'The cursor is not one this API gave out', 'cursor');
}

type Row = OrderRow & { points: Record<string, { earned: number; reversed: number }> | null };

export function memberOrdersRoutes(app: App, { db, programs }: { db: Db; programs: ProgramsService }) {
  app.get('/v1/members/:member_id/orders', {
    schema: {
      tags: ['orders'],
      summary: 'A member’s orders, newest first: what was paid and refunded, what each earned and what was reversed',
      params: MemberParams,
      querystring: OrdersQuery,
      response: { 200: OrderPage },
    },
    handler: async (req) => {
      const { program } = await programContext(programs, req, 'read');
      const after = decode(req.query.cursor);
      const member = await db.query<{ id: string }>(`select id from members where program_id = $1 and id = $2`, [program.id, req.params.member_id]);
      if (member.length === 0) throw notFound('member.not_found', `No member ${req.params.member_id}`, 'member_id');
      const limit = req.query.limit;
      const rows = await db.query<Row>(
        `select o.*, p.points
         from orders o
         left join lateral (
           select jsonb_object_agg(x.currency, jsonb_build_object('earned', x.earned, 'reversed', x.reversed)) as points
           from (
             select t.currency, sum(t.amount)::bigint as earned,
                    coalesce(sum((select sum(coalesce((r.metadata->>'due')::bigint, r.amount)) from transactions r
                                  where r.program_id = t.program_id and r.reverses_id = t.id)), 0)::bigint as reversed
             from transactions t
             where t.program_id = o.program_id and t.order_id = o.id and t.type = 'earn'
             group by t.currency
           ) x
         ) p on true
         where o.program_id = $1 and o.member_id = $2
           and ($3::timestamptz is null or (o.occurred_at, o.id) < ($3::timestamptz, $4::text))
         order by o.occurred_at desc, o.id desc
         limit $5`,
        [program.id, req.params.member_id, after?.at ?? null, after?.id ?? null, limit + 1],
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map((o) => ({
          id: o.id,
          member_id: o.member_id,
          event_id: o.event_id,
          currency: o.currency,
          amount: Number(o.amount),
          refunded_amount: Number(o.refunded_amount),
          lines: o.lines,
          channel: o.channel,
          store_id: o.store_id,
          points: Object.fromEntries(Object.entries(o.points ?? {}).map(([c, p]) => [c, { earned: Number(p.earned), reversed: Number(p.reversed) }])),
          occurred_at: new Date(o.occurred_at).toISOString(),
          created_at: new Date(o.created_at).toISOString(),
        })),
        next_cursor: rows.length > limit && last ? encode(new Date(last.occurred_at), last.id) : null,
      };
    },
  });
}
