import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { WORKER_CONFIG, type WorkerConfig } from './worker-config';

/** Hub-side queue processors will be wired here; for now the worker only reports its health. */
@Module({})
export class WorkerModule {
  /** The config is loaded once in main.ts and injected, never read from process.env by providers. */
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      controllers: [HealthController],
      providers: [{ provide: WORKER_CONFIG, useValue: config }],
      exports: [WORKER_CONFIG],
    };
  }
}
