import type { Bundle, Composition, CompositionSection, Extension, Resource } from 'fhir/r4';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { buildSummary, type BuildSummaryInput } from './build-summary';
import { SOURCE_AGENCY_EXTENSION, SUMMARY_SECTIONS, type SummarySectionKey } from './sections';
import {
  AGENCIES,
  allergy,
  BASE,
  condition,
  encounter,
  from,
  gpPatient,
  immunization,
  lab,
  NOW,
  procedure,
  report,
  request,
  statement,
  vitals,
} from './summary.fixtures';

function input(extra: Partial<BuildSummaryInput> = {}): BuildSummaryInput {
  return {
    patient: { resource: gpPatient, agency: 'cabinet' },
    resources: [
      ...from('chu', allergy, procedure('pr-1', 'completed'), lab('ob-1', '2025-05-01'), vitals),
      ...from('chu', report('dr-1', '2025-05-01', ['ob-1', 'ob-hidden'])),
      ...from('cabinet', condition('co-1'), statement('ms-1'), request('mr-1'), immunization),
      ...from('cabinet', encounter('en-1', '2025-05-20T10:00:00Z')),
    ],
    agencies: AGENCIES,
    now: NOW,
    requester: { agency: 'cabinet' },
    baseUrl: BASE,
    linkedPatientIds: ['hosp-p'],
    ...extra,
  };
}

const composition = (b: Bundle) => b.entry?.[0]?.resource as Composition;
const section = (b: Bundle, key: SummarySectionKey) => {
  const code = SUMMARY_SECTIONS.find((s) => s.key === key)?.code;
  return composition(b).section?.find((s) => s.code?.coding?.[0]?.code === code) as CompositionSection;
};
const entryIds = (s: CompositionSection) => (s.entry ?? []).map((e) => e.reference?.split('/').pop());
const resourceAt = (b: Bundle, fullUrl: string | undefined) =>
  b.entry?.find((e) => e.fullUrl === fullUrl)?.resource;
/** The entry at `fullUrl` as a plain object, for looking at one element. */
const element = <T>(b: Bundle, fullUrl: string | undefined) => resourceAt(b, fullUrl) as unknown as T;

/** Every `reference` string anywhere in a value. */
function referencesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => referencesIn(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else referencesIn(v, out);
    }
  }
  return out;
}

