export { createTiersService, type TiersService, type TierMaintenanceReport } from './tiers.service.js';
export { tiersRoutes } from './tiers.routes.js';
export type { TierWindow } from './tiers.policy.js';
