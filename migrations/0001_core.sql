-- Patron core schema: workspaces, programs, API keys, members, the double-entry ledger, events, orders.
-- Every table that holds program data carries program_id and leads its keys with it.

create table workspaces (
  id          text primary key,
  name        text not null,
  created_at  timestamptz not null default now()
);

create table programs (
  id                text primary key,
  workspace_id      text not null references workspaces (id),
  name              text not null,
  currency          text not null,           -- ISO 4217 code of the money the program's purchases are in
  point_currencies  text[] not null,         -- e.g. {points,status_credits,stamps}
  settings          jsonb not null,          -- earning rate, rounding, pending lock, expiry, negative balance, auto-enrol
  status            text not null default 'active',
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now()
);
create index programs_workspace on programs (workspace_id, id);

create table api_keys (
  id            text primary key,
  workspace_id  text not null references workspaces (id),
  program_id    text references programs (id),   -- null: the key works for every program of the workspace
  name          text not null,
  secret_hash   text not null,                    -- sha256 of the secret; the secret itself is shown once
  scopes        text[] not null,
  created_at    timestamptz not null default now(),
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
create index api_keys_workspace on api_keys (workspace_id, id);

create table members (
  program_id         text not null references programs (id),
  id                 text not null,
  first_name         text,
  last_name          text,
  birthdate          date,
  locale             text,
  time_zone          text,
  country            text,
  attributes         jsonb not null default '{}',
  tags               text[] not null default '{}',
  consent_email      boolean not null default false,
  consent_sms        boolean not null default false,
  consent_push       boolean not null default false,
  status             text not null default 'active',  -- active | suspended | erased
  enrolment_channel  text,
  enrolled_at        timestamptz not null,
  created_at         timestamptz not null,
  updated_at         timestamptz not null,
  primary key (program_id, id)
);
create index members_tags on members using gin (tags);
create index members_name on members (program_id, lower(last_name), lower(first_name));

-- email (lower-cased), phone (E.164), card (card number), external ("shopify:123"): each unique in a program.
create table member_identities (
  program_id  text not null,
  type        text not null,
  value       text not null,
  member_id   text not null,
  created_at  timestamptz not null,
  primary key (program_id, type, value),
  foreign key (program_id, member_id) references members (program_id, id)
);
create index member_identities_member on member_identities (program_id, member_id);

-- Ledger accounts. A member has an `available` and a `pending` account per point currency; a program has
-- system accounts (issuance, redemption, expiry, adjustment) per currency. Member balances are cached here in
-- the same transaction as their postings. System accounts are not cached: one row touched by every earn
-- would serialise all writers; their balance is the sum of their postings.
create table accounts (
  program_id  text not null,
  id          bigint generated always as identity,
  owner       text not null,          -- a member id, or 'system'
  kind        text not null,          -- available | pending | issuance | redemption | expiry | adjustment
  currency    text not null,
  balance     bigint not null default 0,
  held        bigint not null default 0,   -- reserved by active holds (available accounts only)
  earned      bigint not null default 0,   -- lifetime counters (available accounts only)
  spent       bigint not null default 0,
  expired     bigint not null default 0,
  created_at  timestamptz not null default now(),
  primary key (program_id, id),
  unique (program_id, owner, currency, kind)
);

create table transactions (
  program_id   text not null,
  id           text not null,
  type         text not null,   -- earn | release | redeem | adjustment | transfer | reversal | expiry
  bucket       text not null,   -- which lifetime counter it moves: earned | spent | expired | none
  member_id    text,
  currency     text not null,
  amount       bigint not null, -- points moved, always positive; postings carry the signs
  event_id     text,
  order_id     text,
  reverses_id  text,
  hold_id      text,
  reason       text,
  metadata     jsonb not null default '{}',
  occurred_at  timestamptz not null,
  created_at   timestamptz not null,
  primary key (program_id, id)
);
create index transactions_member on transactions (program_id, member_id, id);
create index transactions_order on transactions (program_id, order_id) where order_id is not null;
create index transactions_reverses on transactions (program_id, reverses_id) where reverses_id is not null;

create table postings (
  program_id  text not null,
  txn_id      text not null,
  account_id  bigint not null,
  amount      bigint not null,   -- signed; the postings of one transaction sum to zero
  primary key (program_id, txn_id, account_id)
);
create index postings_account on postings (program_id, account_id, txn_id);

-- Each credit to a member makes a lot; debits consume lots soonest-expiring first; expiry posts what is left.
create table lots (
  program_id    text not null,
  id            bigint generated always as identity,
  account_id    bigint not null,       -- the member's available account
  member_id     text not null,
  currency      text not null,
  txn_id        text not null,
  order_id      text,
  amount        bigint not null,
  remaining     bigint not null,
  pending       boolean not null default false,   -- still in the pending account
  available_at  timestamptz,                      -- when a pending lot is released
  expires_at    timestamptz,
  created_at    timestamptz not null,
  primary key (program_id, id),
  check (remaining >= 0 and remaining <= amount)
);
create index lots_open on lots (program_id, account_id, expires_at, id) where remaining > 0 and not pending;
create index lots_to_release on lots (program_id, available_at) where pending and remaining > 0;
create index lots_to_expire on lots (program_id, expires_at) where remaining > 0 and not pending and expires_at is not null;
create index lots_txn on lots (program_id, txn_id);

create table holds (
  program_id   text not null,
  id           text not null,
  member_id    text not null,
  account_id   bigint not null,
  currency     text not null,
  amount       bigint not null check (amount > 0),
  status       text not null,   -- active | confirmed | cancelled | expired
  reference    text,
  expires_at   timestamptz not null,
  txn_id       text,
  created_at   timestamptz not null,
  updated_at   timestamptz not null,
  primary key (program_id, id)
);
create index holds_active on holds (program_id, expires_at) where status = 'active';
create index holds_member on holds (program_id, member_id, id);
create index holds_active_account on holds (program_id, account_id, expires_at) where status = 'active';

-- The event log. The id is the sender's; a replay finds its row and returns the stored result.
create table events (
  program_id   text not null,
  id           text not null,
  type         text not null,
  member_id    text,
  order_id     text,
  body_hash    text not null,
  payload      jsonb not null,
  result       jsonb not null,
  occurred_at  timestamptz not null,
  received_at  timestamptz not null,
  primary key (program_id, id)
);
create index events_member on events (program_id, member_id, occurred_at);

create table orders (
  program_id       text not null,
  id               text not null,   -- the sender's order id
  member_id        text not null,
  event_id         text not null,
  currency         text not null,
  amount           bigint not null,             -- paid, in minor units
  refunded_amount  bigint not null default 0,
  lines            jsonb not null default '[]', -- [{sku, category, quantity, unit_price, amount, refunded_quantity}]
  occurred_at      timestamptz not null,
  created_at       timestamptz not null,
  primary key (program_id, id),
  check (refunded_amount >= 0 and refunded_amount <= amount)
);
create index orders_member on orders (program_id, member_id, occurred_at);

-- Responses to POSTs sent with an Idempotency-Key, kept so a retry gets the first answer.
create table idempotency_keys (
  scope         text not null,   -- program id (or workspace id for workspace-level calls)
  key           text not null,
  method        text not null,
  path          text not null,
  request_hash  text not null,
  status        integer not null,
  response      jsonb not null,
  created_at    timestamptz not null default now(),
  primary key (scope, key)
);
