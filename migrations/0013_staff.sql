-- Staff users: the people who sign in to the console. They belong to a workspace; their role decides what the
-- API lets them do (src/modules/staff/staff.permissions.ts) and program_ids, when set, which programs they see.
-- Nothing secret is stored in plain text: the password as an scrypt hash with its salt and parameters, session
-- and setup tokens as their sha256.
create table staff_users (
  id text primary key,
  workspace_id text not null references workspaces (id),
  email text not null check (email = lower(email)),
  name text not null default '',
  role text not null check (role in ('owner', 'admin', 'marketer', 'support', 'analyst')),
  program_ids text[],
  locale text not null default 'en' check (locale in ('en', 'zh-Hans', 'zh-Hant', 'ru')),
  password_hash text,
  disabled boolean not null default false,
  created_at timestamptz not null,
  last_sign_in_at timestamptz,
  unique (workspace_id, email)
);
create index staff_users_email on staff_users (email);

create table staff_sessions (
  id text primary key,
  staff_id text not null references staff_users (id),
  token_hash text not null unique,
  csrf_hash text not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index staff_sessions_staff on staff_sessions (staff_id);

-- One-time links: the owner's first password, an invitation, a password reset.
create table staff_setup_tokens (
  token_hash text primary key,
  staff_id text not null references staff_users (id),
  purpose text not null check (purpose in ('owner', 'invite', 'reset')),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index staff_setup_tokens_staff on staff_setup_tokens (staff_id);
