export { createRewardsService, type RewardsService, type TierLookup, type IssueRewardInput } from './rewards.service.js';
export { rewardsRoutes } from './rewards.routes.js';
export { generateCode } from './rewards.coupons.js';
