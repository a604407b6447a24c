import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Binary, Bundle, DocumentReference, Resource } from 'fhir/r4';
import { FhirEndpoint, staticAuth } from '../fhir/fhir-endpoint';
import { withRetry } from '../fhir/retry';
import { localBinaryId, placeDocumentContent } from './document-apply';

const HUB = 'https://hub.example/fhir';
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** The agency's server stand-in: answers each batch entry with `status(id)`, and keeps what it was posted. */
async function agencyServer(status: (binaryId: string) => string) {
  const posted: Bundle[] = [];
  const srv: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const bundle = JSON.parse(body) as Bundle;
      posted.push(bundle);
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'batch-response',
          entry: (bundle.entry ?? []).map((e) => ({ response: { status: status(e.resource!.id!) } })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/fhir`;
  const agency = await FhirEndpoint.connect(base, staticAuth({ kind: 'none' }));
  return { agency, posted, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

/** A feed page as the hub sends it: each document's content (a hub Binary) just before it. */
function page(n: number, bytes: number): Resource[] {
  return Array.from({ length: n }, (_, i): Resource[] => {
    const binary: Binary = {
      resourceType: 'Binary',
      id: `content-${i}`,
      contentType: 'text/plain',
      data: Buffer.alloc(bytes, 65 + i).toString('base64'),
    };
    const document: DocumentReference = {
      resourceType: 'DocumentReference',
      id: `doc-${i}`,
      status: 'current',
      content: [{ attachment: { contentType: 'text/plain', url: `Binary/content-${i}` } }],
    };
    return [binary, document];
  }).flat();
}

describe('placeDocumentContent', () => {
  const hub = FhirEndpoint.connect(HUB, staticAuth({ kind: 'none' }));
  const deps = async (agency: FhirEndpoint, maxBytes: number) => ({
    agency,
    hub: await hub,
    maxBytes,
    retry: <T>(fn: () => Promise<T>) => withRetry(fn, { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 }),
    logger: silent,
  });

  it("writes a page's contents in one batch, and leaves out the document whose content the server refuses", async () => {
    const refused = localBinaryId(HUB, 'content-1');
    const s = await agencyServer((id) => (id === refused ? '422 Unprocessable Entity' : '201 Created'));
    try {
      const counts = { contentWritten: 0, rejected: 0 };
      const placed = await placeDocumentContent(page(3, 100), await deps(s.agency, 10_000), counts);
      expect(s.posted).toHaveLength(1);
      expect(s.posted[0].entry?.map((e) => e.request?.url)).toEqual(
        [0, 1, 2].map((i) => `Binary/${localBinaryId(HUB, `content-${i}`)}`),
      );
      expect(placed.map((r) => [r.id, (r as DocumentReference).content[0].attachment.url])).toEqual([
        ['doc-0', `Binary/${localBinaryId(HUB, 'content-0')}`],
        ['doc-2', `Binary/${localBinaryId(HUB, 'content-2')}`],
      ]);
      expect(counts).toEqual({ contentWritten: 2, rejected: 1 });
    } finally {
      await s.close();
    }
  });

  it('sends no batch holding more than DOCUMENT_MAX_BYTES of content but a single document', async () => {
    const s = await agencyServer(() => '200 OK');
    try {
      const counts = { contentWritten: 0, rejected: 0 };
      const placed = await placeDocumentContent(page(5, 400), await deps(s.agency, 1_000), counts);
      expect(s.posted.map((b) => b.entry?.length)).toEqual([2, 2, 1]);
      expect(placed).toHaveLength(5);
      expect(counts).toEqual({ contentWritten: 5, rejected: 0 });
    } finally {
      await s.close();
    }
  });

  it('stops the cycle when the server refuses the connector (403): nothing is passed over', async () => {
    const s = await agencyServer(() => '403 Forbidden');
    try {
      const counts = { contentWritten: 0, rejected: 0 };
      await expect(
        placeDocumentContent(page(2, 100), await deps(s.agency, 10_000), counts),
      ).rejects.toMatchObject({ response: { status: 403 } });
    } finally {
      await s.close();
    }
  });
});
