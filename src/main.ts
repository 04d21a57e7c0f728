import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from './platform/config.js';
import { openDb, type Db } from './platform/db.js';
import { migrate } from './platform/migrate.js';
import { createLogger, type Logger } from './platform/logger.js';
import { systemClock, type Clock } from './platform/clock.js';
import { createIds, type Ids } from './platform/ids.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createHttp, type App } from './platform/http.js';
import { authLimits, DEFAULT_PROTECT, registerGuards, type ProtectOptions } from './platform/protect.js';
import { registerConsole } from './platform/web.js';
import { authHook, createProgramsService, programsRoutes } from './modules/programs/index.js';
import { createMembersService, membersRoutes } from './modules/members/index.js';
import { createLedgerService, ledgerRoutes } from './modules/ledger/index.js';
import { createEventsService, createIngestQueue, createRefusalsService, eventRefusalsRoutes, eventsRoutes, memberOrdersRoutes, type EventPublisher } from './modules/events/index.js';
import { createReferralsService, referralsRoutes } from './modules/referrals/index.js';
import { createJourneysService, journeysRoutes } from './modules/journeys/index.js';
import { createRulesService, rulesRoutes } from './modules/rules/index.js';
import { createTiersService, tiersRoutes } from './modules/tiers/index.js';
import { createRewardsService, rewardsRoutes } from './modules/rewards/index.js';
import cookie from '@fastify/cookie';
import { createStaffService, sessionAuth, staffRoutes } from './modules/staff/index.js';
import { auditRoutes, createAuditService } from './modules/audit/index.js';
import { createImportsService, createImportUploads, importsRoutes } from './modules/imports/index.js';
import { createMessagingService, messagingRoutes, unsubscribeRoutes } from './modules/messaging/index.js';
import { ephemeralSecrets, type Secrets } from './platform/secrets.js';
import { analyticsRoutes, createAnalyticsJobs, createAnalyticsService, createSegmentsService, segmentsRoutes } from './modules/analytics/index.js';
import { createOffersService, createRecommendationsService, recommendationsRoutes } from './modules/recommendations/index.js';

