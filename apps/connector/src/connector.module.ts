import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type Connector, createConnector } from './connector';
import { CONNECTOR_CONFIG, type ConnectorConfig } from './connector-config';
import { CONNECTOR } from './connector.module-tokens';
import { HealthController } from './health.controller';

const AUTO_START = Symbol('CONNECTOR_AUTO_START');

/** Starts the sync loop once the app is up; on SIGTERM lets the page in hand finish, then closes. */
@Injectable()
class ConnectorLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(CONNECTOR) private readonly connector: Connector,
    @Inject(AUTO_START) private readonly autoStart: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.autoStart) this.connector.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.connector.loop.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connector.close();
  }
}

export interface ConnectorModuleOptions {
  /** A connector built by the caller (tests); the module closes it on shutdown either way. */
  connector?: Connector;
  /** Start the sync loop at bootstrap (default true). */
  autoStart?: boolean;
}

@Module({})
export class ConnectorModule {
  /** The config is loaded once in main.ts and injected, never read from process.env by providers. */
  static forRoot(config: ConnectorConfig, options: ConnectorModuleOptions = {}): DynamicModule {
    return {
      module: ConnectorModule,
      controllers: [HealthController],
      providers: [
        { provide: CONNECTOR_CONFIG, useValue: config },
        { provide: AUTO_START, useValue: options.autoStart ?? true },
        { provide: CONNECTOR, useFactory: () => options.connector ?? createConnector(config) },
        ConnectorLifecycle,
      ],
      exports: [CONNECTOR_CONFIG, CONNECTOR],
    };
  }
}
