import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { SANDBOX_CONFIG, type SandboxConfig } from './sandbox-config';

/** Simulated agency FHIR servers will be hosted here (demo, e2e tests, benchmarks); for now the
 * sandbox only reports its health. */
@Module({})
export class SandboxModule {
  /** The config is loaded once in main.ts and injected, never read from process.env by providers. */
  static forRoot(config: SandboxConfig): DynamicModule {
    return {
      module: SandboxModule,
      controllers: [HealthController],
      providers: [{ provide: SANDBOX_CONFIG, useValue: config }],
      exports: [SANDBOX_CONFIG],
    };
  }
}
