/**
 * The summary's shape, shared by whoever builds it (this lib) and whoever renders it (letters,
 * the clinician PDF): an IPS-style FHIR `document` Bundle whose Composition has one section per
 * entry below, identified by its LOINC code (the codes of the International Patient Summary).
 */
export const SUMMARY_SECTIONS = [
  { key: 'allergies', code: '48765-2', title: 'Allergies and intolerances' },
  { key: 'problems', code: '11450-4', title: 'Problem list' },
  { key: 'medications', code: '10160-0', title: 'History of medication use' },
  { key: 'immunizations', code: '11369-6', title: 'History of immunizations' },
  { key: 'procedures', code: '47519-4', title: 'History of procedures' },
  { key: 'results', code: '30954-2', title: 'Relevant diagnostic tests and laboratory data' },
  { key: 'encounters', code: '46240-8', title: 'History of encounters' },
] as const;

export type SummarySectionKey = (typeof SUMMARY_SECTIONS)[number]['key'];

export const LOINC_SYSTEM = 'http://loinc.org';

/**
 * Every resource in a summary carries this extension saying which agency it came from:
 * `valueReference: { identifier: { system: AGENCY_ID_SYSTEM, value: <agency id> }, display: <agency name> }`.
 * When it was recorded is the resource's `meta.lastUpdated` at the hub (its own clinical date,
 * e.g. `recordedDate`, `effectiveDateTime`, `period.start`, stays where FHIR puts it).
 */
export const SOURCE_AGENCY_EXTENSION = 'https://passerelle.health/fhir/StructureDefinition/source-agency';

/** The document's type: LOINC 60591-5 "Patient summary Document" (Composition.type). */
export const PATIENT_SUMMARY_CODE = '60591-5';
export const PATIENT_SUMMARY_DISPLAY = 'Patient summary Document';

/** Why a section is empty (Composition.section.emptyReason). */
export const LIST_EMPTY_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/list-empty-reason';

/** Agency ids in the source-agency extension (the same system consent provisions name agencies by). */
export { AGENCY_ID_SYSTEM } from '@passerelle/fhir';
