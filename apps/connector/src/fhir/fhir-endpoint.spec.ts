import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle } from 'fhir/r4';
import { FhirEndpoint, type RequestAuth, staticAuth } from './fhir-endpoint';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

/** A FHIR server stand-in that records requests; `answer` decides the status. */
async function server(
  answer: (req: Seen) => number,
): Promise<{ base: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const srv: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const r: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      };
      seen.push(r);
      const status = answer(r);
      res.writeHead(status, { 'content-type': 'application/fhir+json' });
      res.end(
        JSON.stringify(
          status === 200
            ? { resourceType: 'Bundle', type: 'searchset' }
            : { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/fhir`;
  return { base, seen, close: () => new Promise((resolve) => srv.close(() => resolve())) };
}

describe('FhirEndpoint', () => {
  it('sends the agency server’s basic or bearer credentials', async () => {
    const s = await server(() => 200);
    try {
      await (
        await FhirEndpoint.connect(s.base, staticAuth({ kind: 'basic', user: 'sync', password: 'pw' }))
      ).search('Patient', { _count: 1 });
      await (
        await FhirEndpoint.connect(s.base, staticAuth({ kind: 'bearer', token: 'abc' }))
      ).search('Patient', {});
      await (await FhirEndpoint.connect(s.base, staticAuth({ kind: 'none' }))).search('Patient', {});
      expect(s.seen.map((r) => r.authorization)).toEqual([
        `Basic ${Buffer.from('sync:pw').toString('base64')}`,
        'Bearer abc',
        undefined,
      ]);
      expect(s.seen[0].url).toBe('/fhir/Patient?_count=1');
    } finally {
      await s.close();
    }
  });

  it('posts a transaction or a batch to the base URL itself, as FHIR JSON', async () => {
    const s = await server(() => 200);
    try {
      const endpoint = await FhirEndpoint.connect(s.base, staticAuth({ kind: 'none' }));
      const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [] };
      await endpoint.transaction(bundle);
      const batch: Bundle = { resourceType: 'Bundle', type: 'batch', entry: [] };
      await endpoint.batch(batch);
      for (const [i, sent] of [bundle, batch].entries()) {
        expect(s.seen[i]).toMatchObject({
          method: 'POST',
          url: '/fhir',
          contentType: 'application/fhir+json',
        });
        expect(JSON.parse(s.seen[i].body)).toEqual(sent);
      }
    } finally {
      await s.close();
    }
  });

  it('asks for a new token once after a 401, and gives up after a second', async () => {
    const s = await server((r) => (r.authorization === 'Bearer fresh' ? 200 : 401));
    let token = 'stale';
    const refused: string[] = [];
    const auth = (renew: boolean): RequestAuth => ({
      headers: () => Promise.resolve({ authorization: `Bearer ${token}` }),
      refused: (headers) => {
        refused.push(headers.authorization ?? '');
        if (renew) token = 'fresh';
        return true;
      },
    });
    try {
      await (await FhirEndpoint.connect(s.base, auth(true))).search('Patient', {});
      expect(refused).toEqual(['Bearer stale']);
      expect(s.seen.map((r) => r.authorization)).toEqual(['Bearer stale', 'Bearer fresh']);
      token = 'stale';
      await expect(
        (await FhirEndpoint.connect(s.base, auth(false))).search('Patient', {}),
      ).rejects.toMatchObject({
        response: { status: 401 },
      });
      expect(s.seen).toHaveLength(4);
    } finally {
      await s.close();
    }
  });

  it('names the server a refused connection came from, as an HTTP error does', async () => {
    const s = await server(() => 200);
    await s.close();
    const endpoint = await FhirEndpoint.connect(s.base, staticAuth({ kind: 'none' }));
    await expect(endpoint.search('Patient', {})).rejects.toMatchObject({ config: { url: s.base } });
    const failingToken: RequestAuth = { headers: () => Promise.reject(new TypeError('fetch failed')) };
    await expect(
      (await FhirEndpoint.connect(s.base, failingToken)).search('Patient', {}),
    ).rejects.toMatchObject({ message: 'fetch failed', config: { url: s.base } });
  });
});
