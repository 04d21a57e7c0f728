import type { Role } from './staff.contract.js';

/**
 * What each role of staff may call: every /v1 route, as `METHOD url` with fastify's url (`:member_id`), maps to
 * the roles allowed. A route missing here is refused to every staff user (deny by default); a test walks the
 * OpenAPI document and fails on an operation without an entry. API keys are not concerned: their scopes decide.
 *
 * owner: everything. admin: everything (only changing owners is kept to owners, in the staff service).
 * marketer: reads, and writes earning and reward configuration. support: member care. analyst: reads, and CLV fits.
 */
const ALL: readonly Role[] = ['owner', 'admin', 'marketer', 'support', 'analyst'];
const ADMINS: readonly Role[] = ['owner', 'admin'];
const MARKETING: readonly Role[] = ['owner', 'admin', 'marketer'];
const SUPPORT: readonly Role[] = ['owner', 'admin', 'support'];
/** Reads every role may make (members, ledger, events, rewards: what support needs too). */
const READ = ALL;
/** Reads of configuration and analytics support has no use for. */
const READ_NOT_SUPPORT: readonly Role[] = ['owner', 'admin', 'marketer', 'analyst'];
const ANALYSIS: readonly Role[] = ['owner', 'admin', 'marketer', 'analyst'];
/** Writes only the API's server integrations make (purchases, transfers, coupons at the till): no staff role but admins. */
const INTEGRATION = ADMINS;

