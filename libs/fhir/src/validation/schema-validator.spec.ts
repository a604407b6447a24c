import type {
  DocumentReference,
  Encounter,
  Immunization,
  MedicationRequest,
  Observation,
  OperationOutcomeIssue,
  Patient,
} from 'fhir/r4';
import { FhirSchemaValidator, getFhirSchemaValidator } from './schema-validator';

const patient: Patient = {
  resourceType: 'Patient',
  id: 'pat-0001',
  meta: { versionId: '3', lastUpdated: '2024-05-02T09:15:27.123+02:00', source: 'urn:passerelle:chu-lyon' },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Hélène Lefèvre-Dupré</div>' },
  extension: [
    {
      url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
      valueAddress: { city: 'Lyon', country: 'FR' },
    },
  ],
  identifier: [
    {
      use: 'official',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NH' }] },
      system: 'urn:oid:1.2.250.1.213.1.4.8',
      value: '2800175123456',
    },
    { system: 'https://chu-lyon.example.fr/ipp', value: 'IPP-004512' },
  ],
  active: true,
  name: [
    { use: 'official', family: 'Lefèvre-Dupré', given: ['Hélène', 'Maëlys'], prefix: ['Mme'] },
    { use: 'maiden', family: 'Dupré' },
  ],
  telecom: [
    { system: 'phone', value: '+33 4 72 11 00 00', use: 'home' },
    { system: 'email', value: 'helene.lefevre@example.fr' },
  ],
  gender: 'female',
  birthDate: '1980-01-17',
  // NBSP and NARROW NBSP, as French typography writes them: valid FHIR strings.
  address: [
    {
      use: 'home',
      line: ['12, rue de l’Église', 'Bâtiment\u00a0B'],
      city: 'Saint-Étienne',
      postalCode: '42000',
      country: 'FR',
      period: { start: '2015-06' },
    },
  ],
  contact: [{ relationship: [{ text: 'Fille' }], name: { family: 'Dupré', given: ['Léa'] } }],
  communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'fr-FR' }] }, preferred: true }],
  generalPractitioner: [{ reference: 'Practitioner/gp-42', display: 'Dr Martin' }],
  managingOrganization: { reference: 'Organization/chu-lyon' },
};

const observation: Observation = {
  resourceType: 'Observation',
  id: 'obs-hba1c-1',
  status: 'final',
  category: [
    {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
    },
  ],
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
  subject: { reference: 'Patient/pat-0001' },
  effectiveDateTime: '2024-04-30T08:05:00+02:00',
  issued: '2024-04-30T14:12:09.512Z',
  valueQuantity: { value: 6.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  interpretation: [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H' }] },
  ],
  note: [{ text: 'Contrôle à 3\u202fmois\u202f!' }],
  referenceRange: [{ low: { value: 4, unit: '%' }, high: { value: 6, unit: '%' } }],
};

const encounter: Encounter = {
  resourceType: 'Encounter',
  id: 'enc-77',
  status: 'finished',
  class: {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
    code: 'IMP',
    display: 'inpatient encounter',
  },
  subject: { reference: 'Patient/pat-0001' },
  participant: [{ individual: { reference: 'Practitioner/pr-9' } }],
  period: { start: '2024-04-28T22:40:00+02:00', end: '2024-05-02T11:00:00+02:00' },
  reasonCode: [{ text: 'Douleur thoracique' }],
  hospitalization: { dischargeDisposition: { text: 'Retour à domicile' } },
  location: [{ location: { reference: 'Location/cardio-3' }, status: 'completed' }],
  serviceProvider: { reference: 'Organization/chu-lyon' },
};

const documentReference: DocumentReference = {
  resourceType: 'DocumentReference',
  id: 'doc-cr-1',
  status: 'current',
  type: { coding: [{ system: 'http://loinc.org', code: '18842-5', display: 'Discharge summary' }] },
  subject: { reference: 'Patient/pat-0001' },
  date: '2024-05-02T11:30:00+02:00',
  author: [{ reference: 'Practitioner/pr-9' }],
  content: [
    {
      attachment: {
        contentType: 'application/pdf',
        language: 'fr',
        data: Buffer.from('%PDF-1.4 compte rendu de sortie').toString('base64'),
        title: 'Compte rendu d’hospitalisation',
        creation: '2024-05-02T11:00:00+02:00',
      },
    },
  ],
  context: {
    encounter: [{ reference: 'Encounter/enc-77' }],
    period: { start: '2024-04-28', end: '2024-05-02' },
  },
};

const medicationRequest: MedicationRequest = {
  resourceType: 'MedicationRequest',
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: 'A10BA02' }] },
  subject: { reference: 'Patient/pat-0001' },
  authoredOn: '2024-05-02',
  dosageInstruction: [
    {
      text: '1 comprimé matin et soir',
      timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } },
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'comprimé' } }],
    },
  ],
};

