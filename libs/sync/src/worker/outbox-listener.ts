import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { OUTBOX_CHANNEL } from '../outbox/outbox';

/** Something that tells the worker new outbox rows were committed, so it polls at once. */
export interface WakeSource {
  start(onWake: () => void): Promise<void>;
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * PostgreSQL LISTEN on `sync_outbox`: the hub's write transaction notifies the channel, and
 * PostgreSQL delivers at COMMIT, so a change is routed right away instead of at the next poll.
 * Best effort: polling stays, so a lost connection only costs latency; it reconnects with
 * backoff and wakes the worker once connected (for what was committed meanwhile).
 */
export class OutboxListener implements WakeSource {
  private readonly logger = new Logger('OutboxListener');
  private client?: Client;
  private onWake: () => void = () => {};
  private retry?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;

  /** `url`: the database URL (secret: never logged). */
  constructor(private readonly url: string) {}

  async start(onWake: () => void): Promise<void> {
    this.onWake = onWake;
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, application_name: 'passerelle-outbox-listener' });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      this.reconnectLater();
    };
    client.on('notification', () => this.onWake());
    client.on('error', onLost);
    client.on('end', onLost);
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (e) {
      this.logger.warn(
        `cannot listen for outbox rows (${e instanceof Error ? e.name : 'error'}); polling only`,
      );
      onLost();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    this.onWake();
  }

  private reconnectLater(): void {
    if (this.closed || this.retry) return;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures++);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, delay);
    this.retry.unref();
  }
}
