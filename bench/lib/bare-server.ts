/**
 * The read baseline: a bare node:http server, run as its own process like the hub, answering
 * each path with the exact bytes and headers the hub gave for it. It measures what HTTP and
 * this machine cost for those responses, with no framework, routing, database or serialisation.
 * Run by bench/read.ts: node dist/bench/lib/bare-server.js <responses.json> (PORT in the env).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

export interface CannedResponse {
  body: string;
  headers: Record<string, string>;
}

function serve(file: string, port: number): void {
  const canned = JSON.parse(readFileSync(file, 'utf8')) as Record<string, CannedResponse>;
  const responses = new Map(
    Object.entries(canned).map(([path, r]) => {
      const body = Buffer.from(r.body);
      return [path, { body, headers: { ...r.headers, 'content-length': String(body.length) } }];
    }),
  );
  const server = createServer((req, res) => {
    if (req.url === '/health') return void res.writeHead(200).end('ok');
    const found = responses.get(req.url ?? '');
    if (!found) return void res.writeHead(404).end();
    res.writeHead(200, found.headers).end(found.body);
  });
  // Same keep-alive window as Fastify's default, so connections behave alike.
  server.keepAliveTimeout = 72_000;
  server.listen(port, '127.0.0.1');
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

if (require.main === module) serve(process.argv[2], Number(process.env.PORT));
