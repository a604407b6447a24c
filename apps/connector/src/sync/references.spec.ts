import type { DiagnosticReport, Encounter, Identifier, Observation, Patient } from 'fhir/r4';
import {
  conditionalReference,
  identifierKey,
  identifierToken,
  localTarget,
  logicalIdentifier,
  parseConditionalReference,
  resolveForApply,
  rewriteForPush,
  sameContent,
} from './references';

const BASE = 'http://ehr.local/fhir';
const MRN = 'https://chu.example/mrn';
const FINESS = 'urn:oid:1.2.250.1.71.4.2.2';

/** What the agency's server holds, by `Type/id`. */
const targets: Record<string, Identifier[]> = {
  'Patient/p1': [{ system: MRN, value: 'H-1' }],
  'Encounter/e1': [{ system: 'https://chu.example/enc', value: 'E|1,$' }],
  'Organization/o1': [
    { system: 'https://chu.example/org', value: 'gp-7' },
    { use: 'official', system: FINESS, value: '690999025' },
  ],
  'Practitioner/pr1': [{ system: 'https://chu.example/pract', value: 'PR1' }],
  'Practitioner/nobody': [],
};

const push = (resource: Parameters<typeof rewriteForPush>[0]) =>
  rewriteForPush(resource, {
    baseUrl: BASE,
    published: new Set(['Patient', 'Encounter', 'Observation']),
    identifiersOf: (type, id) => targets[`${type}/${id}`],
  });

describe('identifiers', () => {
  it('keys a resource by its first identifier with a system and a value', () => {
    expect(
      identifierKey({ resourceType: 'Patient', identifier: [{ value: 'x' }, { system: MRN, value: 'H-1' }] }),
    ).toEqual({
      system: MRN,
      value: 'H-1',
    });
    expect(identifierKey({ resourceType: 'Patient' })).toBeUndefined();
    // Composition.identifier is a single Identifier; DocumentReference may have only masterIdentifier.
    expect(
      identifierKey({
        resourceType: 'Composition',
        identifier: { system: 's', value: 'v' },
        status: 'final',
        type: {},
        date: '2026',
        author: [],
        title: 't',
      }),
    ).toEqual({ system: 's', value: 'v' });
    expect(
      identifierKey({
        resourceType: 'DocumentReference',
        status: 'current',
        content: [],
        masterIdentifier: { system: 'm', value: '1' },
      }),
    ).toEqual({ system: 'm', value: '1' });
  });

  it('prefers the official identifier for a logical reference', () => {
    expect(logicalIdentifier(targets['Organization/o1'])).toEqual({ system: FINESS, value: '690999025' });
    expect(logicalIdentifier(targets['Practitioner/pr1'])).toEqual({
      system: 'https://chu.example/pract',
      value: 'PR1',
    });
  });

  it('writes conditional references that parse back exactly, special characters included', () => {
    const key = { system: 'https://chu.example/enc', value: 'E|1,$ +\\' };
    expect(identifierToken(key)).toBe('https://chu.example/enc|E\\|1\\,\\$ +\\\\');
    const ref = conditionalReference('Encounter', key);
    expect(new URLSearchParams(ref.split('?')[1]).get('identifier')).toBe(identifierToken(key));
    expect(parseConditionalReference(ref)).toEqual({ type: 'Encounter', key });
  });

  it('reads the hub’s conditional references, encoded or not', () => {
    expect(parseConditionalReference(`Patient?identifier=${encodeURIComponent(MRN)}|G-1`)).toEqual({
      type: 'Patient',
      key: { system: MRN, value: 'G-1' },
    });
    expect(parseConditionalReference(`Patient?identifier=${MRN}|G-1`)?.key.value).toBe('G-1');
    expect(parseConditionalReference('Patient?name=x')).toBeUndefined();
    expect(parseConditionalReference('Patient?identifier=G-1')).toBeUndefined();
    expect(parseConditionalReference('Patient/1')).toBeUndefined();
  });

  it('recognises references to the agency’s own server', () => {
    expect(localTarget('Patient/p1', BASE)).toEqual({ type: 'Patient', id: 'p1' });
    expect(localTarget('Patient/p1/_history/3', BASE)).toEqual({ type: 'Patient', id: 'p1' });
    expect(localTarget(`${BASE}/Patient/p1`, BASE)).toEqual({ type: 'Patient', id: 'p1' });
    expect(localTarget('https://elsewhere.example/fhir/Patient/p1', BASE)).toBeUndefined();
    expect(localTarget('#contained', BASE)).toBeUndefined();
  });
});

