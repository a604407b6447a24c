import { FhirRouter } from '@medplum/fhir-router';
import type { FastifyInstance } from 'fastify';
import { type AgencyServer, DEFAULT_PAGE_SIZE, NO_AUTH } from '../../apps/sandbox/src';
// The sandbox's HTTP face, to listen again over the same records (its index does not export it).
import { createFhirHttpServer } from '../../apps/sandbox/src/fhir-http';

/**
 * An agency FHIR server that goes down and comes back on the same port with the records it held,
 * as a real EHR restarted on its own database would. (`AgencyServer.close()` alone ends it for
 * good, and a new sandbox would be reseeded with other server ids.)
 */
export class RestartableAgency {
  private restarted?: FastifyInstance;
  private up = true;

  constructor(readonly server: AgencyServer) {}

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** Closes the listener: connections are refused until `restart()`. */
  async stop(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    if (this.restarted) await this.restarted.close();
    else await this.server.close();
    this.restarted = undefined;
  }

  /** Listens again on the same port, over the same repository. */
  async restart(): Promise<void> {
    if (this.up) return;
    const app = createFhirHttpServer({
      router: new FhirRouter(),
      repository: this.server.repository,
      auth: NO_AUTH,
      realm: this.server.identity.id,
      pages: DEFAULT_PAGE_SIZE,
      capabilityStatement: () => ({
        resourceType: 'CapabilityStatement',
        status: 'active',
        date: '2025-01-01',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['application/fhir+json'],
      }),
    });
    await app.listen({ host: '127.0.0.1', port: this.server.port });
    this.restarted = app;
    this.up = true;
  }

  close(): Promise<void> {
    return this.stop();
  }
}
