import type { Binary, DocumentReference, Patient } from 'fhir/r4';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { IDENTITY_SCHEMA, INS_SYSTEM, PatientIndex, qualifiedInsExtension } from '@passerelle/identity';
import { type Actor, FhirRepository, openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, insertAgencyRow, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { asker } from './consent.fixtures';
import { ConsentService } from './consent.service';
import { factsOf } from './facts';
import { PersonConsentSource } from './person-consent-source';
import { maintainCareRelationships } from './relationships/care-relationships';
import { CONSENT_SCHEMA } from './schema';
import { ConsentScopedRepository } from './scoped/consent-scoped-repository';
import type { DisclosureRecord } from './scoped/disclosure';
import { PageBinding } from './scoped/page-binding';
import { CONFIDENTIALITY_SYSTEM } from './vocabulary';

const INS = '275034412345657'; // a valid NIR with its key
const hospital: Actor = { agency: 'chu-nantes', requestId: 'test' };
const gp: Actor = { agency: 'gp-durand', requestId: 'test' };
const KINDS = { 'chu-nantes': 'hospital', 'gp-durand': 'gp', 'chu-rennes': 'hospital' } as const;

/**
 * A Binary that is a shared document's content is disclosed as that DocumentReference is, never
 * more: an agency without a care relationship gets nothing, a sensitive label on the document
 * hides its content, and a Binary the document does not cite stays its sender's alone.
 */
describe.each(STORE_KINDS)('the content of a shared document on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  let service: ConsentService;
  let document: DocumentReference;
  const manager = () => opened.dataSource.manager;
  const binary = (id: string, documentId: string): Binary => ({
    resourceType: 'Binary',
    id,
    contentType: 'text/plain',
    securityContext: { reference: `DocumentReference/${documentId}` },
    data: Buffer.from('Compte rendu de sortie').toString('base64'),
  });
  const decideOn = async (agency: string, id: string) => {
    const stored = await repo.internal.read('Binary', id);
    return (await service.decideAll(manager(), asker(agency, 'TREAT'), [factsOf(stored)]))[0];
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [IDENTITY_SCHEMA, CONSENT_SCHEMA] });
    const index = new PatientIndex(opened.dataSource);
    repo = new FhirRepository(opened.dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
      afterWrite: [index.linkWrittenPatients, maintainCareRelationships],
    });
    for (const [id, k] of Object.entries(KINDS)) await insertAgencyRow(manager(), id, k);
    service = new ConsentService(new PersonConsentSource(repo), {
      model: 'implied',
      breakGlass: 'forbidden',
    });
    // The same person at the hospital and at the GP (one qualified INS): the GP has a care relationship.
    const person = (agency: string): Patient => ({
      resourceType: 'Patient',
      extension: [qualifiedInsExtension()],
      identifier: [
        { system: `https://${agency}.example/mrn`, value: 'm1' },
        { system: INS_SYSTEM, value: INS },
      ],
      name: [{ use: 'official', family: 'Morel', given: ['Lucie'] }],
      birthDate: '1975-03-04',
      gender: 'female',
    });
    const patientId = (await repo.create(hospital, 'Patient', person('chu-nantes'))).stored.id;
    await repo.create(gp, 'Patient', person('gp-durand'));
    const created = await repo.create(hospital, 'DocumentReference', {
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: `Patient/${patientId}` },
      content: [{ attachment: { contentType: 'text/plain', url: 'Binary/doc-content-1' } }],
    });
    document = JSON.parse(created.stored.json!) as DocumentReference;
    await repo.update(hospital, 'Binary', 'doc-content-1', binary('doc-content-1', document.id!));
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('decides a cited Binary as its document: the care team sees it, another agency does not', async () => {
    expect(await decideOn('gp-durand', 'doc-content-1')).toEqual({
      permit: true,
      breakGlass: false,
      basis: 'base-implied',
      contentOf: { documentId: document.id, patientIds: [document.subject!.reference!.split('/')[1]] },
    });
    expect(await decideOn('chu-rennes', 'doc-content-1')).toMatchObject({
      permit: false,
      basis: 'no-care-relationship',
    });
    expect(await decideOn('chu-nantes', 'doc-content-1')).toEqual({
      permit: true,
      breakGlass: false,
      basis: 'own-data',
    });
  });

  it('keeps a Binary its document does not cite, or another sender wrote, sender-only', async () => {
    await repo.update(hospital, 'Binary', 'uncited', binary('uncited', document.id!));
    expect(await decideOn('gp-durand', 'uncited')).toEqual({ permit: false, basis: 'sender-only' });
    // The GP names the hospital's document as its own Binary's context: it borrows nothing.
    await repo.update(gp, 'Binary', 'borrowed', binary('borrowed', document.id!));
    await repo.update(hospital, 'DocumentReference', document.id!, {
      ...document,
      content: [...document.content, { attachment: { url: 'Binary/borrowed' } }],
    });
    expect(await decideOn('chu-nantes', 'borrowed')).toEqual({ permit: false, basis: 'sender-only' });
  });

  it('answers a read of the content as it answers one of the document, and audits it under its patient', async () => {
    const records: DisclosureRecord[] = [];
    const scope = (agency: string) =>
      new ConsentScopedRepository(
        {
          repo,
          consent: service,
          auditor: {
            record: (r) => Promise.resolve(void records.push(...r)),
            recordIn: (_db, r) => Promise.resolve(void records.push(...r)),
          },
          notifier: { breakGlass: () => Promise.resolve() },
          pages: new PageBinding(Buffer.from('k'.repeat(32))),
        },
        { ...asker(agency, 'TREAT'), requestId: 'r' },
      );
    const read = await scope('gp-durand').read('Binary', 'doc-content-1');
    expect(read.id).toBe('doc-content-1');
    const patientId = document.subject!.reference!.split('/')[1];
    expect(records).toEqual([
      expect.objectContaining({ interaction: 'read', outcome: 'success', patientId }),
    ]);
    for (const type of ['Binary', 'DocumentReference'] as const)
      await expect(
        scope('chu-rennes').read(type, type === 'Binary' ? 'doc-content-1' : document.id!),
      ).rejects.toMatchObject({ status: 404 });
    expect(records.slice(1)).toEqual([
      expect.objectContaining({ outcome: 'denied', patientId }),
      expect.objectContaining({ outcome: 'denied', patientId }),
    ]);
  });

  it('hides the content as soon as the document is labelled sensitive', async () => {
    const current = JSON.parse(
      (await repo.internal.read('DocumentReference', document.id!)).json!,
    ) as DocumentReference;
    await repo.update(hospital, 'DocumentReference', document.id!, {
      ...current,
      meta: { security: [{ system: CONFIDENTIALITY_SYSTEM, code: 'R' }] },
    });
    expect(await decideOn('gp-durand', 'doc-content-1')).toMatchObject({
      permit: false,
      basis: 'sensitive-needs-permit',
    });
  });
});
