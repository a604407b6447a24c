export * from './databases';
export * from './hub';
export * from './checkpoint-key';
export * from './agencies';
export * from './consents';
export * from './processes';
export * from './minimal-resources';
export * from './audit';
