export { createAuditService, actorOf, redact, REDACTED, PERSONAL, type AuditService, type AuditDecl } from './audit.service.js';
export { auditRoutes } from './audit.routes.js';
export * from './audit.contract.js';
