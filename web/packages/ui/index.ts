export * from './Button';
export * from './Card';
export * from './Dialog';
export * from './Field';
export * from './Pager';
export * from './States';
