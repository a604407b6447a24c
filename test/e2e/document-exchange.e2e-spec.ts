import { createHash } from 'node:crypto';
import type { Binary, Bundle, DocumentReference } from 'fhir/r4';
import { fetchAll } from '../../apps/connector/src/connector.testing';
import { type StackOptions, SyncStack } from '../faults/stack';

/**
 * A document whose content the hospital keeps as a Binary (its attachment names it by URL)
 * travels to the GP with its content, through the built apps as processes: the hospital
 * connector fetches the content and pushes it with the document, the hub routes it with the
 * document, the GP connector writes it as a Binary of the GP's server and points the document
 * at it. Content that fails its hash or the size limit is refused at the hospital's connector
 * and never reaches the hub.
 */
const LIMIT = 20_000;
const TOPOLOGIES: [string, StackOptions][] = [
  [
    'PostgreSQL, a worker process and Redis',
    {
      hubStore: 'postgres',
      redis: 'shared',
      connectorEnv: { hospital: { DOCUMENT_MAX_BYTES: String(LIMIT) } },
    },
  ],
  [
    'PGlite, routing in the hub',
    { hubStore: 'pglite', redis: 'none', connectorEnv: { hospital: { DOCUMENT_MAX_BYTES: String(LIMIT) } } },
  ],
];
const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('base64');

