import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { SANDBOX_CONFIG, type SandboxConfig } from './sandbox-config';
import { SandboxService } from './sandbox.service';

/** The sandbox app: the simulated agency FHIR servers, and /health saying where they are. */
@Module({})
export class SandboxModule {
  /** The config is loaded once in main.ts and injected, never read from process.env by providers. */
  static forRoot(config: SandboxConfig): DynamicModule {
    return {
      module: SandboxModule,
      controllers: [HealthController],
      providers: [{ provide: SANDBOX_CONFIG, useValue: config }, SandboxService],
      exports: [SANDBOX_CONFIG, SandboxService],
    };
  }
}
