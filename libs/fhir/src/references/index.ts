export * from './parse';
export * from './walk';
