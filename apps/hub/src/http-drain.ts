import type { Server } from 'node:http';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** How often connections that went idle while draining are closed. */
const SWEEP_MS = 100;

/**
 * The first step of shutdown (SIGTERM, or `app.close()`): the HTTP server stops accepting
 * connections and requests, and this waits for the requests in flight to be answered. Only then
 * do the later hooks run — the audit writer writes what is queued (beforeApplicationShutdown),
 * then the database closes (onApplicationShutdown) — so no request is cut off half-way and no
 * answered request's audit record is lost. Nest would otherwise close the HTTP server after the
 * beforeApplicationShutdown hooks, with requests still arriving at a closed audit writer.
 */
@Injectable()
export class HttpDrain implements OnModuleDestroy {
  constructor(private readonly host: HttpAdapterHost) {}

  async onModuleDestroy(): Promise<void> {
    const adapter = this.host.httpAdapter;
    if (!adapter) return;
    const server = adapter.getHttpServer() as Server;
    // Fastify's close(): no new connections, 503 on kept-alive ones, resolves once every
    // connection is closed. It closes those idle at that moment; a kept-alive connection whose
    // request was in flight goes idle later and would hold the server open: close those as they
    // go idle. Nest's own close of the adapter later finds it closed: a no-op.
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
    try {
      await adapter.close();
    } finally {
      clearInterval(sweep);
    }
  }
}
