export * from './dates';
export * from './extract';
export * from './parameters';
export * from './query';
export { normalizeString } from './normalize';
