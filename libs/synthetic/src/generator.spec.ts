import type { Bundle, FhirResource, Identifier } from 'fhir/r4';
import { keysOf } from '@passerelle/identity';
import {
  ACT_CODE,
  allocateCounts,
  CONFIDENTIALITY,
  createRandom,
  defaultAgencies,
  generatePatient,
  generatePatients,
  INS_NIR_SYSTEM,
  isValidInsNir,
  isValidNhsNumber,
  NHS_NUMBER_SYSTEM,
  nhsCheckDigit,
  type SyntheticPatient,
  toTransactionBundle,
} from './index';
import { MEDICATIONS, CONDITIONS, THEME_CONDITIONS } from './terminology';

const UUID_V4 = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\+|-)\d{2}:\d{2}$/;

/** Every value under `node` with its key, depth first. */
function* walk(node: unknown, key = ''): Generator<[string, unknown]> {
  yield [key, node];
  if (Array.isArray(node)) for (const item of node) yield* walk(item, key);
  else if (typeof node === 'object' && node !== null)
    for (const [k, v] of Object.entries(node)) yield* walk(v, k);
}

function references(node: unknown): string[] {
  return [...walk(node)]
    .filter(([k, v]) => k === 'reference' && typeof v === 'string')
    .map(([, v]) => v as string);
}

function resourcesOf(bundle: Bundle): FhirResource[] {
  return (bundle.entry ?? []).map((e) => e.resource as FhirResource);
}

function identifiersOf(resource: FhirResource): Identifier[] {
  const value = 'identifier' in resource ? resource.identifier : undefined;
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const rng = createRandom(seed);
      return [
        rng.next(),
        rng.int(1, 6),
        rng.pick(['a', 'b', 'c']),
        rng.chance(0.5),
        rng.dateBetween('2000-01-01', '2020-12-31'),
        rng.uuid(),
      ];
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('stays within bounds and formats UUID v4 and dates', () => {
    const rng = createRandom(1);
    for (let i = 0; i < 2000; i++) {
      const n = rng.int(-3, 3);
      expect(n).toBeGreaterThanOrEqual(-3);
      expect(n).toBeLessThanOrEqual(3);
      const date = rng.dateBetween('2024-02-27', '2024-03-01');
      expect(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']).toContain(date);
    }
    expect(`urn:uuid:${rng.uuid()}`).toMatch(UUID_V4);
  });
});

