import {
  Controller,
  Get,
  Inject,
  type OnApplicationShutdown,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  HealthCheckService,
  type HealthCheckResult,
  HealthIndicatorService,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { migrationState } from '@passerelle/store';
import type { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { WORKER_CONFIG, type WorkerConfig } from './worker-config';

export interface WorkerHealth {
  status: 'ok';
  service: 'worker';
}

const CHECK_TIMEOUT_MS = 3_000;

function within<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer in time')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `/health` and `/health/live`: the process answers. `/health/ready`: it can take jobs: the
 * database answers with the hub's migrations applied (the hub runs them), and Redis answers;
 * 503 naming each failing check otherwise (docs/operations.md, Health).
 */
@Controller('health')
export class HealthController implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @Inject(WORKER_CONFIG) config: WorkerConfig,
  ) {
    // Its own connection, failing fast: a probe must not queue behind BullMQ's retries.
    this.redis = new Redis(config.redisUrl, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CHECK_TIMEOUT_MS,
    });
    this.redis.on('error', () => undefined); // reported by the check
    this.redis.connect().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  @Get()
  legacy(): WorkerHealth {
    return { status: 'ok', service: 'worker' };
  }

  @Get('live')
  live(): WorkerHealth {
    return { status: 'ok', service: 'worker' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database(),
        () => this.migrations(),
        () => this.redisCheck(),
      ]);
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      void reply.status(503);
      return e.getResponse() as HealthCheckResult;
    }
  }

  private async database(): Promise<HealthIndicatorResult<'database'>> {
    const check = this.indicators.check('database');
    return within(this.dataSource.query('SELECT 1')).then(
      () => check.up(),
      () => check.down({ message: 'unreachable' }),
    );
  }

  private async migrations(): Promise<HealthIndicatorResult<'migrations'>> {
    const check = this.indicators.check('migrations');
    try {
      const { pending } = await within(migrationState(this.dataSource));
      return pending.length === 0
        ? check.up()
        : check.down({ message: `${pending.length} pending (the hub runs them)` });
    } catch {
      return check.down({ message: 'could not be read' });
    }
  }

  private async redisCheck(): Promise<HealthIndicatorResult<'redis'>> {
    const check = this.indicators.check('redis');
    return within(this.redis.ping()).then(
      () => check.up(),
      () => check.down({ message: 'unreachable' }),
    );
  }
}
