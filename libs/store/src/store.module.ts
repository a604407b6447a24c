import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DatabaseConfig } from '@passerelle/config';
import { openDatabase, type OpenDatabase, type Schema, STORE_SCHEMA } from './data-source';

export const OPEN_DATABASE = Symbol('OPEN_DATABASE');

/** Closes the database (and, for PGlite, releases the data directory) when the app stops. */
@Injectable()
class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(OPEN_DATABASE) private readonly db: OpenDatabase) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

@Module({})
export class StoreModule {
  /** Opens PostgreSQL or PGlite once, runs migrations if asked, and hands the DataSource to @nestjs/typeorm. */
  static forRoot(
    config: DatabaseConfig,
    options: { migrate: boolean; schemas?: Schema[]; refuseNewer?: boolean },
  ): DynamicModule {
    let opened: Promise<OpenDatabase> | undefined;
    const open = () => (opened ??= openDatabase(config, options));
    return {
      module: StoreModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            type: 'postgres',
            entities: [STORE_SCHEMA, ...(options.schemas ?? [])].flatMap((s) => s.entities),
            retryAttempts: 0,
          }),
          dataSourceFactory: async () => (await open()).dataSource,
        }),
      ],
      providers: [{ provide: OPEN_DATABASE, useFactory: open }, DatabaseCloser],
      exports: [OPEN_DATABASE, TypeOrmModule],
    };
  }
}