describe('generatePatient', () => {
  it('is deterministic: the same seed gives deep-equal patients and bundles', () => {
    expect(generatePatient({ seed: 42, index: 3 })).toEqual(generatePatient({ seed: 42, index: 3 }));
    expect(generatePatients(5, 9, { country: 'mixed' })).toEqual(
      generatePatients(5, 9, { country: 'mixed' }),
    );
    const p = generatePatient({ seed: 42, country: 'GB' });
    expect(toTransactionBundle(p, 'create')).toEqual(
      toTransactionBundle(generatePatient({ seed: 42, country: 'GB' }), 'create'),
    );
    expect(generatePatient({ seed: 42 }).patient).not.toEqual(generatePatient({ seed: 43 }).patient);
    expect(generatePatient({ seed: 42, index: 1 }).patient).not.toEqual(
      generatePatient({ seed: 42, index: 2 }).patient,
    );
  });

  it('has 50 resources by default, in fixed numbers per type', () => {
    const p = generatePatient({ seed: 1 });
    const counts: Record<string, number> = {};
    for (const e of p.entries) counts[e.resource.resourceType] = (counts[e.resource.resourceType] ?? 0) + 1;
    expect(counts).toEqual({
      Organization: 2,
      Practitioner: 1,
      Patient: 1,
      Encounter: 4,
      Condition: 4,
      AllergyIntolerance: 1,
      MedicationRequest: 3,
      MedicationStatement: 2,
      Immunization: 3,
      Procedure: 2,
      Observation: 22,
      DiagnosticReport: 3,
      DocumentReference: 2,
    });
    expect(p.encounters).toHaveLength(4);
    expect(p.observations).toHaveLength(22);
    expect(p.organizations).toHaveLength(2);
  });

  it('scales to resourcesPerPatient exactly and refuses too few', () => {
    for (const total of [14, 50, 137, 400]) {
      expect(generatePatient({ seed: 5, resourcesPerPatient: total }).entries).toHaveLength(total);
    }
    const gp = defaultAgencies().gp;
    expect(generatePatient({ seed: 5, agency: gp, resourcesPerPatient: 50 }).entries).toHaveLength(50);
    expect(() => generatePatient({ seed: 5, resourcesPerPatient: 13 })).toThrow(RangeError);
    expect(allocateCounts(46)).toEqual({
      encounters: 4,
      conditions: 4,
      allergies: 1,
      medicationRequests: 3,
      medicationStatements: 2,
      immunizations: 3,
      procedures: 2,
      diagnosticReports: 3,
      documents: 2,
      observations: 22,
    });
  });

  it('gives British patients NHS numbers with a valid check digit, in the test range', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true); // the NHS's published example
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(nhsCheckDigit('943476591')).toBe(9);
    for (const p of generatePatients(100, 3, { country: 'GB' })) {
      const nhs = p.patient.identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value ?? '';
      expect(isValidNhsNumber(nhs)).toBe(true);
      expect(nhs.startsWith('999')).toBe(true);
    }
  });

  it('gives French patients an INS (NIR + key) matching their sex and birth', () => {
    for (const p of generatePatients(100, 4, { country: 'FR' })) {
      const ins = p.patient.identifier?.find((i) => i.system === INS_NIR_SYSTEM)?.value ?? '';
      expect(isValidInsNir(ins)).toBe(true);
      expect(ins.slice(1, 3)).toBe(p.patient.birthDate?.slice(2, 4));
      expect(ins.slice(3, 5)).toBe(p.patient.birthDate?.slice(5, 7));
      if (p.patient.gender === 'male') expect(ins[0]).toBe('1');
      if (p.patient.gender === 'female') expect(ins[0]).toBe('2');
    }
  });

  it.each(['FR', 'GB'] as const)(
    'records a %s person at every agency on a qualified identity the hub links on',
    (country) => {
      const { hospital, gp } = defaultAgencies(country);
      for (let index = 0; index < 60; index++) {
        const atHospital = keysOf(generatePatient({ seed: 12, index, country, agency: hospital }).patient);
        const atGp = keysOf(generatePatient({ seed: 12, index, country, agency: gp }).patient);
        expect(atHospital.qualifiedIds).toHaveLength(1);
        expect(atGp.qualifiedIds).toEqual(atHospital.qualifiedIds);
      }
    },
  );

  it('gives the birthplace a French INS was made with', () => {
    for (const p of generatePatients(50, 13, { country: 'FR' })) {
      const ins = p.patient.identifier?.find((i) => i.system === INS_NIR_SYSTEM)?.value ?? '';
      const place = p.patient.extension?.find((e) => e.url.endsWith('/patient-birthPlace'))?.valueAddress;
      expect(place?.extension?.[0].valueCoding?.code).toBe(ins.slice(5, 10));
    }
  });

  it('writes names with accents, apostrophes and hyphens', () => {
    const names = generatePatients(120, 11, { country: 'mixed' }).flatMap((p) =>
      (p.patient.name ?? []).flatMap((n) => [n.family ?? '', ...(n.given ?? [])]),
    );
    expect(names.some((n) => /[À-ÿ]/.test(n))).toBe(true);
    expect(names.some((n) => n.includes("'"))).toBe(true);
    expect(names.some((n) => n.includes('-'))).toBe(true);
  });

  it('is the same person at two agencies, with each agency its own MRN', () => {
    const { hospital, gp } = defaultAgencies('FR');
    const atHospital = generatePatient({ seed: 8, index: 4, agency: hospital });
    const atGp = generatePatient({ seed: 8, index: 4, agency: gp });
    expect(atGp.patient.name).toEqual(atHospital.patient.name);
    expect(atGp.patient.birthDate).toBe(atHospital.patient.birthDate);
    expect(atGp.patient.identifier?.[1]).toEqual(atHospital.patient.identifier?.[1]);
    expect(atGp.patient.identifier?.[0].system).toBe('https://gp.example.org/fhir/sid/mrn');
    expect(atHospital.patient.identifier?.[0].system).toBe('https://hospital.example.org/fhir/sid/mrn');
    // A GP practice's own record names its doctor as the GP; it has no hospital stays.
    expect(atGp.patient.generalPractitioner?.map((r) => r.reference)).toHaveLength(2);
    expect(atGp.encounters.every((e) => e.class.code === 'AMB' || e.class.code === 'VR')).toBe(true);
  });

  it('labels about 5% of resources as sensitive, with HL7 security codes only', () => {
    const patients = generatePatients(200, 21, { country: 'mixed' });
    const resources = patients.flatMap((p) => p.entries.map((e) => e.resource));
    const labelled = resources.filter((r) => r.meta?.security !== undefined);
    expect(labelled.length / resources.length).toBeGreaterThan(0.03);
    expect(labelled.length / resources.length).toBeLessThan(0.08);
    for (const r of labelled) {
      for (const label of r.meta?.security ?? []) {
        expect([`${ACT_CODE}|PSY`, `${ACT_CODE}|HIV`, `${CONFIDENTIALITY}|R`]).toContain(
          `${label.system}|${label.code}`,
        );
      }
    }
    // Labels follow the record's sensitive topic.
    for (const p of patients) {
      const labelledHere = p.entries.filter((e) => e.resource.meta?.security !== undefined);
      if (p.sensitiveTheme === undefined) expect(labelledHere).toHaveLength(0);
      else expect(labelledHere.length).toBeGreaterThan(0);
    }
  });

  it('keeps its terminology tables consistent', () => {
    for (const term of [...CONDITIONS, ...THEME_CONDITIONS.PSY, ...THEME_CONDITIONS.HIV]) {
      for (const key of term.treatments) expect(MEDICATIONS[key]).toBeDefined();
    }
  });
});

