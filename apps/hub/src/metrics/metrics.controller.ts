import { Controller, Get, Header, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { Unthrottled } from '../throttle/unthrottled.decorator';
import { HubMetrics } from './hub-metrics';

/**
 * Prometheus' scrape target, behind the operator credential (`authorization: { credentials:
 * <ADMIN_TOKEN> }` in the scrape config): the names of agencies and the volumes are an operator's
 * business. Outside the rate limits, like the health probes.
 */
@Controller('metrics')
@UseGuards(AdminAuthGuard)
@Unthrottled()
export class MetricsController {
  constructor(private readonly metrics: HubMetrics) {}

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = await this.metrics.metrics();
    void reply.header('content-type', this.metrics.contentType);
    return text;
  }
}
