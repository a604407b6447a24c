import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, BundleEntry } from 'fhir/r4';
import { FhirEndpoint, staticAuth } from '../fhir/fhir-endpoint';
import { withRetry } from '../fhir/retry';
import { BATCH_ENTRIES, type Retry, sendBatch } from './apply-batch';

type Answer = { status: number; body: unknown };

/** A FHIR server stand-in for batch Bundles: `answer` gets each posted Bundle's entry URLs. */
async function server(answer: (urls: string[], call: number) => Answer) {
  const posted: string[][] = [];
  const srv: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const urls = ((JSON.parse(body) as Bundle).entry ?? []).map((e) => e.request?.url ?? '');
      posted.push(urls);
      const { status, body: out } = answer(urls, posted.length);
      res.writeHead(status, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/fhir`;
  const endpoint = await FhirEndpoint.connect(base, staticAuth({ kind: 'none' }));
  return { endpoint, posted, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

const retry: Retry = (fn) => withRetry(fn, { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
const entries = (...urls: string[]): BundleEntry[] =>
  urls.map((url) => ({ request: { method: 'GET', url } }));
const outcome = (code: string) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code }],
});
const response = (statuses: string[]): Answer => ({
  status: 200,
  body: {
    resourceType: 'Bundle',
    type: 'batch-response',
    entry: statuses.map((status, i) => ({ response: { status, location: `Patient/${i}` } })),
  },
});

describe('sendBatch', () => {
  it('answers each entry in order, in Bundles of at most BATCH_ENTRIES', async () => {
    const s = await server((urls) =>
      response(urls.map((u) => (u === 'gone' ? '404 Not Found' : '201 Created'))),
    );
    try {
      const urls = Array.from({ length: BATCH_ENTRIES * 2 + 1 }, (_, i) => (i === 3 ? 'gone' : `P${i}`));
      const results = await sendBatch(s.endpoint, entries(...urls), retry);
      expect(s.posted.map((p) => p.length)).toEqual([BATCH_ENTRIES, BATCH_ENTRIES, 1]);
      expect(results).toHaveLength(urls.length);
      expect(results[3].status).toBe(404);
      expect(results[4]).toEqual({ status: 201, location: 'Patient/4' });
    } finally {
      await s.close();
    }
  });

  it('sends the Bundle again when the server fails on one of its entries', async () => {
    const s = await server((urls, call) =>
      response(urls.map((_, i) => (call === 1 && i === 1 ? '503' : '200'))),
    );
    try {
      const results = await sendBatch(s.endpoint, entries('a', 'b'), retry);
      expect(s.posted).toEqual([
        ['a', 'b'],
        ['a', 'b'],
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      const failing = await server((urls) => response(urls.map(() => '500')));
      try {
        // Named as the agency server's failure, as a request of its own would be (health report).
        await expect(sendBatch(failing.endpoint, entries('a'), retry)).rejects.toMatchObject({
          response: { status: 500 },
          config: { url: failing.endpoint.baseUrl },
        });
        expect(failing.posted).toHaveLength(3);
      } finally {
        await failing.close();
      }
    } finally {
      await s.close();
    }
  });

  it('halves a Bundle refused as a whole down to the entry at fault', async () => {
    const s = await server((urls) =>
      urls.includes('bad') ? { status: 400, body: outcome('structure') } : response(urls.map(() => '200')),
    );
    try {
      const results = await sendBatch(s.endpoint, entries('a', 'bad', 'c', 'd'), retry);
      expect(results.map((r) => r.status)).toEqual([200, 400, 200, 200]);
      expect(results[1].outcome).toEqual(outcome('structure'));
      expect(s.posted).toEqual([['a', 'bad', 'c', 'd'], ['a', 'bad'], ['a'], ['bad'], ['c', 'd']]);
    } finally {
      await s.close();
    }
  });

  it('stops at an answer that does not match what was sent, and at a refused login', async () => {
    const short = await server(() => response(['200']));
    const login = await server(() => ({ status: 401, body: outcome('login') }));
    try {
      await expect(sendBatch(short.endpoint, entries('a', 'b'), retry)).rejects.toThrow(
        'batch of 2 entries answered with 1',
      );
      await expect(sendBatch(login.endpoint, entries('a', 'b'), retry)).rejects.toMatchObject({
        response: { status: 401 },
      });
      expect(login.posted).toHaveLength(1);
    } finally {
      await short.close();
      await login.close();
    }
  });
});
