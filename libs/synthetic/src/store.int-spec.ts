import type { Bundle, DiagnosticReport, FhirResource } from 'fhir/r4';
import { getFhirSchemaValidator, type SupportedType } from '@passerelle/fhir';
import {
  type Actor,
  ALL_VISIBLE,
  BundleProcessor,
  FhirRepository,
  openDatabase,
  type OpenDatabase,
  parseStored,
} from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { conditionalReferenceFor, defaultAgencies, generatePatient, toTransactionBundle } from './index';

/** The generated transactions go through the hub's own Bundle processing, both ways. */
describe.each(STORE_KINDS)('synthetic transactions in the store on %s', (kind) => {
  const actor: Actor = { agency: 'hospital', requestId: 'synthetic' };
  const agency = defaultAgencies('FR').hospital;
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  let processor: BundleProcessor;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
    });
    processor = new BundleProcessor(repo, () => {
      throw new Error('The generator writes no GET entries');
    });
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  const statuses = (response: Bundle) => (response.entry ?? []).map((e) => e.response?.status);
  const count = async (type: SupportedType) =>
    (await repo.search({ actor, visible: ALL_VISIBLE }, repo.parseQuery(type, { _summary: 'count' }, true)))
      .total;
  const find = async <T extends FhirResource>(resource: T): Promise<T> => {
    const [type, criteria] = conditionalReferenceFor(resource).split('?');
    const query = repo.parseQuery(
      type as SupportedType,
      Object.fromEntries(new URLSearchParams(criteria)),
      true,
    );
    const page = await repo.search({ actor, visible: ALL_VISIBLE }, query);
    expect(page.entries).toHaveLength(1);
    return parseStored<T>(page.entries[0].stored);
  };

  it('creates two patients, sharing the directory, with every urn:uuid resolved', async () => {
    const first = generatePatient({ seed: 1, index: 0, agency });
    const second = generatePatient({ seed: 1, index: 1, agency });
    expect(new Set(statuses(await processor.process(actor, toTransactionBundle(first, 'create'))))).toEqual(
      new Set(['201 Created']),
    );
    const again = statuses(await processor.process(actor, toTransactionBundle(second, 'create')));
    // Both organizations exist already; the practitioner may be the same one.
    expect(again.slice(0, 2)).toEqual(['200 OK', '200 OK']);
    expect(again.slice(3)).toEqual(Array(second.entries.length - 3).fill('201 Created'));
    expect(await count('Organization')).toBe(2);
    expect(await count('Patient')).toBe(2);

    const report = await find<DiagnosticReport>(first.diagnosticReports[0]);
    expect(report.subject?.reference).toMatch(/^Patient\/[A-Za-z0-9\-.]+$/);
    for (const result of report.result ?? [])
      expect(result.reference).toMatch(/^Observation\/[A-Za-z0-9\-.]+$/);
  });

  it('pushes a conditional-update transaction idempotently', async () => {
    const bundle = toTransactionBundle(
      generatePatient({ seed: 2, agency, country: 'GB' }),
      'conditional-update',
    );
    await processor.process(actor, bundle);
    const observations = await count('Observation');
    expect(new Set(statuses(await processor.process(actor, bundle)))).toEqual(new Set(['200 OK']));
    expect(await count('Observation')).toBe(observations);
    expect(await count('Patient')).toBe(3);
  });
});