describe('toTransactionBundle', () => {
  const patients: SyntheticPatient[] = [
    ...generatePatients(15, 31, { country: 'mixed' }),
    generatePatient({ seed: 31, index: 99, agency: defaultAgencies('GB').gp }),
    generatePatient({
      seed: 31,
      index: 98,
      agency: defaultAgencies('FR').specialist,
      resourcesPerPatient: 120,
    }),
  ];

  it('create: POSTs with urn:uuid fullUrls, and every reference resolves within the Bundle', () => {
    for (const p of patients) {
      const bundle = toTransactionBundle(p, 'create');
      expect(bundle.type).toBe('transaction');
      const fullUrls = (bundle.entry ?? []).map((e) => e.fullUrl ?? '');
      expect(new Set(fullUrls).size).toBe(fullUrls.length);
      for (const url of fullUrls) expect(url).toMatch(UUID_V4);
      for (const e of bundle.entry ?? []) {
        expect(e.request?.method).toBe('POST');
        expect(e.request?.url).toBe(e.resource?.resourceType);
        expect(e.resource?.id).toBeUndefined();
        expect(e.resource?.meta?.versionId).toBeUndefined();
        expect(e.resource?.meta?.lastUpdated).toBeUndefined();
      }
      const refs = references(resourcesOf(bundle));
      expect(refs.length).toBeGreaterThan(50);
      for (const ref of refs) expect(fullUrls).toContain(ref);
      // Directory resources are created once for a whole population.
      const directory = (bundle.entry ?? []).filter((e) =>
        ['Organization', 'Practitioner'].includes(e.resource?.resourceType ?? ''),
      );
      for (const e of directory) expect(e.request?.ifNoneExist).toMatch(/^identifier=https:\/\/.+\|.+$/);
    }
  });

  it('conditional-update: PUTs keyed by agency identifiers, conditional references, no urn:uuid', () => {
    for (const p of patients) {
      const bundle = toTransactionBundle(p, 'conditional-update');
      expect(JSON.stringify(bundle)).not.toContain('urn:uuid');
      const urls = new Set<string>();
      for (const e of bundle.entry ?? []) {
        const resource = e.resource as FhirResource;
        const [key] = identifiersOf(resource);
        expect(key?.system).toMatch(/^https:\/\/[a-z-]+\.example\.org\/fhir\/sid\/[a-z-]+$/);
        expect(e.request).toEqual({
          method: 'PUT',
          url: `${resource.resourceType}?identifier=${key.system}|${key.value}`,
        });
        expect(e.fullUrl).toBeUndefined();
        urls.add(e.request?.url ?? '');
      }
      expect(urls.size).toBe(bundle.entry?.length);
      const refs = references(resourcesOf(bundle));
      for (const ref of refs) expect(urls).toContain(ref);
      expect(refs).toContain(
        `Patient?identifier=${identifiersOf(p.patient)[0].system}|${identifiersOf(p.patient)[0].value}`,
      );
    }
  });

  it('writes FHIR JSON without empty values, nulls, ids or dates without time zones', () => {
    const problems: string[] = [];
    const check = (ok: boolean, what: string, key: string, value: unknown) => {
      if (!ok) problems.push(`${what}: ${key} = ${JSON.stringify(value)}`);
    };
    const dateOrDateTime = new RegExp(`${DATE.source}|${DATE_TIME.source}`);
    for (const p of patients) {
      for (const [key, value] of walk(toTransactionBundle(p, 'create'))) {
        check(value !== null && value !== '', 'empty value', key, value);
        if (Array.isArray(value)) check(value.length > 0, 'empty array', key, value);
        else if (typeof value === 'object' && value !== null)
          check(Object.keys(value).length > 0, 'empty object', key, value);
        if (typeof value === 'string') check(value === value.trim(), 'untrimmed', key, value);
        check(key !== 'id', 'server-assigned id', key, value);
        // Times of events have a time zone; onsets and treatment starts may be plain dates.
        if (
          /^(effectiveDateTime|occurrenceDateTime|recordedDate|authoredOn|dateAsserted|issued|recorded|date|creation)$/.test(
            key,
          )
        ) {
          check(typeof value === 'string' && DATE_TIME.test(value), 'dateTime without time zone', key, value);
        }
        if (/^(onsetDateTime|abatementDateTime|start|end)$/.test(key)) {
          check(typeof value === 'string' && dateOrDateTime.test(value), 'bad date', key, value);
        }
        if (/^(birthDate|expirationDate)$/.test(key))
          check(typeof value === 'string' && DATE.test(value), 'bad date', key, value);
      }
    }
    expect(problems).toEqual([]);
  });
});