export const VERSION: string = (
  JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** Where `npm run build:web` writes the admin console. */
export const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist', 'admin');

export interface PatronDeps {
  db: Db;
  clock?: Clock;
  ids?: Ids;
  log?: Logger;
  /** The lease of analysis jobs (PATRON_JOB_LEASE_SECONDS); default 30 s. */
  jobLeaseMs?: number;
  /** Events the in-process ingest queue holds at most (PATRON_INGEST_QUEUE_LIMIT); default 10,000. */
  ingestQueueLimit?: number;
  /** Minutes a staff session lasts without a request (PATRON_STAFF_SESSION_IDLE_MINUTES or _HOURS); default 12 hours. */
  staffSessionIdleMinutes?: number;
  /** Seals stored secrets and signs unsubscribe links (secrets.ts: PATRON_SECRET_KEY or the key file); default a key of this process only. */
  secrets?: Secrets;
  /** The address people reach the server at, for links in messages (PATRON_PUBLIC_URL); default http://localhost:3000. */
  publicUrl?: string | (() => string);
  /** The SMTP server of programs without their own (PATRON_SMTP_URL) and its From (PATRON_SMTP_FROM); none: the outbox. */
  smtpUrl?: string;
  smtpFrom?: string;
}

/** The services, wired by hand: each takes only what it uses. */
export function createServices(deps: PatronDeps) {
  const db = deps.db;
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? createIds();
  const log = deps.log ?? createLogger('silent');
  const programs = createProgramsService({ db, clock, ids, log });
  const audit = createAuditService({ db, clock, ids });
  const members = createMembersService({ db, clock, ids });
  const ledger = createLedgerService({ db, clock, ids, programs, members, log });
  const events = createEventsService({ db, clock, ids, programs, members, ledger, log });
  const refusals = createRefusalsService({ db, clock, ids, members, programs, log });
  // Tiers are made before rewards (rewards ask them for a member's level): the lookup runs only once both exist.
  const tiers = createTiersService({ db, clock, ids, members, ledger, events, config: programs.config, log, unknownRewards: (q, pid, rids) => rewards.unknownRewards(q, pid, rids) });
  const rewards = createRewardsService({ db, clock, ids, programs, members, ledger, tierLookup: (q, program, memberId) => tiers.currentTier(q, program, memberId) });
  const rules = createRulesService({ db, clock, ids, programs, members, ledger, events, log, tierLookup: (q, program, memberId) => tiers.currentTier(q, program, memberId), issueReward: (tx, a) => rewards.issueReward(tx, a), unknownRewards: rewards.unknownRewards });
  events.setEarningEngine(rules.engine);
  events.setRuleNames(rules.names);
  events.addHook(tiers.onEvent);
  ledger.addAdjustmentHook(tiers.onAdjustment);
  events.addHook(rewards.onEvent);
  const referrals = createReferralsService({ db, clock, ids, members, ledger, events, config: programs.config });
  members.addEnrolHook(referrals.onEnrol);
  events.addHook(referrals.onEvent);
  // Journeys last: their hook reads what the other hooks made of the event (a tier change).
  const journeys = createJourneysService({ db, clock, ids, log, config: programs.config, programs, members, ledger, events, rules });
  events.addHook(journeys.onEvent);
  const ingestQueue = createIngestQueue({ db, events, log, limit: deps.ingestQueueLimit });
  const analytics = createAnalyticsService({ db, clock });
  const analyticsJobs = createAnalyticsJobs({ db, clock, ids, log, leaseMs: deps.jobLeaseMs });
  const segments = createSegmentsService({ db, clock, ids });
  const staff = createStaffService({ db, clock, ids, programs, audit, idleMinutes: deps.staffSessionIdleMinutes });
  const imports = createImportsService({ db, programs, members, events });
  const importUploads = createImportUploads({ db, clock, ids, log, programs, imports });
  const recommendations = createRecommendationsService({ db, clock, members, log });
  const offers = createOffersService({ db, clock, members, ledger, tierLookup: (q, program, memberId) => tiers.currentTier(q, program, memberId) });
  const secrets = deps.secrets ?? ephemeralSecrets();
  const linkBase = deps.publicUrl;
  const messaging = createMessagingService({
    db, clock, ids, log, secrets, config: programs.config, members, ledger, tiers, referrals,
    publicUrl: typeof linkBase === 'function' ? linkBase : () => linkBase ?? 'http://localhost:3000', smtpUrl: deps.smtpUrl, smtpFrom: deps.smtpFrom,
  });
  journeys.setSender(messaging);
  return { db, clock, ids, log, audit, programs, staff, members, ledger, events, refusals, ingestQueue, rules, tiers, rewards, referrals, analytics, analyticsJobs, segments, imports, importUploads, journeys, recommendations, offers, secrets, messaging };
}
export type Services = ReturnType<typeof createServices>;

export interface AppOptions {
  publisher?: EventPublisher;
  /** Security headers, CORS, load shedding and rate limits; each missing one as the defaults (protect.ts). */
  protect?: Partial<ProtectOptions>;
  trustProxy?: boolean | string;
  /** The built admin console served at /admin; default CONSOLE_DIR. */
  consoleDir?: string;
  /** The address people reach the server at, for the links it answers (PATRON_PUBLIC_URL). */
  publicUrl?: string;
}

/** The HTTP app over the services: every /v1 route needs an API key or a staff session (but signing in). */
export function createApp(services: Services, opts: AppOptions = {}): App {
  const protect: ProtectOptions = { ...DEFAULT_PROTECT, ...opts.protect };
  const app = createHttp(services.log, { version: VERSION, trustProxy: opts.trustProxy, guard: (root) => registerGuards(root, protect) });
  app.decorate('clock', services.clock);
  // A database that does not answer makes this a 503 db.unavailable (with Retry-After), as for every route.
  app.get('/health', { schema: { hide: true } }, async () => {
    await services.db.query('select 1');
    return { status: 'ok', version: VERSION, database: services.db.kind };
  });
  app.register(cookie);
  app.register(async (scope) => {
    const v1: App = scope.withTypeProvider<ZodTypeProvider>();
    const limits = authLimits(v1, protect);
    v1.addHook('onRequest', authHook(services.programs, limits, sessionAuth(services.staff)));
    staffRoutes(v1, { staff: services.staff, limits, emailFailures: protect.authFailuresPerMinute > 0 ? undefined : 0, publicUrl: opts.publicUrl });
    programsRoutes(v1, services);
    membersRoutes(v1, services);
    ledgerRoutes(v1, services);
    eventsRoutes(v1, { ...services, publisher: opts.publisher });
    eventRefusalsRoutes(v1, services);
    memberOrdersRoutes(v1, services);
    referralsRoutes(v1, services);
    journeysRoutes(v1, services);
    rulesRoutes(v1, services);
    tiersRoutes(v1, services);
    rewardsRoutes(v1, services);
    analyticsRoutes(v1, services);
    segmentsRoutes(v1, services);
    auditRoutes(v1, services);
    importsRoutes(v1, services);
    recommendationsRoutes(v1, services);
    messagingRoutes(v1, services);
  });
  unsubscribeRoutes(app, { secrets: services.secrets, unsubscribe: (u) => services.messaging.unsubscribe(u) });
  registerConsole(app, { dir: opts.consoleDir ?? CONSOLE_DIR });
  return app;
}

/** Opens the configured database: PostgreSQL at DATABASE_URL, else PGlite under `<dataDir>/pglite`. */
export function connectDatabase(config: Config = loadConfig()): Promise<Db> {
  return openDb({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite'), poolSize: config.poolSize });
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(config: Config = loadConfig()): Promise<Db> {
  const db = await connectDatabase(config);
  await migrate(db);
  return db;
}
