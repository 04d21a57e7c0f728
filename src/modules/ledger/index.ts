export { createLedgerService, type LedgerService } from './ledger.ops.js';
export { ledgerRoutes } from './ledger.routes.js';
export { assertCurrency, isBatchOverflow, type Tx, type LedgerCore } from './ledger.service.js';
export { basePoints, allocate, mulDiv, expiryFor, MAX_POINTS } from './ledger.policy.js';
export type { VerifyReport, VerifyCheck } from './ledger.verify.js';
export type { MaintenanceReport } from './ledger.maintenance.js';
export type { TxnRow, LotRow } from './ledger.repo.js';
