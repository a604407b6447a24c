export * from './queue.types';
export { PermanentJobError, InvalidJobError } from './errors';
export { backoffDelay, jobIdFor } from './job-ids';
export { InProcessDriver } from './in-process.driver';
export { BullMqDriver, type BullMqDriverOptions } from './bullmq.driver';
export { createQueueDriver, type CreateQueueDriverOptions } from './create-queue-driver';
