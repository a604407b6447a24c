import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Unthrottled } from '../throttle/unthrottled.decorator';
import { Readiness } from './readiness';

/**
 * `/health/live`: the process answers (restart it if not). `/health/ready`: it can serve
 * (database, migrations, Redis when configured, audit writer): 200, or 503 naming each failing
 * check under `error`; load balancers and the compose healthcheck ask this one. `/health` is the
 * liveness answer it always was, for the tools that ask it.
 */
/** How long one round of readiness checks answers for. */
const RESULT_TTL_MS = 1_000;

@Controller('health')
@Unthrottled()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: Readiness,
  ) {}

  @Get()
  legacy(): { status: 'ok'; service: 'hub' } {
    return { status: 'ok', service: 'hub' };
  }

  @Get('live')
  live(): { status: 'ok'; service: 'hub' } {
    return { status: 'ok', service: 'hub' };
  }

  private recent: { at: number; result: Promise<HealthCheckResult> } | undefined;

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    // Probes arriving together (several load balancers, a flood) share one round of checks.
    const now = Date.now();
    if (!this.recent || now - this.recent.at > RESULT_TTL_MS) {
      this.recent = {
        at: now,
        result: this.health.check([
          () => this.readiness.database(),
          () => this.readiness.migrations(),
          () => this.readiness.redisCheck(),
          () => this.readiness.audit(),
        ]),
      };
    }
    try {
      return await this.recent.result;
    } catch (e) {
      // Terminus throws the 503 with the result; answered here, not by the FHIR error filter.
      if (!(e instanceof ServiceUnavailableException)) throw e;
      void reply.status(503);
      return e.getResponse() as HealthCheckResult;
    }
  }
}
