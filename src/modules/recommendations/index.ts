export { createRecommendationsService, type RecommendationsService } from './recommendations.service.js';
export { createOffersService, type OffersService } from './offers.service.js';
export { recommendationsRoutes } from './recommendations.routes.js';
export { rankForMember, HALF_LIFE_DAYS } from './recommendations.score.js';
export * from './recommendations.contract.js';
