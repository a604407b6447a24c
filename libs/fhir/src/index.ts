export * from './outcomes';
export * from './resource-types';
export * from './search';
export * from './bundle';
export * from './capability';
export * from './validation';
export * from './canonical-json';
export * from './systems';
