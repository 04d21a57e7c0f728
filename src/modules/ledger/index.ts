// STUB
import type { App } from '../../platform/http.js';
export function createLedgerService(_deps: unknown) { return {}; }
export type LedgerService = ReturnType<typeof createLedgerService>;
export function ledgerRoutes(_app: App, _deps: unknown) {}
