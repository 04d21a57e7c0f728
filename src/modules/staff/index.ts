export { createStaffService, setupUrl, type StaffService, type StaffSession } from './staff.service.js';
export { staffRoutes } from './staff.routes.js';
export { sessionAuth, SESSION_COOKIE, CSRF_HEADER } from './staff.http.js';
export { PERMISSIONS, rolesFor } from './staff.permissions.js';
export * from './staff.contract.js';
