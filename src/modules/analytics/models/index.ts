// Customer-base models: pure functions over per-member summaries, no database.
export { fitBgNbd, bgNbd, type BgNbdParams } from './bgnbd.js';
export { fitParetoNbd, paretoNbd, type ParetoNbdParams } from './paretonbd.js';
export { fitGammaGamma, gammaGamma, type GammaGammaParams } from './gammagamma.js';
export { clv, discountedPurchases, UNITS_PER_MONTH, type ClvMember, type ClvOptions, type PurchaseModel } from './clv.js';
export { ModelFitError, type Fit, type FitOptions, type ModelFitDetails, type ModelFitErrorCode } from './fit.js';
export type { RepeatSummary, SpendSummary } from './summary.js';
