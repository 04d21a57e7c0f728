// STUB
import type { App } from '../../platform/http.js';
export function createEventsService(_deps: unknown) { return {}; }
export function eventsRoutes(_app: App, _deps: unknown) {}
