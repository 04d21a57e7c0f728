import type { Db } from '../../platform/db.js';
import { MAX_POINTS } from './ledger.policy.js';

export interface VerifyCheck {
  name: string;
  description: string;
  ok: boolean;
  violations: number;
  /** Up to 10 offending rows, for the operator to look at. */
  examples: unknown[];
}

export interface VerifyReport {
  ok: boolean;
  programs: number;
  checks: VerifyCheck[];
}

/**
 * Every invariant of the ledger, each a query returning the rows that break it. `$1` is a program id or null
 * for all programs. Sums stay `numeric`: a total past int8 is reported by `amounts_in_range`, never an abort. These are the definitions: if a check and the code disagree, the code is wrong.
 */
const CHECKS: { name: string; description: string; sql: string }[] = [
  {
    name: 'amounts_in_range',
    description: 'no account (member or system) holds or has counted more than ±(2^53 − 1) points, the most JSON carries exactly',
    sql: `select a.program_id, a.id, a.owner, a.kind, a.currency, s.total::text as total, null::text as counter
          from accounts a
          join (select program_id, account_id, sum(amount) as total from postings
                where ($1::text is null or program_id = $1) group by program_id, account_id) s
            on s.program_id = a.program_id and s.account_id = a.id
          where abs(s.total) > ${MAX_POINTS}
          union all
          select a.program_id, a.id, a.owner, a.kind, a.currency, a.balance::text,
                 greatest(abs(a.held), abs(a.earned), abs(a.reversed), abs(a.spent), abs(a.expired))::text
          from accounts a
          where ($1::text is null or a.program_id = $1)
            and greatest(abs(a.held), abs(a.earned), abs(a.reversed), abs(a.spent), abs(a.expired)) > ${MAX_POINTS}`,
  },
  {
    name: 'transactions_balance',
    description: 'the postings of every transaction sum to zero',
    sql: `select program_id, txn_id, sum(amount) as total from postings
          where ($1::text is null or program_id = $1) group by program_id, txn_id having sum(amount) <> 0`,
  },
  {
    name: 'postings_match_transaction',
    description: 'every posting is on an account of its transaction’s program and currency, and the credits equal the amount',
    sql: `select t.program_id, t.id, t.amount, coalesce(sum(p.amount) filter (where p.amount > 0), 0) as credited,
                 count(*) filter (where a.id is null or a.currency <> t.currency) as foreign_postings
          from transactions t
          left join postings p on p.program_id = t.program_id and p.txn_id = t.id
          left join accounts a on a.program_id = p.program_id and a.id = p.account_id
          where ($1::text is null or t.program_id = $1)
          group by t.program_id, t.id, t.amount
          having count(*) filter (where p.txn_id is not null and (a.id is null or a.currency <> t.currency)) > 0
              or coalesce(sum(p.amount) filter (where p.amount > 0), 0) <> t.amount`,
  },
  {
    name: 'balances_match_postings',
    description: 'every cached member balance equals the sum of its postings',
    sql: `select a.program_id, a.id, a.owner, a.kind, a.currency, a.balance, coalesce(s.total, 0) as postings
          from accounts a
          left join (select program_id, account_id, sum(amount) as total from postings
                     where ($1::text is null or program_id = $1) group by program_id, account_id) s
            on s.program_id = a.program_id and s.account_id = a.id
          where a.owner <> 'system' and ($1::text is null or a.program_id = $1) and a.balance <> coalesce(s.total, 0)`,
  },
  {
    name: 'lifetime_counters',
    description:
      'lifetime earned and reversed equal the credits and take-backs of earning transactions; spent and expired the postings of spending and expiring ones',
    sql: `select a.program_id, a.id, a.owner, a.currency, a.earned, a.reversed, a.spent, a.expired,
                 s.earned as p_earned, s.reversed as p_reversed, s.spent as p_spent, s.expired as p_expired
          from accounts a
          left join (
            select p.program_id, p.account_id,
                   coalesce(sum(p.amount) filter (where t.bucket = 'earned' and p.amount > 0), 0) as earned,
                   coalesce(-sum(p.amount) filter (where t.bucket = 'earned' and p.amount < 0), 0) as reversed,
                   coalesce(-sum(p.amount) filter (where t.bucket = 'spent'), 0) as spent,
                   coalesce(-sum(p.amount) filter (where t.bucket = 'expired'), 0) as expired
            from postings p join transactions t on t.program_id = p.program_id and t.id = p.txn_id
            where ($1::text is null or p.program_id = $1)
            group by p.program_id, p.account_id) s on s.program_id = a.program_id and s.account_id = a.id
          where a.owner <> 'system' and a.kind = 'available' and ($1::text is null or a.program_id = $1)
            and (a.earned <> coalesce(s.earned, 0) or a.reversed <> coalesce(s.reversed, 0) or a.spent <> coalesce(s.spent, 0)
                 or a.expired <> coalesce(s.expired, 0))`,
  },
  {
    name: 'lots_match_available',
    description: 'the open lots of an account hold exactly its positive balance',
    sql: `select a.program_id, a.id, a.owner, a.currency, a.balance, coalesce(l.total, 0) as lots
          from accounts a
          left join (select program_id, account_id, sum(remaining) as total from lots
                     where not pending and ($1::text is null or program_id = $1) group by program_id, account_id) l
            on l.program_id = a.program_id and l.account_id = a.id
          where a.kind = 'available' and ($1::text is null or a.program_id = $1)
            and greatest(a.balance, 0) <> coalesce(l.total, 0)`,
  },
  {
    name: 'lots_match_pending',
    description: 'a pending balance equals its pending lots and is never negative',
    sql: `select a.program_id, a.id, a.owner, a.currency, a.balance, coalesce(l.total, 0) as lots
          from accounts a
          left join (select l.program_id, av.owner, l.currency, sum(l.remaining) as total
                     from lots l join accounts av on av.program_id = l.program_id and av.id = l.account_id
                     where l.pending and ($1::text is null or l.program_id = $1) group by l.program_id, av.owner, l.currency) l
            on l.program_id = a.program_id and l.owner = a.owner and l.currency = a.currency
          where a.kind = 'pending' and ($1::text is null or a.program_id = $1)
            and (a.balance < 0 or a.balance <> coalesce(l.total, 0))`,
  },
  {
    name: 'lots_valid',
    description: 'every lot keeps 0 ≤ remaining ≤ amount and belongs to its member’s account',
    sql: `select l.program_id, l.id, l.amount, l.remaining from lots l
          left join accounts a on a.program_id = l.program_id and a.id = l.account_id
          where ($1::text is null or l.program_id = $1)
            and (l.remaining < 0 or l.remaining > l.amount or a.owner is distinct from l.member_id or a.kind <> 'available')`,
  },
  {
    name: 'holds_match_held',
    description: 'the points an account holds equal its active holds, and confirmed holds name their transaction',
    sql: `select a.program_id, a.id, a.owner, a.held, coalesce(h.total, 0) as active_holds
          from accounts a
          left join (select program_id, account_id, sum(amount) as total from holds
                     where status = 'active' and ($1::text is null or program_id = $1) group by program_id, account_id) h
            on h.program_id = a.program_id and h.account_id = a.id
          where ($1::text is null or a.program_id = $1) and (a.held <> coalesce(h.total, 0) or a.held < 0)
          union all
          select program_id, null, id, amount, null from holds
          where ($1::text is null or program_id = $1) and status = 'confirmed' and txn_id is null`,
  },
  {
    name: 'no_forbidden_negative',
    description: 'no balance is negative in a program whose policy forbids it',
    sql: `select a.program_id, a.id, a.owner, a.currency, a.balance from accounts a
          join programs p on p.id = a.program_id
          where a.owner <> 'system' and a.balance < 0 and p.settings->>'negative_balance' = 'forbid'
            and ($1::text is null or a.program_id = $1)`,
  },
  {
    name: 'reversals_bounded',
    description: 'no transaction is reversed by more than it moved',
    sql: `select r.program_id, r.reverses_id, o.amount, sum(coalesce((r.metadata->>'due')::numeric, r.amount)) as reversed
          from transactions r join transactions o on o.program_id = r.program_id and o.id = r.reverses_id
          where ($1::text is null or r.program_id = $1)
          group by r.program_id, r.reverses_id, o.amount
          having sum(coalesce((r.metadata->>'due')::numeric, r.amount)) > o.amount`,
  },
  {
    name: 'orders_refunds_bounded',
    description: 'no order is refunded beyond what was paid or reversed beyond what it earned',
    sql: `select o.program_id, o.id, o.amount, o.refunded_amount from orders o
          where ($1::text is null or o.program_id = $1) and (o.refunded_amount < 0 or o.refunded_amount > o.amount)
          union all
          select e.program_id, e.order_id, e.earned, r.reversed from
            (select program_id, order_id, currency, sum(amount) as earned from transactions
             where type = 'earn' and order_id is not null and ($1::text is null or program_id = $1)
             group by program_id, order_id, currency) e
          join (select t.program_id, t.order_id, t.currency, sum(coalesce((t.metadata->>'due')::numeric, t.amount)) as reversed
                from transactions t join transactions o2 on o2.program_id = t.program_id and o2.id = t.reverses_id and o2.type = 'earn'
                where t.type = 'reversal' and t.order_id is not null and ($1::text is null or t.program_id = $1)
                group by t.program_id, t.order_id, t.currency) r
            on r.program_id = e.program_id and r.order_id = e.order_id and r.currency = e.currency
          where r.reversed > e.earned`,
  },
];

export async function verifyLedger(db: Db, programId?: string): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  for (const c of CHECKS) {
    const rows = await db.query(`select * from (${c.sql}) v limit 1000`, [programId ?? null]);
    checks.push({ name: c.name, description: c.description, ok: rows.length === 0, violations: rows.length, examples: rows.slice(0, 10) });
  }
  const [{ n } = { n: 0 }] = await db.query<{ n: number }>(
    `select count(*)::int as n from programs where ($1::text is null or id = $1)`,
    [programId ?? null],
  );
  return { ok: checks.every((c) => c.ok), programs: n, checks };
}
