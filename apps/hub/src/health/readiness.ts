import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { AuditWriter } from '@passerelle/audit';
import { HUB_CONFIG, type HubConfig } from '@passerelle/config';
import { migrationState } from '@passerelle/store';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';

/** Each check answers within this, or counts as down. */
const CHECK_TIMEOUT_MS = 3_000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * What the hub needs to serve requests, each as one terminus indicator. A check that fails says
 * what failed in words of ours, never a driver's message (the endpoint is unauthenticated); the
 * cause is logged, once per kind until the check passes again.
 */
@Injectable()
export class Readiness implements OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private readonly redis: Redis | undefined;
  private readonly failing = new Set<string>();
  /** A record waiting longer than this for its audit flush means the writer is stalled. */
  private readonly auditStallMs: number;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly writer: AuditWriter,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.auditStallMs = config.auditStallMs;
    // A connection of its own that fails fast: a readiness probe must not queue behind a retry.
    this.redis = config.redisUrl
      ? new Redis(config.redisUrl, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: CHECK_TIMEOUT_MS,
        })
      : undefined;
    this.redis?.on('error', () => undefined); // reported by the check, not by an unhandled event
    this.redis?.connect().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }

  private down<K extends string>(key: K, message: string, cause?: unknown): HealthIndicatorResult<K> {
    if (!this.failing.has(key)) {
      this.failing.add(key);
      const detail = cause instanceof Error ? `: ${cause.name}: ${cause.message}` : '';
      this.logger.warn(`not ready: ${key} ${message}${detail}`);
    }
    return this.health.check(key).down({ message });
  }

  private up<K extends string>(
    key: K,
    data: { configured?: boolean; queued?: number } = {},
  ): HealthIndicatorResult<K> {
    if (this.failing.delete(key)) this.logger.log(`ready again: ${key}`);
    return this.health.check(key).up(data);
  }

  async database(): Promise<HealthIndicatorResult<'database'>> {
    try {
      await within(this.dataSource.query('SELECT 1'), 'database');
      return this.up('database');
    } catch (e) {
      return this.down('database', 'unreachable', e);
    }
  }

  async migrations(): Promise<HealthIndicatorResult<'migrations'>> {
    try {
      const { pending, newer } = await within(migrationState(this.dataSource), 'migrations');
      if (newer.length > 0)
        return this.down('migrations', `database is newer than this hub (${newer.join(', ')})`);
      if (pending.length > 0)
        return this.down('migrations', `${pending.length} pending (${pending.join(', ')})`);
      return this.up('migrations');
    } catch (e) {
      return this.down('migrations', 'could not be read', e);
    }
  }

  /** Up with `configured: false` when the hub runs without Redis (the embedded default). */
  async redisCheck(): Promise<HealthIndicatorResult<'redis'>> {
    if (!this.redis) return this.up('redis', { configured: false });
    try {
      await within(this.redis.ping(), 'redis');
      return this.up('redis');
    } catch (e) {
      if (this.redis.status === 'end') this.redis.connect().catch(() => undefined);
      return this.down('redis', 'unreachable', e);
    }
  }

  audit(): HealthIndicatorResult<'audit'> {
    if (this.writer.isClosed) return this.down('audit', 'writer closed: the hub is stopping');
    const waited = Math.round(this.writer.oldestWaitMs());
    if (waited > this.auditStallMs)
      return this.down(
        'audit',
        `writer stalled: the oldest record has waited ${Math.round(waited / 1000)} s`,
      );
    return this.up('audit', { queued: this.writer.queued });
  }
}