const immunization: Immunization = {
  resourceType: 'Immunization',
  status: 'completed',
  vaccineCode: { text: 'DTP' },
  patient: { reference: 'Patient/pat-0001' },
  occurrenceDateTime: '2023-10-12',
};

/** A copy of `resource` with changes applied; loosely typed, since it is meant to be invalid. */
function mutate(resource: object, change: (r: Record<string, unknown>) => void): Record<string, unknown> {
  const copy = structuredClone(resource) as Record<string, unknown>;
  change(copy);
  return copy;
}

const validator = new FhirSchemaValidator();
const expressions = (issues: OperationOutcomeIssue[]) => issues.map((i) => i.expression?.[0]);

describe('FhirSchemaValidator: valid resources', () => {
  it.each([
    ['Patient', patient],
    ['Observation', observation],
    ['Encounter', encounter],
    ['DocumentReference', documentReference],
    ['MedicationRequest', medicationRequest],
    ['Immunization', immunization],
  ])('accepts a realistic %s', (_type, resource) => {
    expect(validator.validate(resource)).toEqual([]);
  });

  it('accepts a required primitive given only as an extension (_status)', () => {
    const absent = {
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' },
      ],
    };
    expect(
      validator.validate(mutate(observation, (o) => ((o['_status'] = absent), delete o['status']))),
    ).toEqual([]);
  });

  it('accepts contained resources and Bundle entries that are valid in their own type', () => {
    expect(validator.validate({ ...patient, contained: [observation] })).toEqual([]);
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient }, { resource: encounter }],
    };
    expect(validator.validate(bundle)).toEqual([]);
  });

  it('is shared process-wide through getFhirSchemaValidator()', () => {
    expect(getFhirSchemaValidator()).toBe(getFhirSchemaValidator());
    expect(getFhirSchemaValidator().validate(patient)).toEqual([]);
  });
});

