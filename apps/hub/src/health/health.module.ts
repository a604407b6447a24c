import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';

/** Liveness and readiness (docs/operations.md, Health). */
@Module({
  // Terminus logs nothing itself: Readiness logs each failing check once, with its cause.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [Readiness],
})
export class HealthModule {}
