import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppChild } from '../support/processes';

/**
 * The test's own load balancer in front of several hubs: each request goes to the next hub in
 * turn (per request, not per connection, so one connector's keep-alive connection reaches every
 * hub; the turn is kept per method and path, so that two pushes in a row reach both hubs). A hub whose process has exited, or that refuses the connection, is skipped as a load
 * balancer's health check would; a request it had already received and never answered gets 502
 * (the caller was never acknowledged). Every answer carries `x-upstream` (the hub's index) and
 * is counted, so a test can see that each hub served pushes and reads.
 */

export interface Served {
  upstream: number;
  method: string;
  path: string;
  status: number;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Headers that belong to one connection, not to the message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

export class RoundRobin {
  /** The hubs, by index; a slot may be empty while its hub is being replaced. */
  readonly upstreams: (AppChild | undefined)[] = [];
  readonly served: Served[] = [];
  /** Requests sent to each hub and not answered yet. */
  readonly inFlight: number[] = [];
  /** The next hub in turn, per method and path: consecutive pushes alternate, whatever the reads do. */
  private readonly next = new Map<string, number>();
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.forward(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks)).then(
          (answer) => {
            res.writeHead(answer.status, answer.headers);
            res.end(answer.body);
          },
        );
      });
    });
    this.server = server;
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** The requests each hub answered, e.g. `count(0, 'POST', '/fhir')`. */
  count(upstream: number, method: string, path: string | RegExp): number {
    return this.served.filter(
      (s) =>
        s.upstream === upstream &&
        s.method === method &&
        (typeof path === 'string' ? s.path === path : path.test(s.path)),
    ).length;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  private async forward(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<Answer> {
    const path = url.split('?')[0];
    const key = `${method} ${path}`;
    // One turn per request, then the others in order: with concurrent requests moving the turn, a
    // retry taken from the shared counter could land on the refusing hub again (a 503 the front,
    // not the hubs, made).
    const turn = this.next.get(key) ?? 0;
    this.next.set(key, turn + 1);
    for (let tries = 0; tries < this.upstreams.length; tries++) {
      const index = (turn + tries) % this.upstreams.length;
      const hub = this.upstreams[index];
      if (!hub || hub.exit) continue;
      this.inFlight[index] = (this.inFlight[index] ?? 0) + 1;
      try {
        const answer = await send(hub.port, method, url, headers, body);
        this.served.push({ upstream: index, method, path, status: answer.status });
        answer.headers['x-upstream'] = String(index);
        return answer;
      } catch (e) {
        // Refused: nothing reached that hub, the next one may take it. Anything else: the hub
        // had the request and died or hung up before answering.
        if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED') continue;
        return { status: 502, headers: { 'x-upstream': String(index) }, body: Buffer.from('') };
      } finally {
        this.inFlight[index]--;
      }
    }
    return { status: 503, headers: {}, body: Buffer.from('') };
  }
}

function send(
  port: number,
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // The Host header is kept: the hubs know the front's address as their public base URL.
    const forwarded: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) forwarded[name] = value;
    const req = request({ host: '127.0.0.1', port, method, path: url, headers: forwarded }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const out: IncomingHttpHeaders = {};
        for (const [name, value] of Object.entries(res.headers))
          if (!HOP_BY_HOP.has(name) && name !== 'content-length') out[name] = value;
        resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
