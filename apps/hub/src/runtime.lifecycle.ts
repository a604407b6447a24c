import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { MailroomWorker } from '@passerelle/mailroom';
import { QUEUE_DRIVER, type QueueDriver, SyncWorker } from '@passerelle/sync';

/**
 * Starts the routing and mailroom workers after the app is up when they run in the hub's process
 * (SYNC_WORKER=in-process, the embedded default); at shutdown stops their polling, then closes the
 * queue, before the database closes.
 */
@Injectable()
export class RuntimeLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
    @Optional() private readonly sync?: SyncWorker,
    @Optional() private readonly mailroom?: MailroomWorker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sync?.start();
    await this.mailroom?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sync?.stop();
    await this.mailroom?.stop();
    await this.queue.close();
  }
}
