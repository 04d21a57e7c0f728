export { createReferralsService, type ReferralsService } from './referrals.service.js';
export { referralsRoutes } from './referrals.routes.js';
export * from './referrals.contract.js';