describe('buildSummary', () => {
  it('is a valid FHIR R4 document: Composition first, then the Patient, identifier and timestamp', () => {
    const bundle = buildSummary(input());
    expect(getFhirSchemaValidator().validate(bundle)).toEqual([]);
    expect(bundle.type).toBe('document');
    expect(bundle.timestamp).toBe(NOW.toISOString());
    expect(bundle.identifier?.system).toBe('urn:ietf:rfc:3986');
    expect(bundle.identifier?.value).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const c = composition(bundle);
    expect(c.resourceType).toBe('Composition');
    expect(bundle.entry?.[0]?.fullUrl).toBe(`urn:uuid:${c.id}`);
    expect(c.status).toBe('final');
    expect(c.type.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '60591-5' });
    expect(c.date).toBe(NOW.toISOString());
    expect(c.subject?.reference).toBe(`${BASE}/Patient/gp-p`);
    expect(bundle.entry?.[1]?.resource?.resourceType).toBe('Patient');
    expect(bundle.entry?.[1]?.fullUrl).toBe(`${BASE}/Patient/gp-p`);
    expect(resourceAt(bundle, c.author[0].reference)?.resourceType).toBe('Device');
    expect(c.title).toContain('Maëlle Le Gall-Ménard');
  });

  it('has every section, in order, with its LOINC code, title and narrative', () => {
    const c = composition(buildSummary(input()));
    expect(c.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual(SUMMARY_SECTIONS.map((s) => s.code));
    expect(c.section?.map((s) => s.title)).toEqual(SUMMARY_SECTIONS.map((s) => s.title));
    for (const s of c.section ?? []) {
      expect(s.text?.status).toBe('generated');
      expect(s.text?.div.startsWith('<div xmlns="http://www.w3.org/1999/xhtml">')).toBe(true);
    }
    expect(c.text?.div).toContain('Sources: CHU de Nantes, Cabinet Dr Martin');
  });

  it('resolves every reference inside the document', () => {
    const bundle = buildSummary(input());
    const fullUrls = new Set(bundle.entry?.map((e) => e.fullUrl));
    const refs = referencesIn(bundle.entry?.map((e) => e.resource));
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(fullUrls).toContain(ref);
    // The hospital's records of the same person point at the summary's Patient.
    const proc = element<{ subject: { reference: string } }>(bundle, `${BASE}/Procedure/pr-1`);
    expect(proc.subject.reference).toBe(`${BASE}/Patient/gp-p`);
  });

  it('keeps only the words of a reference to something the document does not carry', () => {
    const bundle = buildSummary(input());
    const dr = element<{ result: object[] }>(bundle, `${BASE}/DiagnosticReport/dr-1`);
    expect(dr.result).toEqual([
      { reference: `${BASE}/Observation/ob-1` },
      { type: 'Observation', display: 'Not included in this summary' },
    ]);
    const patient = element<{ generalPractitioner: object[] }>(bundle, `${BASE}/Patient/gp-p`);
    expect(patient.generalPractitioner).toEqual([{ type: 'Practitioner', display: 'Dr Martin' }]);
    expect(JSON.stringify(bundle)).not.toContain('ob-hidden');
  });

  it('says which agency each entry came from; a forged source-agency extension is replaced; meta kept', () => {
    const forged = {
      ...condition('co-2'),
      extension: [
        { url: SOURCE_AGENCY_EXTENSION, valueReference: { display: 'Forged' } },
        { url: 'https://other.example/ext', valueString: 'kept' },
      ],
    };
    const bundle = buildSummary(input({ resources: [...input().resources, ...from('chu', forged)] }));
    const sourceOf = (r: Resource | undefined) =>
      (r as { extension?: Extension[] } | undefined)?.extension?.filter(
        (x) => x.url === SOURCE_AGENCY_EXTENSION,
      );
    expect(sourceOf(resourceAt(bundle, `${BASE}/Condition/co-2`))).toEqual([
      {
        url: SOURCE_AGENCY_EXTENSION,
        valueReference: {
          identifier: { system: 'urn:passerelle:agency', value: 'chu' },
          display: 'CHU de Nantes',
        },
      },
    ]);
    expect(element<{ extension: Extension[] }>(bundle, `${BASE}/Condition/co-2`).extension[0].url).toBe(
      'https://other.example/ext',
    );
    expect(sourceOf(resourceAt(bundle, `${BASE}/Condition/co-1`))?.[0]?.valueReference?.display).toBe(
      'Cabinet Dr Martin',
    );
    expect(sourceOf(bundle.entry?.[1]?.resource)?.[0]?.valueReference?.identifier?.value).toBe('cabinet');
    expect(resourceAt(bundle, `${BASE}/Condition/co-1`)?.meta?.lastUpdated).toBe('2025-05-01T08:00:00.000Z');
    // Every entry but the Composition and the hub's Device carries the extension.
    for (const e of bundle.entry ?? []) {
      if (e.resource?.resourceType === 'Composition' || e.resource?.resourceType === 'Device') continue;
      expect(sourceOf(e.resource)).toHaveLength(1);
    }
  });

  it('files resources by type and status, leaving out what was entered in error or does not belong', () => {
    const bundle = buildSummary(
      input({
        resources: from(
          'cabinet',
          condition('co-problem', { category: [{ coding: [{ code: 'problem-list-item' }] }] }),
          condition('co-dx', { category: [{ coding: [{ code: 'encounter-diagnosis' }] }] }),
          condition('co-concern', { category: [{ coding: [{ code: 'health-concern' }] }] }),
          condition('co-error', { verificationStatus: { coding: [{ code: 'entered-in-error' }] } }),
          statement('ms-active'),
          statement('ms-old', { status: 'completed', effectiveDateTime: '2020-01-01' }),
          statement('ms-recent', { status: 'completed', effectiveDateTime: '2025-01-01' }),
          statement('ms-error', { status: 'entered-in-error' }),
          request('mr-draft', { status: 'draft' }),
          request('mr-stopped-old', { status: 'stopped', authoredOn: '2023-01-01' }),
          procedure('pr-done', 'completed'),
          procedure('pr-not-done', 'not-done'),
          lab('ob-cancelled', '2025-05-01', { status: 'cancelled' }),
          vitals,
          encounter('en-planned', '2025-07-01', 'planned'),
          encounter('en-done', '2025-01-01'),
        ),
      }),
    );
    expect(entryIds(section(bundle, 'problems'))).toEqual(['co-dx', 'co-problem']);
    expect(entryIds(section(bundle, 'medications'))).toEqual(['ms-active', 'ms-recent']);
    expect(entryIds(section(bundle, 'procedures'))).toEqual(['pr-done']);
    expect(section(bundle, 'results').entry).toBeUndefined();
    expect(entryIds(section(bundle, 'encounters'))).toEqual(['en-done']);
    for (const id of ['co-concern', 'co-error', 'ms-old', 'ms-error', 'mr-draft', 'pr-not-done', 'vs-1'])
      expect(JSON.stringify(bundle)).not.toContain(id);
  });

  it('keeps the most recent results and encounters, newest first, ties by type then id', () => {
    const labs = Array.from({ length: 25 }, (_, i) =>
      lab(`ob-${String(i).padStart(2, '0')}`, `2025-01-${String(i + 1).padStart(2, '0')}`),
    );
    const tie = [lab('ob-b', '2025-03-01'), lab('ob-a', '2025-03-01'), report('dr-z', '2025-03-01', [])];
    const encounters = Array.from({ length: 12 }, (_, i) =>
      encounter(`en-${i}`, `2024-${String(i + 1).padStart(2, '0')}-15`),
    );
    const bundle = buildSummary(
      input({
        resources: from('chu', ...labs, ...tie, ...encounters),
        limits: { results: 20, encounters: 10 },
      }),
    );
    const results = entryIds(section(bundle, 'results'));
    expect(results).toHaveLength(20);
    expect(results.slice(0, 4)).toEqual(['dr-z', 'ob-a', 'ob-b', 'ob-24']);
    expect(results.at(-1)).toBe('ob-08');
    expect(JSON.stringify(bundle)).not.toContain('"ob-07"');
    expect(entryIds(section(bundle, 'encounters'))).toEqual([
      'en-11',
      'en-10',
      'en-9',
      'en-8',
      'en-7',
      'en-6',
      'en-5',
      'en-4',
      'en-3',
      'en-2',
    ]);
  });

  it('gives an empty section its reason: nil known, or unavailable when the token may not read its types', () => {
    const bundle = buildSummary(
      input({ resources: [], readableTypes: ['Patient', 'Condition', 'Observation'] }),
    );
    const reason = (key: SummarySectionKey) => section(bundle, key).emptyReason?.coding?.[0];
    expect(reason('problems')).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason',
      code: 'nilknown',
    });
    expect(reason('results')?.code).toBe('nilknown');
    expect(reason('allergies')?.code).toBe('unavailable');
    expect(reason('medications')?.code).toBe('unavailable');
    for (const s of composition(bundle).section ?? []) {
      expect(s.entry).toBeUndefined();
      expect(s.text?.div).toMatch(/<p>.+<\/p>/);
    }
    expect(getFhirSchemaValidator().validate(bundle)).toEqual([]);
  });

  it('writes every string into the narrative as inert text', () => {
    const hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)> \u0007';
    const bundle = buildSummary(
      input({
        patient: { resource: { ...gpPatient, name: [{ text: hostile }] }, agency: 'cabinet' },
        resources: from('evil', condition('co-x', { code: { text: hostile } })),
        agencies: [{ id: 'evil', name: '</td><b>Evil</b>' }],
      }),
    );
    const divs = [
      composition(bundle).text?.div,
      ...(composition(bundle).section ?? []).map((s) => s.text?.div),
    ];
    for (const div of divs) {
      expect(div).not.toMatch(/<(script|img|b)\b/);
      expect(div).not.toContain('\u0007');
    }
    expect(section(bundle, 'problems').text?.div).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;',
    );
    expect(section(bundle, 'problems').text?.div).toContain('&lt;/td&gt;&lt;b&gt;Evil&lt;/b&gt;');
  });

  it('is deterministic, leaves its input untouched, and uses urn:uuid fullUrls without a base URL', () => {
    const given = input();
    const before = JSON.stringify(given);
    expect(buildSummary(given)).toEqual(buildSummary(input()));
    expect(JSON.stringify(given)).toBe(before);
    const later = buildSummary(input({ now: new Date(NOW.getTime() + 1000) }));
    expect(later.identifier).not.toEqual(buildSummary(given).identifier);
    const anonymous = buildSummary(input({ baseUrl: undefined }));
    for (const e of anonymous.entry ?? []) expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const fullUrls = new Set(anonymous.entry?.map((e) => e.fullUrl));
    for (const ref of referencesIn(anonymous.entry?.map((e) => e.resource))) expect(fullUrls).toContain(ref);
  });
});
