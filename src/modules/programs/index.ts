export { createProgramsService, type ProgramsService, type Principal } from './programs.service.js';
export { programsRoutes } from './programs.routes.js';
export { authHook, principalOf, programContext, PROGRAM_HEADER, type RequestContext, type SessionAuth } from './programs.http.js';
export type { ConfigStore, ConfigSnapshot, ConfigPart } from './programs.config.js';
export * from './programs.contract.js';
