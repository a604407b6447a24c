export * from './lib';
export * from './hub';
export * from './agencies';
export * from './processes';
export * from './audit';
