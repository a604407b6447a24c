import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkHash, ContentRefused, fetchContent } from './content-fetch';
import { isTransient } from './retry';

const PDF = Buffer.from('%PDF-1.4 compte rendu de sortie');

/** A real HTTP server standing in for an agency's FHIR server's Binary endpoint. */
describe('fetchContent', () => {
  let server: Server;
  let base: string;
  const accepts: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      accepts.push(req.headers.accept ?? '');
      switch (req.url ?? '') {
        case '/Binary/raw':
          res.writeHead(200, { 'content-type': 'application/pdf' }).end(PDF);
          return;
        case '/Binary/json':
          res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(
            JSON.stringify({
              resourceType: 'Binary',
              contentType: 'application/pdf',
              data: PDF.toString('base64'),
            }),
          );
          return;
        case '/Binary/announced':
          res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '1000000' });
          res.write(PDF);
          return; // never ends: only the announced length may refuse it
        case '/Binary/endless': {
          // No length, and no end: a reader that did not stop at the limit would never return.
          res.writeHead(200, { 'content-type': 'application/pdf' });
          const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024, 1)), 1);
          res.on('close', () => clearInterval(timer));
          return;
        }
        case '/Binary/busy':
          res.writeHead(503).end();
          return;
        default:
          res
            .writeHead(404, { 'content-type': 'application/fhir+json' })
            .end('{"resourceType":"OperationOutcome"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, maxBytes = 1024) =>
    fetchContent({
      url: `${base}${path}`,
      headers: {},
      contentType: 'application/pdf',
      maxBytes,
      timeoutMs: 30_000,
    });
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ContentRefused);
    return (error as ContentRefused).reason;
  };

  it('reads the raw bytes, asking for the content type first and FHIR JSON second', async () => {
    expect(await get('/Binary/raw')).toEqual({ bytes: PDF, contentType: 'application/pdf' });
    expect(accepts.at(-1)).toBe('application/pdf, application/fhir+json;q=0.5');
  });

  it('decodes a Binary answered as FHIR JSON', async () => {
    expect(await get('/Binary/json')).toEqual({ bytes: PDF, contentType: 'application/pdf' });
  });

  it('refuses content over the limit: by its announced length, or as soon as the stream passes it', async () => {
    expect(await refusal(get('/Binary/raw', PDF.length - 1))).toBe('too-large');
    expect(await refusal(get('/Binary/json', PDF.length - 1))).toBe('too-large');
    expect(await refusal(get('/Binary/announced', 64 * 1024))).toBe('too-large');
    expect(await refusal(get('/Binary/endless', 256 * 1024))).toBe('too-large');
  });

  it('calls a missing content unreadable, and a busy server a passing fault the retry policy retries', async () => {
    expect(await refusal(get('/Binary/missing'))).toBe('unreadable');
    const busy = await get('/Binary/busy').catch((e: unknown) => e);
    expect(busy).not.toBeInstanceOf(ContentRefused);
    expect(isTransient(busy)).toBe(true);
  });
});

describe('checkHash', () => {
  const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('base64');

  it('accepts the content its attachment hashes (SHA-1, base64), and content without a hash', () => {
    expect(() => checkHash(PDF, sha1(PDF))).not.toThrow();
    expect(() => checkHash(PDF, undefined)).not.toThrow();
  });

  it('refuses content that does not match its hash', () => {
    expect(() => checkHash(PDF, sha1(Buffer.from('another document')))).toThrow(
      expect.objectContaining({ reason: 'hash-mismatch' }),
    );
  });
});