describe.each(TOPOLOGIES)("a document's content from hospital to GP on %s", (_name, options) => {
  const stack = new SyncStack(options);
  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  const documentSystem = () => `${stack.hospital.identity.identifierSystem}/document`;
  const documentsAt = async (base: string, value: string) =>
    ((await fetchAll(base, 'DocumentReference')) as DocumentReference[]).filter(
      (d) => d.identifier?.[0]?.system === documentSystem() && d.identifier[0].value === value,
    );

  /** A letter at the hospital as its EHR keeps it: a Binary, and a document naming it by URL. */
  async function letterAtHospital(value: string, bytes: Buffer, hash = sha1(bytes)): Promise<void> {
    const binary: Binary = {
      resourceType: 'Binary',
      id: `letter-${value}`,
      contentType: 'text/plain; charset=utf-8',
      data: bytes.toString('base64'),
    };
    const put = await fetch(`${stack.hospital.baseUrl}/Binary/${binary.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(binary),
    });
    expect(put.status).toBeLessThan(300);
    await stack.writeAtHospital<DocumentReference>({
      resourceType: 'DocumentReference',
      identifier: [{ system: documentSystem(), value }],
      status: 'current',
      subject: { reference: `Patient/${await stack.hospitalPatient(0)}` },
      description: 'Compte rendu d’hospitalisation',
      content: [
        { attachment: { contentType: 'text/plain; charset=utf-8', url: `Binary/${binary.id}`, hash } },
      ],
    });
  }

  it('arrives at the GP with its content, readable there and at the hub by the GP', async () => {
    const text = Buffer.from('Sortie le 24/11/2026. Traitement poursuivi par le médecin traitant.');
    await letterAtHospital('LETTER-A', text);

    const [doc] = await stack.processes.until('the letter at the GP', async () => {
      const found = await documentsAt(stack.gp.baseUrl, 'LETTER-A');
      return found.length > 0 && found;
    });
    // The GP's document names a Binary of the GP's own server holding the same bytes.
    const url = doc.content[0].attachment.url ?? '';
    expect(url).toMatch(/^Binary\/[0-9a-f]{64}$/);
    expect(doc.content[0].attachment.hash).toBe(sha1(text));
    const local = (await (await fetch(`${stack.gp.baseUrl}/${url}`)).json()) as Binary;
    expect(Buffer.from(local.data ?? '', 'base64').toString('utf8')).toBe(text.toString('utf8'));

    // At the hub, the GP retrieves the document's content as itself (IHE MHD), with consent and audit.
    const atHub = await stack.hubJson<Bundle>(
      `/fhir/DocumentReference?identifier=${encodeURIComponent(`${documentSystem()}|LETTER-A`)}`,
      'gp',
    );
    const hubUrl = (atHub.entry?.[0]?.resource as DocumentReference).content[0].attachment.url ?? '';
    expect(hubUrl).toMatch(/^Binary\/[0-9a-f]{64}$/);
    const raw = await fetch(`${stack.hub.url}/fhir/${hubUrl}`, {
      headers: { authorization: `Bearer ${await stack.token('gp')}`, accept: 'text/plain' },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await raw.text()).toBe(text.toString('utf8'));
  }, 120_000);

  it('refuses a document whose content fails its hash or the size limit: reported, never at the hub', async () => {
    const before = (await stack.connectorHealth('hospital')).sync.totals.pushRejected;
    await letterAtHospital('LETTER-BAD', Buffer.from('le contenu'), sha1(Buffer.from('un autre contenu')));
    await letterAtHospital('LETTER-BIG', Buffer.alloc(LIMIT + 1, 'x'));
    await stack.processes.until(
      'both refusals reported by the hospital connector',
      async () => (await stack.connectorHealth('hospital')).sync.totals.pushRejected >= before + 2,
    );
    for (const value of ['LETTER-BAD', 'LETTER-BIG']) {
      const atHub = await stack.hubJson<Bundle>(
        `/fhir/DocumentReference?identifier=${encodeURIComponent(`${documentSystem()}|${value}`)}`,
        'hospital',
      );
      expect(atHub.entry ?? []).toEqual([]);
    }
  }, 120_000);

  it('pushes the documents of one page together, as many as fit the size limit, each with its own content', async () => {
    // The hospital connector stopped: the letters wait, then come in one page.
    await stack.connectors.hospital!.kill('SIGTERM');
    // In push order: GROUP-1 (8,000 bytes); GROUP-BIG, which does not fit beside it (GROUP-1 is
    // sent, GROUP-BIG fetched again alone and refused as too large); GROUP-2 and GROUP-3 (16,000
    // bytes together, one transaction) with GROUP-BAD, failing its hash, refused between them.
    const letters = ['GROUP-1', 'GROUP-2', 'GROUP-3'].map((value, i) => ({
      value,
      text: Buffer.alloc(8_000, String.fromCharCode(97 + i)),
    }));
    await letterAtHospital(letters[0].value, letters[0].text);
    await letterAtHospital('GROUP-BIG', Buffer.alloc(LIMIT + 1, 'x'));
    await letterAtHospital(letters[1].value, letters[1].text);
    await letterAtHospital('GROUP-BAD', Buffer.from('le contenu'), sha1(Buffer.from('un autre')));
    await letterAtHospital(letters[2].value, letters[2].text);
    await stack.startConnector('hospital');
    await stack.processes.until(
      'the hospital connector pushed the letters',
      async () => (await stack.connectorHealth('hospital')).sync.totals.pushRejected >= 2,
    );

    for (const { value, text } of letters) {
      const [doc] = await stack.processes.until(`${value} at the GP`, async () => {
        const found = await documentsAt(stack.gp.baseUrl, value);
        return found.length > 0 && found;
      });
      const local = (await (
        await fetch(`${stack.gp.baseUrl}/${doc.content[0].attachment.url ?? ''}`)
      ).json()) as Binary;
      expect(Buffer.from(local.data ?? '', 'base64').equals(text)).toBe(true);
    }
    for (const value of ['GROUP-BIG', 'GROUP-BAD']) {
      const atHub = await stack.hubJson<Bundle>(
        `/fhir/DocumentReference?identifier=${encodeURIComponent(`${documentSystem()}|${value}`)}`,
        'hospital',
      );
      expect(atHub.entry ?? []).toEqual([]);
    }
    expect((await stack.connectorHealth('hospital')).sync.totals).toMatchObject({ pushRejected: 2 });
  }, 180_000);
});