export const PERMISSIONS: Readonly<Record<string, readonly Role[]>> = {
  // Staff sessions: any signed-in staff user (the sign-in and setup routes need no session at all).
  'POST /v1/staff/session': ALL,
  'GET /v1/staff/session': ALL,
  'DELETE /v1/staff/session': ALL,
  'POST /v1/staff/session/revoke-all': ALL,
  'POST /v1/staff/setup': ALL,
  'PATCH /v1/staff/me': ALL,
  'GET /v1/staff': ADMINS,
  'POST /v1/staff': ADMINS,
  'GET /v1/staff/:staff_id': ADMINS,
  'PATCH /v1/staff/:staff_id': ADMINS,
  'POST /v1/staff/:staff_id/reset-password': ADMINS,
  'GET /v1/audit': ['owner', 'admin', 'analyst'],

  'GET /v1/programs': READ,
  'POST /v1/programs': ADMINS,
  'GET /v1/programs/:program_id': READ,
  'PATCH /v1/programs/:program_id': ADMINS,
  'POST /v1/keys': ADMINS,
  'GET /v1/keys': ADMINS,
  'DELETE /v1/keys/:key_id': ADMINS,

  'POST /v1/members': SUPPORT,
  'GET /v1/members': READ,
  'GET /v1/members/:member_id': READ,
  'PATCH /v1/members/:member_id': SUPPORT,
  'POST /v1/members/:member_id/erase': SUPPORT,
  'GET /v1/members/:member_id/balance': READ,
  'GET /v1/members/:member_id/balances': READ,
  'GET /v1/members/:member_id/transactions': READ,
  'GET /v1/transactions/:txn_id': READ,
  'POST /v1/members/:member_id/redemptions': SUPPORT,
  'POST /v1/members/:member_id/adjustments': SUPPORT,
  'POST /v1/transfers': INTEGRATION,
  'POST /v1/members/:member_id/holds': SUPPORT,
  'GET /v1/holds/:hold_id': READ,
  'POST /v1/holds/:hold_id/confirm': SUPPORT,
  'POST /v1/holds/:hold_id/cancel': SUPPORT,
  'POST /v1/transactions/:txn_id/reverse': SUPPORT,

  'POST /v1/events': INTEGRATION,
  'POST /v1/events/batch': INTEGRATION,
  'GET /v1/events': READ,
  'GET /v1/events/:event_id': READ,
  'GET /v1/event-refusals': READ,
  'GET /v1/orders/:order_id': READ,
  'GET /v1/members/:member_id/orders': READ,
  'POST /v1/orders/:order_id/fulfil': INTEGRATION,

  'GET /v1/referrals/settings': READ,
  'PUT /v1/referrals/settings': MARKETING,
  'GET /v1/members/:member_id/referral': READ,
  'POST /v1/referrals': INTEGRATION,
  'GET /v1/referrals': READ,
  'GET /v1/referrals/top': READ,
  'GET /v1/referrals/:referral_id': READ,

  'POST /v1/rules': MARKETING,
  'GET /v1/rules': READ_NOT_SUPPORT,
  'GET /v1/rules/:rule_id': READ_NOT_SUPPORT,
  'PATCH /v1/rules/:rule_id': MARKETING,
  'POST /v1/rules/:rule_id/activate': MARKETING,
  'POST /v1/rules/:rule_id/archive': MARKETING,
  'POST /v1/rules/preview': MARKETING,
  'POST /v1/journeys': MARKETING,
  'GET /v1/journeys': READ_NOT_SUPPORT,
  'GET /v1/journeys/:journey_id': READ_NOT_SUPPORT,
  'PATCH /v1/journeys/:journey_id': MARKETING,
  'POST /v1/journeys/:journey_id/status': MARKETING,
  'GET /v1/journeys/:journey_id/runs': READ_NOT_SUPPORT,

  'PUT /v1/tiers/scheme': MARKETING,
  'GET /v1/tiers/scheme': READ,
  'GET /v1/tiers/levels': READ,
  'GET /v1/tiers/summary': READ,
  'GET /v1/tiers/downgrades': READ,
  'POST /v1/tiers/levels': MARKETING,
  'GET /v1/tiers/levels/:level_id': READ,
  'PATCH /v1/tiers/levels/:level_id': MARKETING,
  'DELETE /v1/tiers/levels/:level_id': MARKETING,
  'GET /v1/members/:member_id/tier': READ,
  'POST /v1/members/:member_id/tier': SUPPORT,
  'GET /v1/members/:member_id/tier/history': READ,

  'POST /v1/rewards': MARKETING,
  'GET /v1/rewards': READ,
  'GET /v1/rewards/:reward_id': READ,
  'PATCH /v1/rewards/:reward_id': MARKETING,
  'POST /v1/rewards/:reward_id/codes': MARKETING,
  'POST /v1/members/:member_id/reward-redemptions': SUPPORT,
  'GET /v1/reward-redemptions': READ,
  'GET /v1/reward-redemptions/:redemption_id': READ,
  'POST /v1/reward-redemptions/:redemption_id/confirm': SUPPORT,
  'POST /v1/reward-redemptions/:redemption_id/cancel': SUPPORT,
  'POST /v1/coupons': MARKETING,
  'GET /v1/coupons/:code': READ,
  'POST /v1/coupons/validate': SUPPORT,
  'POST /v1/coupons/redeem': INTEGRATION,
  'POST /v1/coupons/release': INTEGRATION,
  'PUT /v1/stamp-cards/:currency': MARKETING,
  'GET /v1/stamp-cards/:currency': READ,
  'GET /v1/stamp-cards': READ,
  'GET /v1/stamp-cards/:currency/progress': READ,

  'GET /v1/analytics/kpis': READ,
  'GET /v1/analytics/structure': READ_NOT_SUPPORT,
  'GET /v1/analytics/points': READ_NOT_SUPPORT,
  'GET /v1/analytics/behaviour': READ_NOT_SUPPORT,
  'GET /v1/analytics/members/:member_id': READ,
  'GET /v1/analytics/rfm': READ_NOT_SUPPORT,
  'GET /v1/analytics/rfm/movement': READ_NOT_SUPPORT,
  'GET /v1/analytics/cohorts': READ_NOT_SUPPORT,
  'POST /v1/analytics/clv': ANALYSIS,
  'GET /v1/analytics/clv': READ_NOT_SUPPORT,
  'GET /v1/analytics/summary': READ_NOT_SUPPORT,
  'GET /v1/analytics/jobs': READ_NOT_SUPPORT,
  'GET /v1/analytics/jobs/:job_id': READ_NOT_SUPPORT,
  'POST /v1/analytics/segments': MARKETING,
  'GET /v1/analytics/segments': READ_NOT_SUPPORT,
  'POST /v1/analytics/segments/preview': MARKETING,
  'GET /v1/analytics/segments/:segment_id': READ_NOT_SUPPORT,
  'PATCH /v1/analytics/segments/:segment_id': MARKETING,
  'DELETE /v1/analytics/segments/:segment_id': MARKETING,
  'GET /v1/analytics/segments/:segment_id/members': READ_NOT_SUPPORT,
  'GET /v1/analytics/segments/:segment_id/members.csv': READ_NOT_SUPPORT,

  'GET /v1/members/:member_id/recommendations': READ,
  'GET /v1/members/:member_id/offers': READ,
  'GET /v1/recommendations/model': READ,
  'GET /v1/recommendations/items/:sku': READ,
  'POST /v1/recommendations/refresh': MARKETING,
  // Engagement: marketers write templates and channels; every role reads them and the outbox.
  'POST /v1/templates': MARKETING,
  'GET /v1/templates': READ,
  'GET /v1/templates/:template_id': READ,
  'PATCH /v1/templates/:template_id': MARKETING,
  'POST /v1/templates/:template_id/archive': MARKETING,
  'POST /v1/templates/:template_id/preview': MARKETING,
  'POST /v1/templates/:template_id/test-send': MARKETING,
  'GET /v1/messaging/settings': READ,
  'PUT /v1/messaging/settings': MARKETING,
  'GET /v1/channels/email': READ,
  'PUT /v1/channels/email': MARKETING,
  'DELETE /v1/channels/email': MARKETING,
  'GET /v1/outbox': READ,
  'GET /v1/outbox/:message_id': READ,

  // Imports enrol members and write events (and so the ledger) in bulk: kept to owners and admins.
  'POST /v1/imports': ADMINS,
  'GET /v1/imports': ADMINS,
  'GET /v1/imports/:import_id': ADMINS,
  'POST /v1/imports/:import_id/start': ADMINS,
  'GET /v1/imports/:import_id/rejects.csv': ADMINS,
};

/** The roles that may call `method url`; none for a route the table does not name. */
export const rolesFor = (method: string, url: string | undefined): readonly Role[] =>
  (url && PERMISSIONS[`${method === 'HEAD' ? 'GET' : method} ${url}`]) || [];

/** Every route a role may call (`METHOD url`), for the console to show only what the role can do. */
export const permissionsOf = (role: Role): string[] =>
  Object.entries(PERMISSIONS)
    .filter(([, roles]) => roles.includes(role))
    .map(([route]) => route);
