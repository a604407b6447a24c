import { BullMqDriver, type BullMqDriverOptions } from './bullmq.driver';
import { InProcessDriver } from './in-process.driver';
import type { QueueDriver, QueueDriverOptions } from './queue.types';

export interface CreateQueueDriverOptions extends QueueDriverOptions {
  /** REDIS_URL: BullMQ when set, the in-process driver when not. */
  redisUrl?: string;
  /** BullMQ's stalled-job recovery (a worker killed mid-job); ignored in process. */
  stalled?: BullMqDriverOptions['stalled'];
}

/** BullMQ on Redis when a URL is given (production), in process memory otherwise (embedded). */
export function createQueueDriver(options: CreateQueueDriverOptions): QueueDriver {
  const { redisUrl, stalled, ...rest } = options;
  return redisUrl ? new BullMqDriver({ ...rest, redisUrl, stalled }) : new InProcessDriver(rest);
}
