import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { HubConfig } from '@passerelle/config';
import Redis from 'ioredis';
import { FhirAuthGuard } from '../auth/fhir-auth.guard';
import { AgencyThrottlerGuard } from './agency-throttler.guard';
import { ClientIpThrottlerGuard, THROTTLE_STORAGE } from './client-ip-throttler.guard';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const THROTTLE_REDIS = Symbol('THROTTLE_REDIS');

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(THROTTLE_REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit();
  }
}

/**
 * Access control and rate limits, as global guards in this order: the limit per client address
 * (before anything looks at the token, so floods of bad tokens cost no signature check or
 * database read), the FHIR guard (it learns the agency), then the per-agency limit. Counters live
 * in Redis when REDIS_URL is set (shared by every hub instance), else in process memory.
 */
@Module({})
export class AccessModule {
  static forRoot(config: HubConfig): DynamicModule {
    const redis = config.redisUrl
      ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 })
      : null;
    // Fail closed: without its counters the hub refuses requests (500) rather than serve them
    // unlimited; ioredis reconnects by itself. Logged once per error kind, not per retry.
    const seen = new Set<string>();
    redis?.on('error', (error: Error) => {
      if (seen.has(error.name)) return;
      seen.add(error.name);
      new Logger('RateLimit').error(
        `Redis unavailable for rate limits (${error.name}); requests fail until it returns`,
      );
    });
    redis?.on('ready', () => seen.clear());
    const storage = redis
      ? new RedisThrottlerStorage(redis, config.redisKeyPrefix)
      : new MemoryThrottlerStorage();
    return {
      module: AccessModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [
            {
              name: 'default',
              ttl: config.auth.rateLimit.windowSeconds * 1000,
              limit: config.auth.rateLimit.limit,
            },
          ],
          storage,
        }),
      ],
      providers: [
        { provide: THROTTLE_REDIS, useValue: redis },
        { provide: THROTTLE_STORAGE, useValue: storage },
        RedisCloser,
        // Global guards run in the order they are provided.
        { provide: APP_GUARD, useClass: ClientIpThrottlerGuard },
        { provide: APP_GUARD, useClass: FhirAuthGuard },
        { provide: APP_GUARD, useClass: AgencyThrottlerGuard },
      ],
    };
  }
}
