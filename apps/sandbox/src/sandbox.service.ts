import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { AgencyServer } from './agency-server';
import { type Sandbox, startSandbox } from './sandbox';
import { SANDBOX_CONFIG, type SandboxConfig } from './sandbox-config';

/** Runs the agency servers for the life of the Nest application. */
@Injectable()
export class SandboxService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Sandbox');
  private sandbox: Sandbox | undefined;

  constructor(@Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig) {}

  /** Seeded and listening before the application says it is up. */
  async onModuleInit(): Promise<void> {
    const { agencies, seed, http } = this.config;
    this.sandbox = await startSandbox({
      agencies: agencies.kinds,
      host: http.host,
      ...(agencies.publicHost !== undefined ? { publicHost: agencies.publicHost } : {}),
      basePort: agencies.firstPort,
      seedPatients: seed.patients,
      seed: seed.seed,
      country: seed.country,
      resourcesPerPatient: seed.resourcesPerPatient,
      auth: agencies.auth,
    });
    for (const agency of this.sandbox.agencies) {
      this.logger.log(
        `${agency.kind.padEnd(10)} ${agency.baseUrl}  (${agency.seeded.patients} patients, ` +
          `${agency.seeded.resources} resources, auth ${agency.auth.type})`,
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sandbox?.close();
    this.sandbox = undefined;
  }

  agencies(): AgencyServer[] {
    return this.sandbox?.agencies ?? [];
  }
}
