import type { RouteObject } from 'react-router';

/**
 * The console's screens: where each lives, its place in the navigation, and the route its user must be allowed
 * to call (`METHOD /v1/...`, as the session's `permissions` name it) for the screen to be offered. The server
 * enforces every route itself; this only keeps the console from showing what a role cannot use.
 */
export interface Screen {
  path: string;
  lazy: RouteObject['lazy'];
  nav?: { key: string; icon: string; group: 'run' | 'program' | 'insight' | 'settings'; end?: boolean };
  needs?: string;
}

const screen = <K extends string>(load: () => Promise<Record<K, React.ComponentType>>, name: K): RouteObject['lazy'] =>
  (() => load().then((m) => ({ Component: m[name] }))) as RouteObject['lazy'];

export const SCREENS: Screen[] = [
  { path: '', lazy: screen(() => import('./routes/Dashboard'), 'Dashboard'), nav: { key: 'nav.dashboard', icon: '◧', group: 'run', end: true }, needs: 'GET /v1/analytics/kpis' },
  { path: 'members', lazy: screen(() => import('./routes/Members'), 'Members'), nav: { key: 'nav.members', icon: '☺', group: 'run' }, needs: 'GET /v1/members' },
  { path: 'members/:memberId', lazy: screen(() => import('./routes/MemberPage'), 'MemberPage'), needs: 'GET /v1/members/:member_id' },
  { path: 'events', lazy: screen(() => import('./routes/Events'), 'Events'), nav: { key: 'nav.events', icon: '↯', group: 'run' }, needs: 'GET /v1/events' },
  { path: 'events/:eventId', lazy: screen(() => import('./routes/EventPage'), 'EventPage'), needs: 'GET /v1/events/:event_id' },
  { path: 'templates', lazy: screen(() => import('./routes/Templates'), 'Templates'), nav: { key: 'nav.templates', icon: '✉', group: 'run' }, needs: 'GET /v1/templates' },
  { path: 'templates/new', lazy: screen(() => import('./routes/TemplatePage'), 'TemplatePage'), needs: 'POST /v1/templates' },
  { path: 'templates/:templateId', lazy: screen(() => import('./routes/TemplatePage'), 'TemplatePage'), needs: 'GET /v1/templates/:template_id' },
  { path: 'outbox', lazy: screen(() => import('./routes/Outbox'), 'Outbox'), nav: { key: 'nav.outbox', icon: '⇥', group: 'run' }, needs: 'GET /v1/outbox' },
  { path: 'outbox/:messageId', lazy: screen(() => import('./routes/OutboxMessage'), 'OutboxMessage'), needs: 'GET /v1/outbox/:message_id' },
  { path: 'rules', lazy: screen(() => import('./routes/Rules'), 'Rules'), nav: { key: 'nav.rules', icon: '✎', group: 'program' }, needs: 'GET /v1/rules' },
  { path: 'rules/new', lazy: screen(() => import('./routes/RulePage'), 'RulePage'), needs: 'POST /v1/rules' },
  { path: 'rules/:ruleId', lazy: screen(() => import('./routes/RulePage'), 'RulePage'), needs: 'GET /v1/rules/:rule_id' },
  { path: 'tiers', lazy: screen(() => import('./routes/Tiers'), 'Tiers'), nav: { key: 'nav.tiers', icon: '▲', group: 'program' }, needs: 'GET /v1/tiers/scheme' },
  { path: 'rewards', lazy: screen(() => import('./routes/Rewards'), 'Rewards'), nav: { key: 'nav.rewards', icon: '★', group: 'program' }, needs: 'GET /v1/rewards' },
  { path: 'rewards/new', lazy: screen(() => import('./routes/RewardPage'), 'RewardPage'), needs: 'POST /v1/rewards' },
  { path: 'rewards/redemptions', lazy: screen(() => import('./routes/Redemptions'), 'Redemptions'), needs: 'GET /v1/reward-redemptions' },
  { path: 'rewards/coupons', lazy: screen(() => import('./routes/Coupons'), 'Coupons'), needs: 'GET /v1/coupons/:code' },
  { path: 'rewards/:rewardId', lazy: screen(() => import('./routes/RewardPage'), 'RewardPage'), needs: 'GET /v1/rewards/:reward_id' },
  { path: 'stamps-referrals', lazy: screen(() => import('./routes/Loyalty'), 'Loyalty'), nav: { key: 'nav.loyalty', icon: '✚', group: 'program' }, needs: 'GET /v1/referrals/settings' },
  { path: 'segments', lazy: screen(() => import('./routes/Segments'), 'Segments'), nav: { key: 'nav.segments', icon: '◎', group: 'insight' }, needs: 'GET /v1/analytics/segments' },
  { path: 'segments/new', lazy: screen(() => import('./routes/SegmentEdit'), 'SegmentNew'), needs: 'POST /v1/analytics/segments' },
  { path: 'segments/:segmentId', lazy: screen(() => import('./routes/SegmentPage'), 'SegmentPage'), needs: 'GET /v1/analytics/segments/:segment_id' },
  { path: 'segments/:segmentId/edit', lazy: screen(() => import('./routes/SegmentEdit'), 'SegmentEdit'), needs: 'PATCH /v1/analytics/segments/:segment_id' },
  { path: 'analytics', lazy: screen(() => import('./routes/Analytics'), 'Analytics'), nav: { key: 'nav.analytics', icon: '▤', group: 'insight' }, needs: 'GET /v1/analytics/rfm' },
  { path: 'imports', lazy: screen(() => import('./routes/Imports'), 'Imports'), nav: { key: 'nav.imports', icon: '⇪', group: 'insight' }, needs: 'GET /v1/imports' },
  { path: 'settings', lazy: screen(() => import('./routes/Settings'), 'Settings'), nav: { key: 'nav.settings', icon: '⚙', group: 'settings', end: true }, needs: 'GET /v1/programs/:program_id' },
  { path: 'settings/keys', lazy: screen(() => import('./routes/ApiKeys'), 'ApiKeys'), nav: { key: 'nav.apiKeys', icon: '⚷', group: 'settings' }, needs: 'GET /v1/keys' },
  { path: 'settings/staff', lazy: screen(() => import('./routes/Staff'), 'Staff'), nav: { key: 'nav.staff', icon: '☷', group: 'settings' }, needs: 'GET /v1/staff' },
  { path: 'settings/audit', lazy: screen(() => import('./routes/Audit'), 'Audit'), nav: { key: 'nav.audit', icon: '☰', group: 'settings' }, needs: 'GET /v1/audit' },
];
