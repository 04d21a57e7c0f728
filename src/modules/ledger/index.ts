// STUB: the ledger module is being written; these signatures are what it will export.
import type { App } from '../../platform/http.js';

export interface VerifyCheck {
  name: string;
  description: string;
  ok: boolean;
  violations: number;
  /** Up to 10 offending rows, for the operator to look at. */
  examples: unknown[];
}
export interface VerifyReport {
  ok: boolean;
  programs: number;
  checks: VerifyCheck[];
}
export interface MaintenanceReport {
  released_lots: number;
  released_points: number;
  expired_lots: number;
  expired_points: number;
  expired_holds: number;
}

export function createLedgerService(_deps: unknown) {
  return {
    /** Checks every ledger invariant, for one program or all. */
    async verify(_opts: { programId?: string } = {}): Promise<VerifyReport> {
      return { ok: true, programs: 0, checks: [] };
    },
    /** Releases matured pending points, expires lots past their date, expires stale holds. */
    async runMaintenance(_opts: { programId?: string; now?: Date } = {}): Promise<MaintenanceReport> {
      return { released_lots: 0, released_points: 0, expired_lots: 0, expired_points: 0, expired_holds: 0 };
    },
  };
}
export type LedgerService = ReturnType<typeof createLedgerService>;
export function ledgerRoutes(_app: App, _deps: unknown) {}
