export { checkMemberRef, createMembersService, memberRefKey, type MembersService, type EnrolHook } from './members.service.js';
export { membersRoutes } from './members.routes.js';
export * from './members.contract.js';
