import { AUDIT_SCHEMA, AuditWriter } from '@passerelle/audit';
import { CONSENT_SCHEMA, ConsentService, PersonConsentSource } from '@passerelle/consent';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { AgencyService, IDENTITY_SCHEMA, PatientIndex } from '@passerelle/identity';
import { FhirRepository, type OpenDatabase, openDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { PermanentJobError } from '../queue/errors';
import { SYNC_SCHEMA } from '../schema';
import { Router } from './router';

describe.each(STORE_KINDS)('Router on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let router: Router;
  let audit: AuditWriter;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, {
      migrate: true,
      schemas: [IDENTITY_SCHEMA, CONSENT_SCHEMA, AUDIT_SCHEMA, SYNC_SCHEMA],
    });
    const dataSource = opened.dataSource;
    const index = new PatientIndex(dataSource);
    const repo = new FhirRepository(dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
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
});
