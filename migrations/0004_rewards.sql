-- Rewards: the catalog, coupon code pools, redemptions (reserve → confirm/cancel, or one step), coupons and
-- their uses at checkout, and stamp cards. Every table leads its keys with program_id.

create table rewards (
  program_id        text not null,
  id                text not null,
  name              text not null,
  description       text,
  kind              text not null,            -- discount_coupon | free_product | gift | experience | partner_voucher | charity_donation
  details           jsonb not null default '{}', -- discount {type, basis_points|amount}, sku, partner, cause
  points_cost       bigint not null check (points_cost >= 0),
  points_currency   text not null,
  stock             bigint check (stock >= 0),   -- units left; null: unlimited
  per_member_limit  integer,                     -- null: no limit
  tier_level_ids    text[] not null default '{}', -- empty: every member
  valid_from        timestamptz,
  valid_to          timestamptz,
  images            text[] not null default '{}',
  coupon            jsonb not null default '{}', -- for coupon kinds: valid_days, max_uses, min_order_amount
  metadata          jsonb not null default '{}',
  status            text not null,               -- active | inactive | archived
  created_at        timestamptz not null,
  updated_at        timestamptz not null,
  primary key (program_id, id)
);

-- How many of a reward a member holds now (reserved or confirmed): the per-member limit is a conditional
-- update of this row, so parallel redemptions cannot overshoot it.
create table reward_member_counts (
  program_id  text not null,
  reward_id   text not null,
  member_id   text not null,
  count       integer not null check (count >= 0),
  primary key (program_id, reward_id, member_id)
);

-- Uploaded coupon codes; a confirmation takes an unused one.
create table reward_codes (
  program_id     text not null,
  reward_id      text not null,
  code           text not null,
  status         text not null,   -- available | used
  redemption_id  text,
  created_at     timestamptz not null,
  used_at        timestamptz,
  primary key (program_id, reward_id, code)
);
create index reward_codes_code on reward_codes (program_id, code);
create index reward_codes_available on reward_codes (program_id, reward_id, created_at, code) where status = 'available';

create table reward_redemptions (
  program_id      text not null,
  id              text not null,
  reward_id       text not null,
  member_id       text not null,
  mode            text not null,   -- reserve | redeem | issued (by a rule) | stamp_card
  status          text not null,   -- reserved | confirmed | cancelled | expired
  points          bigint not null,
  currency        text not null,
  hold_id         text,
  txn_id          text,
  stock_reserved  boolean not null,
  coupon_id       text,
  fulfilment      jsonb,           -- for gifts, experiences, free products without a coupon, donations
  event_id        text,
  rule_id         text,
  rule_version    integer,
  expires_at      timestamptz,     -- a reservation's end
  created_at      timestamptz not null,
  updated_at      timestamptz not null,
  confirmed_at    timestamptz,
  primary key (program_id, id)
);
create index reward_redemptions_reserved on reward_redemptions (program_id, expires_at) where status = 'reserved';
create index reward_redemptions_member on reward_redemptions (program_id, member_id, id);

create table coupons (
  program_id        text not null,
  id                text not null,
  code              text not null,
  reward_id         text,
  redemption_id     text,
  member_id         text,            -- set: only this member may use it
  benefit           jsonb not null,  -- {type: percent, basis_points} | {type: amount, amount} | {type: free_product, sku} | {type: voucher, partner}
  max_uses          integer not null check (max_uses >= 1),
  uses              integer not null default 0,
  min_order_amount  bigint,
  valid_from        timestamptz,
  expires_at        timestamptz,
  status            text not null,   -- active | void
  created_at        timestamptz not null,
  updated_at        timestamptz not null,
  primary key (program_id, id),
  unique (program_id, code),
  check (uses >= 0 and uses <= max_uses)
);

-- One row per order a coupon was used on; a cancelled order's use is released and can be taken again.
create table coupon_uses (
  program_id    text not null,
  coupon_id     text not null,
  order_id      text not null,
  member_id     text,
  order_amount  bigint not null,
  discount      bigint not null,
  status        text not null,   -- redeemed | released
  redeemed_at   timestamptz not null,
  released_at   timestamptz,
  primary key (program_id, coupon_id, order_id)
);

create table stamp_cards (
  program_id  text not null,
  currency    text not null,
  goal        bigint not null check (goal >= 1),
  reward_id   text not null,
  status      text not null,   -- active | inactive
  created_at  timestamptz not null,
  updated_at  timestamptz not null,
  primary key (program_id, currency)
);
