export { createJourneysService, inHoldout, type JourneysService, type JourneySender } from './journeys.service.js';
export { journeysRoutes } from './journeys.routes.js';
export * from './journeys.contract.js';
