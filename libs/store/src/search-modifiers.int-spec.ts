import type { Encounter, Location, Observation, Patient, Resource } from 'fhir/r4';
import {
  getFhirSchemaValidator,
  OperationOutcomeError,
  type QueryParams,
  type SupportedType,
} from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { openDatabase, type OpenDatabase } from './data-source';
import { FhirRepository } from './fhir-repository';
import { ALL_VISIBLE, type Visibility } from './paging';
import type { StoredResource } from './types';

const actor = { agency: 'hospital-1', requestId: 'test' };
const PROFILE = 'http://example.org/fhir/StructureDefinition';

describe.each(STORE_KINDS)('search modifiers on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  const ids = new Map<string, string>();

  const put = async (label: string, resource: Resource) => {
    const { stored } = await repo.create(actor, resource.resourceType as SupportedType, resource);
    ids.set(stored.id, label);
  };
  const find = async (
    type: SupportedType,
    params: QueryParams,
    visible: Visibility<StoredResource> = ALL_VISIBLE,
  ) =>
    (await repo.search({ actor, visible }, repo.parseQuery(type, params, true))).entries
      .map((e) => ids.get(e.stored.id) ?? e.stored.id)
      .sort();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: [],
      validator: getFhirSchemaValidator(),
      defaultCount: 50,
      maxCount: 100,
    });
    const patient = (label: string, extra: Partial<Patient>): Patient => ({
      resourceType: 'Patient',
      identifier: [{ system: 'urn:mod', value: label }],
      ...extra,
    });
    await put(
      'p-full',
      patient('p-full', {
        meta: { profile: [`${PROFILE}/fr-patient`] },
        name: [{ family: 'Full' }],
        birthDate: '1980-01-01',
        gender: 'female',
        generalPractitioner: [{ reference: 'Organization/gp' }],
      }),
    );
    await put('p-v2', patient('p-v2', { meta: { profile: [`${PROFILE}/fr-patient-v2`] } }));
    await put(
      'p-other',
      patient('p-other', { meta: { profile: ['http://other.org/fhir/StructureDefinition/x'] } }),
    );
    await put('p-bare', patient('p-bare', {}));
    const obs = (label: string, extra: Partial<Observation>): Observation => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      identifier: [{ system: 'urn:mod', value: label }],
      ...extra,
    });
    await put(
      'o-qty',
      obs('o-qty', {
        valueQuantity: { value: 60, system: 'http://unitsofmeasure.org', code: '/min' },
        effectiveDateTime: '2024-01-01',
        component: [{ code: { text: 'c' }, valueQuantity: { value: 1 } }],
      }),
    );
    await put('o-none', obs('o-none', {}));
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it(':below on a uri finds the uris it starts, :above those that start it', async () => {
    expect(await find('Patient', { '_profile:below': `${PROFILE}/` })).toEqual(['p-full', 'p-v2']);
    expect(await find('Patient', { '_profile:below': `${PROFILE}/fr-patient` })).toEqual(['p-full', 'p-v2']);
    expect(await find('Patient', { '_profile:below': `${PROFILE}/fr-patient-v` })).toEqual(['p-v2']);
    expect(await find('Patient', { '_profile:above': `${PROFILE}/fr-patient-v2/_history/3` })).toEqual([
      'p-full',
      'p-v2',
    ]);
    expect(await find('Patient', { '_profile:above': `${PROFILE}/fr-patient` })).toEqual(['p-full']);
    // LIKE's wildcards are literal: `%` matches a per cent sign only.
    expect(await find('Patient', { '_profile:below': 'http://%' })).toEqual([]);
    expect(await find('Patient', { '_profile:below': 'http://other.org/,http://example.org/' })).toEqual([
      'p-full',
      'p-other',
      'p-v2',
    ]);
  });

  it(':missing on every kind of parameter', async () => {
    const both = async (type: SupportedType, name: string) => [
      await find(type, { [`${name}:missing`]: 'false', identifier: 'urn:mod|' }),
      await find(type, { [`${name}:missing`]: 'true', identifier: 'urn:mod|' }),
    ];
    expect(await both('Patient', 'family')).toEqual([['p-full'], ['p-bare', 'p-other', 'p-v2']]); // string
    expect(await both('Patient', 'gender')).toEqual([['p-full'], ['p-bare', 'p-other', 'p-v2']]); // token
    expect(await both('Patient', 'birthdate')).toEqual([['p-full'], ['p-bare', 'p-other', 'p-v2']]); // date
    expect(await both('Patient', 'general-practitioner')).toEqual([
      ['p-full'],
      ['p-bare', 'p-other', 'p-v2'],
    ]); // reference
    expect(await both('Patient', '_profile')).toEqual([['p-full', 'p-other', 'p-v2'], ['p-bare']]); // uri
    expect(await both('Observation', 'value-quantity')).toEqual([['o-qty'], ['o-none']]); // quantity
    expect(await both('Observation', 'combo-code-value-quantity')).toEqual([['o-qty'], ['o-none']]); // composite
  });

  it('refuses, naming it and saying why, what needs a terminology server or a ValueSet', async () => {
    const message = async (params: QueryParams, type: SupportedType = 'Observation') => {
      try {
        await find(type, params);
      } catch (e) {
        if (e instanceof OperationOutcomeError) return e.outcome.issue[0].diagnostics;
      }
      return 'no error';
    };
    expect(await message({ 'code:in': 'http://example.org/ValueSet/x' })).toMatch(
      /code:in: the hub holds no ValueSets/,
    );
    expect(await message({ 'code:not-in': 'http://example.org/ValueSet/x' })).toMatch(/code:not-in/);
    expect(await message({ 'code:below': 'http://snomed.info/sct|73211009' })).toMatch(
      /code:below: subsumption needs a terminology server/,
    );
    expect(await message({ 'code:above': '73211009' })).toMatch(/code:above/);
    expect(await message({ 'patient:below': 'Patient/1' })).toMatch(
      /patient:below: Patient has no hierarchy/,
    );
    expect(await message({ 'family:below': 'x' }, 'Patient')).toMatch(
      /modifier :below is not supported on string/,
    );
  });

  describe('hierarchies through references (:above, :below)', () => {
    const at = new Map<string, string>();
    beforeAll(async () => {
      // site > building > ward > room; elsewhere stands alone.
      let parent: string | undefined;
      for (const name of ['site', 'building', 'ward', 'room', 'elsewhere']) {
        const location: Location = {
          resourceType: 'Location',
          name,
          ...(parent && name !== 'elsewhere' && { partOf: { reference: `Location/${parent}` } }),
        };
        const { stored } = await repo.create(actor, 'Location', location);
        ids.set(stored.id, name);
        at.set(name, stored.id);
        parent = stored.id;
      }
      for (const name of ['site', 'building', 'ward', 'room', 'elsewhere']) {
        const encounter: Encounter = {
          resourceType: 'Encounter',
          status: 'finished',
          class: { code: 'AMB' },
          location: [{ location: { reference: `Location/${at.get(name)}` } }],
        };
        await put(`enc-${name}`, encounter);
      }
    });
    const loc = (name: string) => `Location/${at.get(name)}`;

    it(':below finds the root and everything within it, :above the root and what holds it', async () => {
      expect(await find('Encounter', { 'location:below': loc('building') })).toEqual([
        'enc-building',
        'enc-room',
        'enc-ward',
      ]);
      expect(await find('Encounter', { 'location:above': loc('ward') })).toEqual([
        'enc-building',
        'enc-site',
        'enc-ward',
      ]);
      expect(await find('Location', { 'partof:below': loc('site') })).toEqual(['building', 'room', 'ward']);
      expect(await find('Encounter', { 'location:below': `${loc('room')},${loc('elsewhere')}` })).toEqual([
        'enc-elsewhere',
        'enc-room',
      ]);
    });

    it('walks only through what the caller may see', async () => {
      const hidden = at.get('ward');
      const visible: Visibility<StoredResource> = (rows) => Promise.resolve(rows.map((r) => r.id !== hidden));
      // The room is within the ward: unseen, the ward hides that the room is in the building.
      expect(await find('Encounter', { 'location:below': loc('building') }, visible)).toEqual([
        'enc-building',
      ]);
      // The room (seen) says it is in the ward; what holds the ward (unseen) is not followed.
      expect(await find('Encounter', { 'location:above': loc('room') }, visible)).toEqual([
        'enc-room',
        'enc-ward',
      ]);
    });
  });
});
