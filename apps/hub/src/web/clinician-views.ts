import type { Bundle, Extension, Patient } from 'fhir/r4';
import { patientName, SOURCE_AGENCY_EXTENSION } from '@passerelle/summary';
import type { PatientHit } from '@passerelle/web';

/** The Patients of a searchset, as the result list shows them. */
export function patientHits(bundle: Bundle): PatientHit[] {
  return (bundle.entry ?? []).flatMap((entry) => {
    const patient = entry.resource as Patient | undefined;
    if (patient?.resourceType !== 'Patient' || !patient.id || entry.search?.mode === 'include') return [];
    return [
      {
        id: patient.id,
        name: patientName(patient) ?? patient.id,
        birthDate: patient.birthDate,
        identifiers: (patient.identifier ?? [])
          .map((i) => i.value)
          .filter((v): v is string => Boolean(v))
          .slice(0, 3),
      },
    ];
  });
}

/** The agencies whose resources a summary document carries, by name, in order of first appearance. */
export function contributingAgencies(document: Bundle): string[] {
  const names: string[] = [];
  for (const entry of document.entry ?? []) {
    const resource = entry.resource as { resourceType?: string; extension?: Extension[] } | undefined;
    if (!resource || resource.resourceType === 'Composition' || resource.resourceType === 'Device') continue;
    const ref = resource.extension?.find((x) => x.url === SOURCE_AGENCY_EXTENSION)?.valueReference;
    const name = ref?.display ?? ref?.identifier?.value;
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}
