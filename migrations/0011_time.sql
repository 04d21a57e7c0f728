-- Time: points are dated when they happened, histories are ordered by it, and lifetime figures say what they are called.

-- Lifetime `earned` becomes gross (every point that reached the available balance) with `reversed` beside it: the
-- points reversals and debit adjustments took back, which until now were subtracted from `earned`. A posting of an
-- 'earned'-bucket transaction is either a credit (positive: earn, release, credit adjustment) or a take-back (negative).
alter table accounts add column reversed bigint not null default 0;

update accounts a
set reversed = s.reversed, earned = a.earned + s.reversed
from (
  select p.program_id, p.account_id, (-sum(p.amount))::bigint as reversed
  from postings p join transactions t on t.program_id = p.program_id and t.id = p.txn_id
  where t.bucket = 'earned' and p.amount < 0
  group by p.program_id, p.account_id
) s
where a.program_id = s.program_id and a.id = s.account_id and a.kind = 'available' and a.owner <> 'system';

-- A member's history is listed newest first by occurred_at, then id (the cursor is that pair), and tier
-- qualification reads a member's transactions by occurred_at: the member index carries the time. It replaces the
-- index by (member, id), which nothing orders by any more, so the hot path keeps the same number of indexes.
create index transactions_member_time on transactions (program_id, member_id, occurred_at, id);
drop index transactions_member;

-- The receiving side of a transfer (and of a transfer's reversal) is named in its metadata, not in member_id.
create index transactions_transfer_to on transactions (program_id, (metadata->>'to_member_id'), occurred_at, id)
  where metadata ? 'to_member_id';
