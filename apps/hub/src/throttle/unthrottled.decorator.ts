import { applyDecorators, SetMetadata } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';

export const UNTHROTTLED = 'passerelle:unthrottled';

/**
 * Probes (health, metrics) count against no rate limit: an orchestrator must learn that Redis is
 * down, which the rate limits need, rather than get the 500 they answer without it. They do no
 * per-request work worth flooding (readiness answers from a result at most a second old).
 */
export const Unthrottled = () => applyDecorators(SetMetadata(UNTHROTTLED, true), SkipThrottle());