describe('FhirSchemaValidator: invalid resources', () => {
  it.each([
    [
      'a birthDate in French notation',
      (p: Record<string, unknown>) => (p['birthDate'] = '17/01/1980'),
      'Patient.birthDate',
      'YYYY-MM-DD',
    ],
    [
      'a date that does not exist',
      (p: Record<string, unknown>) => (p['birthDate'] = '1981-02-29'),
      'Patient.birthDate',
      'day does not exist',
    ],
    [
      'an id with an underscore',
      (p: Record<string, unknown>) => (p['id'] = 'pat_0001'),
      'Patient.id',
      'an id',
    ],
    [
      'an id of 65 characters',
      (p: Record<string, unknown>) => (p['id'] = 'a'.repeat(65)),
      'Patient.id',
      'an id',
    ],
    [
      'a gender outside its value set',
      (p: Record<string, unknown>) => (p['gender'] = 'F'),
      'Patient.gender',
      'male, female, other, unknown',
    ],
  ])('reports %s as a value issue at its element', (_case, change, expression, expected) => {
    const issues = validator.validate(mutate(patient, change));
    expect(issues).toEqual([
      {
        severity: 'error',
        code: 'value',
        diagnostics: expect.stringContaining(expected) as unknown,
        expression: [expression],
      },
    ]);
  });

  it('reports a dateTime without a time zone', () => {
    const issues = validator.validate(
      mutate(observation, (o) => (o['effectiveDateTime'] = '2024-04-30T08:05:00')),
    );
    expect(expressions(issues)).toEqual(['Observation.effectiveDateTime']);
  });

  it('names unknown elements, at the top and nested, and a Medplum-only element', () => {
    const issues = validator.validate(
      mutate(patient, (p) => {
        p['nickname'] = 'Lena';
        (p['name'] as Record<string, unknown>[])[0]['middle'] = 'Anne';
        (p['managingOrganization'] as Record<string, unknown>)['resource'] = { resourceType: 'Organization' };
      }),
    );
    expect(issues.every((i) => i.code === 'structure')).toBe(true);
    expect(expressions(issues).sort()).toEqual([
      'Patient.managingOrganization.resource',
      'Patient.name[0].middle',
      'Patient.nickname',
    ]);
  });

  it.each([
    [
      'a single name instead of a list',
      (p: Record<string, unknown>) => (p['name'] = { family: 'Dupré' }),
      'Patient.name',
      'an array (this element repeats)',
    ],
    [
      'given as a string',
      (p: Record<string, unknown>) => ((p['name'] as Record<string, unknown>[])[0]['given'] = 'Léa'),
      'Patient.name[0].given',
      'an array (this element repeats)',
    ],
    [
      'a fractional multipleBirthInteger',
      (p: Record<string, unknown>) => (p['multipleBirthInteger'] = 1.5),
      'Patient.multipleBirthInteger',
      'an integer',
    ],
    [
      'active as a string',
      (p: Record<string, unknown>) => (p['active'] = 'yes'),
      'Patient.active',
      'true or false',
    ],
  ])('reports %s as a wrong type', (_case, change, expression, expected) => {
    const issues = validator.validate(mutate(patient, change));
    expect(issues).toEqual([
      {
        severity: 'error',
        code: 'structure',
        diagnostics: `Wrong type: expected ${expected}`,
        expression: [expression],
      },
    ]);
  });

  it('reports a quantity value given as a string', () => {
    const issues = validator.validate(
      mutate(observation, (o) => ((o['valueQuantity'] as Record<string, unknown>)['value'] = '6.4')),
    );
    expect(expressions(issues)).toEqual(['Observation.valueQuantity.value']);
  });

  it('reports a missing status on Observation (a required primitive the schema leaves optional)', () => {
    const issues = validator.validate(mutate(observation, (o) => delete o['status']));
    expect(issues).toEqual([
      {
        severity: 'error',
        code: 'required',
        diagnostics: "Missing required element 'status'",
        expression: ['Observation.status'],
      },
    ]);
  });

  it('reports missing required complex and choice elements', () => {
    expect(expressions(validator.validate(mutate(observation, (o) => delete o['code'])))).toEqual([
      'Observation.code',
    ]);
    const issues = validator.validate(mutate(immunization, (i) => delete i['occurrenceDateTime']));
    expect(issues.map((i) => [i.code, i.expression?.[0]])).toEqual([
      ['required', 'Immunization.occurrence[x]'],
    ]);
  });

  it('reports a negative unsignedInt (the official schema only checks it is a number)', () => {
    const issues = validator.validate(
      mutate(documentReference, (d) => {
        (d['content'] as { attachment: Record<string, unknown> }[])[0].attachment['size'] = -5;
      }),
    );
    expect(issues).toEqual([
      {
        severity: 'error',
        code: 'value',
        diagnostics: 'Invalid value: the minimum is 0',
        expression: ['DocumentReference.content[0].attachment.size'],
      },
    ]);
  });

  it('reports invalid base64 in an attachment', () => {
    const issues = validator.validate(
      mutate(documentReference, (d) => {
        const content = d['content'] as { attachment: Record<string, unknown> }[];
        content[0].attachment['data'] = 'JVBERi0xLjQ=!!';
      }),
    );
    expect(expressions(issues)).toEqual(['DocumentReference.content[0].attachment.data']);
  });

  it('locates errors inside contained resources and Bundle entries from the outer root', () => {
    const badObservation = mutate(observation, (o) => delete o['status']);
    expect(expressions(validator.validate({ ...patient, contained: [badObservation] }))).toEqual([
      'Patient.contained[0].status',
    ]);
    const badPatient = mutate(patient, (p) => (p['birthDate'] = '1980-13-01'));
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: encounter }, { resource: badPatient }],
    };
    expect(expressions(validator.validate(bundle))).toEqual(['Bundle.entry[1].resource.birthDate']);
  });

  it('refuses resources nested in a contained resource (dom-2) and unknown contained types', () => {
    const nested = { ...observation, contained: [{ resourceType: 'Patient' }] };
    expect(expressions(validator.validate({ ...patient, contained: [nested] }))).toEqual([
      'Patient.contained[0].contained',
    ]);
    expect(
      expressions(validator.validate({ ...patient, contained: [{ resourceType: 'Project', name: 'x' }] })),
    ).toEqual(['Patient.contained[0].resourceType']);
  });

  it('never puts the offending values in diagnostics', () => {
    const issues = validator.validate(
      mutate(patient, (p) => {
        p['birthDate'] = 'né le 17 janvier';
        p['gender'] = 'Hélène';
        p['active'] = 'Lefèvre';
        p['id'] = 'Maëlys Dupré';
      }),
    );
    expect(issues).toHaveLength(4);
    expect(JSON.stringify(issues)).not.toMatch(/janvier|Hélène|Lefèvre|Maëlys|Dupré/);
  });
});
