export { createMessagingService, DEFAULT_MESSAGING, type MessagingService, type EnqueueInput } from './messaging.service.js';
export { messagingRoutes } from './messaging.routes.js';
export { unsubscribeRoutes } from './messaging.unsubscribe.js';
export type { DispatchReport } from './messaging.dispatch.js';
export * from './messaging.contract.js';
