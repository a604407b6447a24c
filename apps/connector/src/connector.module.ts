import { type DynamicModule, Module } from '@nestjs/common';
import { CONNECTOR_CONFIG, type ConnectorConfig } from './connector-config';
import { HealthController } from './health.controller';

/** The agency's pull/push sync will be wired here; for now the connector only reports its health. */
@Module({})
export class ConnectorModule {
  /** The config is loaded once in main.ts and injected, never read from process.env by providers. */
  static forRoot(config: ConnectorConfig): DynamicModule {
    return {
      module: ConnectorModule,
      controllers: [HealthController],
      providers: [{ provide: CONNECTOR_CONFIG, useValue: config }],
      exports: [CONNECTOR_CONFIG],
    };
  }
}
