export * from './databases';
export * from './hub';
export * from './agencies';
