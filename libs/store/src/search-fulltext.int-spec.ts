import type { Composition, DocumentReference, Patient, Resource } from 'fhir/r4';
import { getFhirSchemaValidator, type QueryParams, type SupportedType } from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { openDatabase, type OpenDatabase } from './data-source';
import { FhirRepository } from './fhir-repository';
import { ALL_VISIBLE, type Visibility } from './paging';
import type { StoredResource } from './types';

const actor = { agency: 'hospital-1', requestId: 'test' };
const div = (text: string) => ({
  status: 'generated' as const,
  div: `<div xmlns="http://www.w3.org/1999/xhtml">${text}</div>`,
});

describe.each(STORE_KINDS)('_text and _content on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  const labels = new Map<string, string>();

  const put = async (label: string, resource: Resource) => {
    const { stored } = await repo.create(actor, resource.resourceType as SupportedType, resource);
    labels.set(stored.id, label);
  };
  const find = async (
    type: SupportedType,
    params: QueryParams,
    visible: Visibility<StoredResource> = ALL_VISIBLE,
  ) =>
    (await repo.search({ actor, visible }, repo.parseQuery(type, params, true))).entries
      .map((e) => labels.get(e.stored.id))
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
    const letter = (text: string, title: string): Composition => ({
      resourceType: 'Composition',
      status: 'final',
      type: { text: 'letter' },
      date: '2024-01-01',
      author: [{ display: 'Dr Martin' }],
      title,
      text: div(text),
    });
    await put(
      'shoulder',
      letter('<p>Compte rendu d&apos;hospitalisation : <b>ÉPAULE</b> droite</p>', 'Orthopédie'),
    );
    await put('knee', letter('<p>Compte rendu de consultation : genou gauche, Hélène</p>', 'Rhumatologie'));
    await put('hip', letter('<p>Hanche : prothèse posée</p>', 'Chirurgie'));
    const doc: DocumentReference = {
      resourceType: 'DocumentReference',
      status: 'current',
      description: 'Lettre de sortie, service de cardiologie',
      content: [{ attachment: { contentType: 'text/plain', title: 'Sortie' } }],
    };
    await put('doc', doc);
    const patient: Patient = { resourceType: 'Patient', name: [{ family: 'Lefèvre', given: ['Hélène'] }] };
    await put('patient', patient);
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('_text: whole words of the narrative, case and accents ignored, markup not', async () => {
    expect(await find('Composition', { _text: 'epaule' })).toEqual(['shoulder']);
    expect(await find('Composition', { _text: 'Épaule' })).toEqual(['shoulder']);
    expect(await find('Composition', { _text: 'helene' })).toEqual(['knee']);
    expect(await find('Composition', { _text: 'compte rendu' })).toEqual(['knee', 'shoulder']);
    expect(await find('Composition', { _text: 'genou or hanche' })).toEqual(['hip', 'knee']);
    expect(await find('Composition', { _text: 'compte -genou' })).toEqual(['shoulder']);
    expect(await find('Composition', { _text: '"rendu de consultation"' })).toEqual(['knee']);
    // Neither markup, nor what is outside the narrative, nor part of a word.
    expect(await find('Composition', { _text: 'div' })).toEqual([]);
    expect(await find('Composition', { _text: 'orthopedie' })).toEqual([]);
    expect(await find('Composition', { _text: 'epau' })).toEqual([]);
  });

  it('_content: every string of the resource, not its element names', async () => {
    expect(await find('Composition', { _content: 'orthopedie' })).toEqual(['shoulder']);
    expect(await find('Composition', { _content: 'martin' })).toEqual(['hip', 'knee', 'shoulder']);
    expect(await find('DocumentReference', { _content: 'cardiologie sortie' })).toEqual(['doc']);
    expect(await find('Patient', { _content: 'lefevre' })).toEqual(['patient']);
    expect(await find('Patient', { _content: 'family' })).toEqual([]);
    expect(await find('Composition', { _content: 'hanche', _text: 'prothese' })).toEqual(['hip']);
  });

  it('finds nothing the caller may not see', async () => {
    const visible: Visibility<StoredResource> = (rows) =>
      Promise.resolve(rows.map((r) => labels.get(r.id) !== 'knee'));
    expect(await find('Composition', { _text: 'compte' }, visible)).toEqual(['shoulder']);
    const page = await repo.search(
      { actor, visible },
      repo.parseQuery('Composition', { _text: 'genou' }, true),
    );
    expect(page.total).toBe(0);
  });
});
