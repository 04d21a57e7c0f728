-- Referrals: each program's referral settings, each member's referral code, and who referred whom.

-- One row per program: the qualifying condition, the rewards per side, the cap and the ambassador threshold.
create table referral_settings (
  program_id  text not null,
  settings    jsonb not null,
  updated_at  timestamptz not null,
  primary key (program_id)
);

-- A member's code, made on first ask. qualified and rewarded count the member's referees that met the
-- condition and those the member was rewarded for: the cap is a conditional update of this row.
create table referral_codes (
  program_id  text not null,
  member_id   text not null,
  code        text not null,
  qualified   bigint not null default 0,
  rewarded    bigint not null default 0,
  created_at  timestamptz not null,
  primary key (program_id, member_id),
  unique (program_id, code)
);

-- Who referred whom: a member is referred at most once.
-- status: pending (linked, not yet qualified) | qualified (both sides rewarded) | capped (the referrer was
-- over the cap: only the referee rewarded) | lapsed (the referee's purchases can no longer qualify).
create table referrals (
  program_id    text not null,
  id            text not null,
  referrer_id   text not null,
  referee_id    text not null,
  code          text not null,
  status        text not null,
  linked_via    text not null,      -- enrolment | link
  linked_at     timestamptz not null,
  qualified_at  timestamptz,
  event_id      text,
  order_id      text,
  rewards       jsonb not null default '{}',
  primary key (program_id, id),
  unique (program_id, referee_id)
);
create index referrals_referrer on referrals (program_id, referrer_id, id);
