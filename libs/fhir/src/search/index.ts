export * from './dates';
export * from './extract';
export * from './parameters';
export * from './query';
export * from './special';
export * from './modifiers';
export * from './fulltext';
export * from './matcher';
export { normalizeString } from './normalize';
