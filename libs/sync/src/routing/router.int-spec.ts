import { AUDIT_SCHEMA, AuditWriter } from '@passerelle/audit';
import {
  CONSENT_SCHEMA,
  ConsentService,
  maintainCareRelationships,
  PersonConsentSource,
} from '@passerelle/consent';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { AgencyService, IDENTITY_SCHEMA, PatientIndex } from '@passerelle/identity';
import { type Actor, FhirRepository, type OpenDatabase, openDatabase } from '@passerelle/store';
import { createTestDatabase, insertAgencyRow, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import type { Binary, Condition, DocumentReference, Patient, ServiceRequest } from 'fhir/r4';
import { writeOutbox } from '../outbox/outbox';
import { PermanentJobError } from '../queue/errors';
import { SYNC_SCHEMA } from '../schema';
import { Router } from './router';

describe.each(STORE_KINDS)('Router on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let router: Router;
  let audit: AuditWriter;
  let repo: FhirRepository;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, {
      migrate: true,
      schemas: [IDENTITY_SCHEMA, CONSENT_SCHEMA, AUDIT_SCHEMA, SYNC_SCHEMA],
    });
    const dataSource = opened.dataSource;
    const index = new PatientIndex(dataSource);
    repo = new FhirRepository(dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
      afterWrite: [index.linkWrittenPatients, maintainCareRelationships, writeOutbox],
    });
    audit = new AuditWriter(dataSource);
    router = new Router({
      dataSource,
      repo,
      consent: new ConsentService(new PersonConsentSource(repo), {
        model: 'implied',
        breakGlass: 'forbidden',
      }),
      audit,
      linkedPatients: (tx, ids) => index.linkedPatientsMany(tx, ids),
      agencies: new AgencyService(dataSource, repo),
    });
  });
  afterAll(async () => {
    await audit.close();
    await opened.close();
    await db.drop();
  });

  it('refuses, for good, a range that is not outbox ids (a hand-made or replayed job)', async () => {
    for (const [from, through] of [
      ['o1', 'o1'],
      ['1', 'x'],
      ['0', '5'],
      ['1', '99999999999999999999'],
    ])
      await expect(router.route(from, through)).rejects.toBeInstanceOf(PermanentJobError);
  });

  it('settles nothing when no row of the range waits', async () => {
    expect(await router.route('1', '100')).toEqual({ rows: 0, delivered: 0, denied: 0 });
  });

  it('routes a batch of documents and referrals with their content and context, read for the whole batch', async () => {
    const db = opened.dataSource.manager;
    for (const [id, k] of [
      ['chu', 'hospital'],
      ['cabinet', 'gp'],
      ['psy', 'specialist'],
    ] as const)
      await insertAgencyRow(db, id, k);
    const chu: Actor = { agency: 'chu', requestId: 'test' };
    const [{ n: before }] = await db.query<{ n: string }[]>(
      'SELECT coalesce(max(id), 0) AS n FROM sync_outbox',
    );
    const patients: string[] = [];
    const documents: string[] = [];
    const referrals: { request: string; condition: string }[] = [];
    // Two persons, each with a discharge summary (content as a Binary) and a referral to psy.
    for (const mrn of ['m1', 'm2']) {
      const patient: Patient = {
        resourceType: 'Patient',
        identifier: [{ system: 'https://chu.example/mrn', value: mrn }],
        generalPractitioner: [{ reference: 'Organization/cabinet' }],
      };
      const patientId = (await repo.create(chu, 'Patient', patient)).stored.id;
      patients.push(patientId);
      const document: DocumentReference = {
        resourceType: 'DocumentReference',
        status: 'current',
        subject: { reference: `Patient/${patientId}` },
        content: [{ attachment: { contentType: 'text/plain', url: `Binary/content-${mrn}` } }],
      };
      const documentId = (await repo.create(chu, 'DocumentReference', document)).stored.id;
      documents.push(documentId);
      const binary: Binary = {
        resourceType: 'Binary',
        id: `content-${mrn}`,
        contentType: 'text/plain',
        securityContext: { reference: `DocumentReference/${documentId}` },
        data: Buffer.from(`summary ${mrn}`).toString('base64'),
      };
      await repo.update(chu, 'Binary', binary.id!, binary);
      const condition: Condition = {
        resourceType: 'Condition',
        subject: { reference: `Patient/${patientId}` },
        code: { text: 'insomnia' },
      };
      const conditionId = (await repo.create(chu, 'Condition', condition)).stored.id;
      const request: ServiceRequest = {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${patientId}` },
        performer: [{ reference: 'Organization/psy' }],
        reasonReference: [{ reference: `Condition/${conditionId}` }],
      };
      referrals.push({
        request: (await repo.create(chu, 'ServiceRequest', request)).stored.id,
        condition: conditionId,
      });
    }
    const [{ n: through }] = await db.query<{ n: string }[]>('SELECT max(id) AS n FROM sync_outbox');

    const result = await router.route(String(Number(before) + 1), String(through));
    expect(result).toMatchObject({ rows: 10, denied: 0 });
    const feed = await db.query<
      { agency_id: string; resource_type: string; resource_id: string; rule: string }[]
    >('SELECT agency_id, resource_type, resource_id, rule FROM sync_feed ORDER BY seq');
    const of = (agency: string) =>
      feed.filter((f) => f.agency_id === agency).map((f) => `${f.rule} ${f.resource_type}/${f.resource_id}`);
    // The GP of record: each document, its content just before it.
    expect(of('cabinet')).toEqual(
      documents.flatMap((id, i) => [
        `document-content Binary/content-m${i + 1}`,
        `gp-of-record DocumentReference/${id}`,
      ]),
    );
    // The referral's performer: each referral, then its patient record and its reason as they are now.
    expect(of('psy')).toEqual(
      referrals.flatMap(({ request, condition }, i) => [
        `referral-performer ServiceRequest/${request}`,
        `referral-context Patient/${patients[i]}`,
        `referral-context Condition/${condition}`,
      ]),
    );
    expect(result.delivered).toBe(feed.length);
  });
});
