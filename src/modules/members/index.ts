export { createMembersService, type MembersService } from './members.service.js';
export { membersRoutes } from './members.routes.js';
export * from './members.contract.js';
