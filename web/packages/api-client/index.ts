export * from './client';
export * from './session';
export * from './programs';
export * from './members';
export * from './analytics';
export * from './keys';
export * from './imports';
