export * from './databases';
export * from './hub';
