export { createEventsService, type EventsService, type EventContext, type EarningEngine, type EventHook, type BatchScope, type IngestOptions, type IngestOutcome } from './events.service.js';
export { eventsRoutes, type EventPublisher } from './events.routes.js';
export { memberOrdersRoutes } from './orders.routes.js';
export { parseEvent, type EventInput, type EventResult, type EventOutcome, type PurchaseEvent, type CustomEvent, type RefundEvent } from './events.contract.js';
export type { OrderLine } from './events.repo.js';
export { createIngestQueue, type IngestQueue } from './events.queue.js';
export { createRefusalsService, parsedSlot, REFUSAL_RETENTION_DAYS, type RefusalsService, type Refused } from './refusals.service.js';
export { eventRefusalsRoutes } from './refusals.routes.js';