describe('rewriteForPush', () => {
  it('names published targets by identifier, others by their official identifier, and drops the local id and meta', async () => {
    const observation: Observation = {
      resourceType: 'Observation',
      id: 'local-1',
      meta: {
        versionId: '4',
        lastUpdated: '2026-01-01T00:00:00Z',
        source: 'ehr',
        security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
      },
      identifier: [{ system: 'https://chu.example/obs', value: 'O-1' }],
      status: 'final',
      code: { text: 'Hb' },
      subject: { reference: 'Patient/p1', display: 'Claire Martin' },
      encounter: { reference: `${BASE}/Encounter/e1` },
      performer: [{ reference: 'Organization/o1', display: 'Cabinet' }, { reference: 'Practitioner/pr1' }],
    };
    const { resource, displayOnly } = await push(observation);
    expect(resource).toEqual({
      resourceType: 'Observation',
      meta: { security: observation.meta?.security },
      identifier: observation.identifier,
      status: 'final',
      code: { text: 'Hb' },
      subject: {
        reference: conditionalReference('Patient', { system: MRN, value: 'H-1' }),
        display: 'Claire Martin',
      },
      encounter: {
        reference: conditionalReference('Encounter', { system: 'https://chu.example/enc', value: 'E|1,$' }),
      },
      performer: [
        { identifier: { system: FINESS, value: '690999025' }, type: 'Organization', display: 'Cabinet' },
        { identifier: { system: 'https://chu.example/pract', value: 'PR1' }, type: 'Practitioner' },
      ],
    });
    expect(displayOnly).toBe(0);
    // The input is left as it was.
    expect(observation.id).toBe('local-1');
    expect(observation.subject?.reference).toBe('Patient/p1');
  });

  it('keeps only the display of a target without identifier, and drops a reference left empty', async () => {
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: { text: 'panel' },
      performer: [
        { reference: 'Practitioner/nobody', display: 'Dr X' },
        { reference: 'Practitioner/unknown' },
        { reference: 'urn:uuid:0b6b1b8e-0000-4000-8000-000000000000' },
      ],
      result: [{ reference: '#inline' }, { reference: 'https://lab.example/fhir/Observation/9' }],
    };
    const { resource, displayOnly } = await push(report);
    expect((resource as DiagnosticReport).performer).toEqual([{ display: 'Dr X' }]);
    expect((resource as DiagnosticReport).result).toEqual(report.result);
    expect(displayOnly).toBe(3);
  });

  it('leaves a published target without identifier as display only: the hub could not resolve it', async () => {
    const encounter: Encounter = {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'IMP' },
      subject: { reference: 'Patient/unknown', display: 'someone' },
    };
    expect((await push(encounter)).resource).toMatchObject({ subject: { display: 'someone' } });
    expect(((await push(encounter)).resource as Encounter).subject?.reference).toBeUndefined();
  });
});

describe('resolveForApply', () => {
  const local: Record<string, string> = { [`Patient|${MRN}|G-1`]: 'Patient/42' };
  const resolve = (type: string, key: { system: string; value: string }) =>
    Promise.resolve(local[`${type}|${key.system}|${key.value}`]);

  it('resolves conditional references to local ids and keeps the origin in meta.source', async () => {
    const fromHub: Encounter = {
      resourceType: 'Encounter',
      id: 'hub-id',
      meta: { versionId: '2', lastUpdated: '2026-01-01T00:00:00Z', source: 'urn:passerelle:agency:chu' },
      identifier: [{ system: 'https://chu.example/enc', value: 'E-1' }],
      status: 'finished',
      class: { code: 'IMP' },
      subject: { reference: `Patient?identifier=${encodeURIComponent(MRN)}|G-1` },
      partOf: { reference: 'Encounter?identifier=https%3A%2F%2Fchu.example%2Fenc|E-0', display: 'stay' },
      serviceProvider: { reference: 'Organization/hub-org-id' },
      participant: [{ individual: { identifier: { system: 'rpps', value: '1' }, type: 'Practitioner' } }],
    };
    const { resource, displayOnly } = await resolveForApply(fromHub, resolve);
    expect(resource).toEqual({
      resourceType: 'Encounter',
      meta: { source: 'urn:passerelle:agency:chu' },
      identifier: fromHub.identifier,
      status: 'finished',
      class: { code: 'IMP' },
      subject: { reference: 'Patient/42' },
      partOf: { display: 'stay' },
      participant: fromHub.participant,
    });
    expect(displayOnly).toBe(2);
  });
});

describe('sameContent', () => {
  it('ignores ids, server meta and key order, but not labels or data', () => {
    const a: Patient = {
      resourceType: 'Patient',
      id: '1',
      meta: { versionId: '3' },
      gender: 'female',
      birthDate: '1971',
    };
    const b: Patient = {
      birthDate: '1971',
      gender: 'female',
      resourceType: 'Patient',
      id: '9',
      meta: { lastUpdated: 'x' },
    };
    expect(sameContent(a, b)).toBe(true);
    expect(sameContent(a, { ...b, gender: 'male' })).toBe(false);
    expect(sameContent(a, { ...b, meta: { security: [{ code: 'R' }] } })).toBe(false);
  });
});
