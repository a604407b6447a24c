import {
  DEFAULT_PROFILES,
  defaultScopes,
  inPushOrder,
  parseTypeList,
  pushRank,
  selectProfile,
} from './profiles';

describe('sync profiles', () => {
  it('gives each kind its default types, Patient pushed first', () => {
    expect(selectProfile('hospital').publish).toEqual([
      'Patient',
      'Encounter',
      'Observation',
      'Procedure',
      'DiagnosticReport',
      'MedicationRequest',
      'DocumentReference',
      'Composition',
      'Appointment',
    ]);
    expect(selectProfile('gp').publish).toEqual([
      'Patient',
      'Condition',
      'MedicationRequest',
      'MedicationStatement',
      'AllergyIntolerance',
      'Immunization',
    ]);
    expect(selectProfile('specialist').publish).toEqual([
      'Patient',
      'ServiceRequest',
      'DocumentReference',
      'Composition',
      'Appointment',
    ]);
    expect(selectProfile('gp').receive).toEqual(
      expect.arrayContaining(['Encounter', 'DocumentReference', 'DiagnosticReport']),
    );
    expect(selectProfile('specialist').receive).toContain('ServiceRequest');
  });

  it('never receives Patient by default: the recipient keeps its own record of the person', () => {
    for (const profile of Object.values(DEFAULT_PROFILES)) expect(profile.receive).not.toContain('Patient');
  });

  it('replaces only the lists given', () => {
    expect(selectProfile('gp', { receive: ['Encounter'] })).toEqual({
      publish: DEFAULT_PROFILES.gp.publish,
      receive: ['Encounter'],
    });
    expect(selectProfile('hospital', { publish: ['Composition', 'Encounter', 'Encounter'] }).publish).toEqual(
      ['Encounter', 'Composition'],
    );
  });

  it('puts targets before what references them', () => {
    expect(inPushOrder(['Composition', 'DiagnosticReport', 'Observation', 'Encounter', 'Patient'])).toEqual([
      'Patient',
      'Encounter',
      'Observation',
      'DiagnosticReport',
      'Composition',
    ]);
    expect(pushRank('MedicationRequest')).toBeLessThan(pushRank('MedicationStatement'));
    expect(pushRank('Consent')).toBeGreaterThan(pushRank('Composition'));
    // Types the order does not name: directory data before the patient data that points to it.
    expect(
      inPushOrder(['Appointment', 'MedicationDispense', 'Medication', 'Patient', 'HealthcareService']),
    ).toEqual(['Patient', 'Medication', 'HealthcareService', 'Appointment', 'MedicationDispense']);
  });

  it('takes every stored type the hub accepts from a client', () => {
    expect(parseTypeList('X', 'Appointment,Task,Medication,CareTeam,Goal,Coverage,List,Basic')).toEqual({
      types: ['Appointment', 'Task', 'Medication', 'CareTeam', 'Goal', 'Coverage', 'List', 'Basic'],
      problems: [],
    });
    expect(parseTypeList('X', 'Bundle').problems).toEqual([
      expect.stringMatching(/^X: the hub does not store Bundle \(a container/),
    ]);
  });

  it('parses type lists, reporting unknown and hub-only types', () => {
    expect(parseTypeList('X', ' Patient , Encounter,,Patient ')).toEqual({
      types: ['Patient', 'Encounter'],
      problems: [],
    });
    expect(parseTypeList('X', 'none')).toEqual({ types: [], problems: [] });
    expect(parseTypeList('X', 'patient,AuditEvent').problems).toEqual([
      'X: "patient" is not a resource type the hub supports',
      'X: AuditEvent is written by the hub only',
    ]);
    expect(parseTypeList('X', ',').problems).toEqual(['X lists no resource type (use "none")']);
  });

  it('asks the hub to write what it publishes and read what it receives', () => {
    expect(
      defaultScopes({
        publish: ['Patient', 'DocumentReference'],
        receive: ['DocumentReference', 'Encounter'],
      }),
    ).toBe('system/Patient.cud system/DocumentReference.cruds system/Encounter.rs system/Binary.cru');
    // A document's content (a Binary) is pushed with the document, and read with it.
    expect(defaultScopes({ publish: ['DocumentReference'], receive: [] })).toBe(
      'system/DocumentReference.cud system/Binary.cu',
    );
  });
});
