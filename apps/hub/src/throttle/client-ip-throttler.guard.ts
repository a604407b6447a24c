import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerException, type ThrottlerStorage } from '@nestjs/throttler';
import { HUB_CONFIG, type HubConfig } from '@passerelle/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UNTHROTTLED } from './unthrottled.decorator';

/** The counters both rate limits share (Redis when REDIS_URL is set, else process memory). */
export const THROTTLE_STORAGE = Symbol('THROTTLE_STORAGE');

/**
 * The client a request counts against: the connection's peer, or the client named by the
 * `X-Forwarded-For` of a proxy in TRUST_PROXY (Fastify's `request.ip`). IPv6 clients count per
 * /64, the block one host usually holds, so one host cannot escape by changing its address.
 */
export function clientKey(request: FastifyRequest): string {
  return `ip:${normalizeIp(request.ip, 64)}`;
}

/**
 * The first guard of every route: RATE_LIMIT_PER_IP requests per window per client address,
 * counted before the access token is looked at. So a flood of forged or expired tokens (or of
 * client assertions at /auth/token) is answered 429 before any signature check or database read,
 * which the per-agency limit, counted after authentication, cannot do.
 */
@Injectable()
export class ClientIpThrottlerGuard implements CanActivate {
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(
    @Inject(THROTTLE_STORAGE) private readonly storage: ThrottlerStorage,
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly reflector: Reflector,
  ) {
    this.limit = config.auth.rateLimit.perIp;
    this.windowMs = config.auth.rateLimit.windowSeconds * 1000;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(UNTHROTTLED, [context.getHandler(), context.getClass()]))
      return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const counted = await this.storage.increment(
      clientKey(request),
      this.windowMs,
      this.limit,
      this.windowMs,
      'client-ip',
    );
    if (!counted.isBlocked) return true;
    void http.getResponse<FastifyReply>().header('retry-after', String(counted.timeToBlockExpire));
    throw new ThrottlerException('Too many requests from this address: try again later');
  }
}
