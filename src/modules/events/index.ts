export { createEventsService, type EventsService } from './events.service.js';
export { eventsRoutes } from './events.routes.js';
export { parseEvent, type EventInput, type EventResult } from './events.contract.js';
