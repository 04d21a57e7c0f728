export { createAnalyticsService, type AnalyticsService } from './analytics.service.js';
export { createAnalyticsJobs, type AnalyticsJobs } from './analytics.jobs.js';
export { analyticsRoutes, sendCsv } from './analytics.routes.js';
export { rfmSegment, RFM_SEGMENTS, SEGMENT_NAMES } from './analytics.rfm.js';
export * from './analytics.contract.js';
export { createSegmentsService, type SegmentsService } from './segments.service.js';
export { segmentsRoutes } from './segments.routes.js';
export * from './segments.contract.js';
