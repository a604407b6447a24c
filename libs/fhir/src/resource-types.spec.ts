import { join } from 'node:path';
import type { Appointment, CompartmentDefinition, Device, Group, Observation, Resource } from 'fhir/r4';
import { NOT_STORED } from './resource-types.generated';
import {
  inPatientCompartment,
  isSupportedType,
  notStoredReason,
  patientCompartmentParams,
  READ_ONLY_TYPES,
  SUPPORTED_TYPES,
} from './resource-types';
import { extractSearchValues } from './search/extract';
import { findParam } from './search/parameters';
import { definitionsDirectory, readJsonFile } from './validation/fhir-schema';
import { FHIR_TABLES } from './validation/fhir-tables.generated';

const compartment = readJsonFile(
  join(definitionsDirectory(), 'compartmentdefinition-patient.json'),
) as CompartmentDefinition;

describe('the stored types (generated from the R4 definitions)', () => {
  it('are every concrete R4 resource type but those the hub does not store', () => {
    const excluded = Object.keys(NOT_STORED);
    expect([...SUPPORTED_TYPES, ...excluded].sort()).toEqual([...FHIR_TABLES.resourceTypes].sort());
    expect(excluded.filter((t) => isSupportedType(t))).toEqual([]);
    expect(SUPPORTED_TYPES.length).toBeGreaterThan(120);
    for (const t of ['Appointment', 'Task', 'Medication', 'CareTeam', 'Goal', 'Coverage', 'Basic', 'Group'])
      expect(isSupportedType(t)).toBe(true);
    expect(READ_ONLY_TYPES.has('AuditEvent')).toBe(true);
  });

  it('says why a type is not stored', () => {
    expect(notStoredReason('Bundle')).toMatch(/container/);
    expect(notStoredReason('Parameters')).toBeDefined();
    expect(notStoredReason('Appointment')).toBeUndefined();
    expect(notStoredReason('constructor')).toBeUndefined();
    expect(notStoredReason('NoSuchType')).toBeUndefined();
  });

  it("place each type in a patient's compartment by the official CompartmentDefinition's parameters", () => {
    for (const entry of compartment.resource ?? []) {
      if (!isSupportedType(entry.code) || entry.code === 'Patient') continue;
      if ((entry.param ?? []).length > 0) expect(patientCompartmentParams(entry.code)).toEqual(entry.param);
    }
    expect(patientCompartmentParams('Appointment')).toEqual(['actor']);
    expect(patientCompartmentParams('Group')).toEqual(['member']);
    expect(patientCompartmentParams('Account')).toEqual(['subject']);
    expect(patientCompartmentParams('Organization')).toEqual([]);
    expect(inPatientCompartment('Patient')).toBe(true);
    expect(inPatientCompartment('Medication')).toBe(false);
  });

  it('only through reference parameters the type has, which may point to a Patient', () => {
    for (const type of SUPPORTED_TYPES) {
      for (const name of patientCompartmentParams(type)) {
        const def = findParam(type, name);
        expect({ type, name, kind: def?.kind }).toEqual({ type, name, kind: 'reference' });
        expect(def?.targets ?? []).toContain('Patient');
      }
    }
  });

  it('keep a type the CompartmentDefinition lists without parameters with the patient it names', () => {
    // R4 lists Device with no parameter; a Device naming a patient (an implant) is not directory data.
    const device: Device = { resourceType: 'Device', id: 'd', patient: { reference: 'Patient/p1' } };
    expect(extractSearchValues('Device', device).patientIds).toEqual(['p1']);
  });
});

describe('the patients of a resource', () => {
  const of = (resource: Resource) =>
    isSupportedType(resource.resourceType) ? extractSearchValues(resource.resourceType, resource) : undefined;

  it('are every Patient its compartment parameters name, the patient of record first', () => {
    const appointment: Appointment = {
      resourceType: 'Appointment',
      status: 'booked',
      participant: [
        { actor: { reference: 'Practitioner/dr' }, status: 'accepted' },
        { actor: { reference: 'Patient/child' }, status: 'accepted' },
        { actor: { reference: 'Patient/parent' }, status: 'accepted' },
      ],
    };
    expect(of(appointment)).toMatchObject({ patientId: 'child', patientIds: ['child', 'parent'] });
    const group: Group = {
      resourceType: 'Group',
      type: 'person',
      actual: true,
      member: [{ entity: { reference: 'Patient/a' } }, { entity: { reference: 'Patient/b' } }],
    };
    expect(of(group)?.patientIds).toEqual(['a', 'b']);
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/a' },
      performer: [{ reference: 'Patient/b' }, { reference: 'Practitioner/dr' }],
    };
    expect(of(observation)?.patientIds).toEqual(['a', 'b']);
  });

  it('are none for directory data, and the Patient itself for a Patient', () => {
    expect(of({ resourceType: 'Organization', id: 'o' })?.patientIds).toEqual([]);
    expect(
      of({
        resourceType: 'Patient',
        id: 'p',
        link: [{ other: { reference: 'Patient/q' }, type: 'seealso' }],
      } as Resource),
    ).toMatchObject({
      patientId: 'p',
      patientIds: ['p'],
    });
  });
});
