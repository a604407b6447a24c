import type { Composition, Observation, Patient } from 'fhir/r4';
import { OperationOutcomeError } from '../outcomes';
import { parseSearchQuery } from '../search/query';
import { parseElements, parseSummary, SUBSETTED_TAG, subsetResource } from './subset';

const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '2', tag: [{ system: 'urn:x', code: 'y' }] },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Hélène Dupont</div>' },
  extension: [{ url: 'urn:ext', valueString: 'x' }],
  modifierExtension: [{ url: 'urn:mod', valueBoolean: true }],
  identifier: [{ system: 'urn:oid:1.2.250.1.213.1.4.8', value: '1800575123456' }],
  name: [{ family: 'Dupont', given: ['Hélène'] }],
  birthDate: '1980-03-15',
  _birthDate: { extension: [{ url: 'urn:time', valueString: '10:00' }] },
  deceasedBoolean: false,
  maritalStatus: { text: 'married' },
  generalPractitioner: [{ reference: 'Organization/gp' }],
  contact: [{ name: { family: 'Martin' }, modifierExtension: [{ url: 'urn:m', valueCode: 'a' }] }],
  communication: [{ language: { text: 'fr' }, preferred: true }],
  link: [{ other: { reference: 'Patient/p2' }, type: 'seealso', id: 'l1' }],
};

const parse = (params: Record<string, string>) =>
  parseSearchQuery('Patient', params, { strict: true, defaultCount: 20, maxCount: 100, localBases: [] });

describe('_summary and _elements', () => {
  it('_summary=true keeps the elements the definitions mark as summary, and mandatory ones', () => {
    const out = subsetResource(patient, { kind: 'summary', mode: 'true' });
    expect(Object.keys(out).sort()).toEqual(
      [
        'resourceType',
        'id',
        'meta',
        'modifierExtension',
        'identifier',
        'name',
        'birthDate',
        '_birthDate',
        'deceasedBoolean',
        'link',
      ].sort(),
    );
    // Backbone elements: only their summary (or mandatory) elements.
    expect(out.link).toEqual([{ other: { reference: 'Patient/p2' }, type: 'seealso' }]);
    expect(out.meta?.tag).toEqual([{ system: 'urn:x', code: 'y' }, SUBSETTED_TAG]);
    // The stored resource is not changed.
    expect(patient.meta?.tag).toHaveLength(1);
    expect(patient.text).toBeDefined();
  });

  it('_summary=true follows a repeated element (contentReference) into its children', () => {
    const composition: Composition = {
      resourceType: 'Composition',
      status: 'final',
      type: { text: 'letter' },
      date: '2024-01-01',
      author: [{ reference: 'Practitioner/a' }],
      title: 'Letter',
      section: [
        {
          title: 'A',
          text: { status: 'generated', div: '<div/>' },
          section: [{ title: 'B', code: { text: 'b' } }],
        },
      ],
    };
    const out = subsetResource(composition, { kind: 'summary', mode: 'true' });
    expect(out.section).toBeUndefined(); // Composition.section is not a summary element
    expect(out).toMatchObject({ status: 'final', title: 'Letter', date: '2024-01-01' });
  });

  it('_summary=text keeps the narrative, id, meta and the mandatory elements', () => {
    const obs: Observation = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { text: 'glucose' },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">glucose 5</div>' },
      valueQuantity: { value: 5 },
      subject: { reference: 'Patient/p1' },
    };
    const out = subsetResource(obs, { kind: 'summary', mode: 'text' });
    expect(Object.keys(out).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'text']);
    expect(out.meta?.tag).toEqual([SUBSETTED_TAG]);
  });

  it('_summary=data leaves the narrative out', () => {
    const out = subsetResource(patient, { kind: 'summary', mode: 'data' });
    expect(out.text).toBeUndefined();
    expect(out.maritalStatus).toEqual({ text: 'married' });
    expect(out.meta?.tag).toContainEqual(SUBSETTED_TAG);
  });

  it('_elements keeps what is named, a choice by its name, id, meta and mandatory elements', () => {
    const out = subsetResource(patient, parseElements('Patient', 'birthDate,deceased,generalPractitioner'));
    expect(Object.keys(out).sort()).toEqual(
      [
        'resourceType',
        'id',
        'meta',
        'birthDate',
        '_birthDate',
        'deceasedBoolean',
        'generalPractitioner',
      ].sort(),
    );
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      valueString: 'v',
    };
    // An included Observation: Patient's names do not apply to it; its mandatory elements stay.
    expect(subsetResource(obs, parseElements('Patient', 'name,Observation.value'))).toEqual({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      valueString: 'v',
      meta: { tag: [SUBSETTED_TAG] },
    });
  });

  it('refuses what it cannot honour, naming it', () => {
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof OperationOutcomeError ? e.outcome.issue[0].diagnostics : String(e);
      }
      return 'no error';
    };
    expect(message(() => parseElements('Patient', 'colour'))).toMatch(/Patient has no element colour/);
    expect(message(() => parseElements('Patient', 'name.family'))).toMatch(/top-level/);
    expect(message(() => parseElements('Patient', 'Potato.name'))).toMatch(/unknown resource type Potato/);
    expect(message(() => parseSummary('maybe'))).toMatch(/_summary: maybe/);
    expect(message(() => parse({ _summary: 'true', _elements: 'name' }))).toMatch(/one of them/);
  });

  it('parses into the query: count is a total, the others a subset', () => {
    expect(parse({ _summary: 'count' }).summaryCount).toBe(true);
    expect(parse({ _summary: 'false' }).subset).toBeUndefined();
    expect(parse({ _summary: 'text' }).subset).toEqual({ kind: 'summary', mode: 'text' });
    expect(parse({ _elements: 'name,birthDate' }).subset).toEqual({
      kind: 'elements',
      names: ['name', 'birthDate'],
    });
    expect(parse({ _elements: 'name' }).echo).toEqual([['_elements', 'name']]);
  });
});
