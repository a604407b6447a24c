import type {
  Bundle,
  CodeableConcept,
  Composition,
  CompositionSection,
  Extension,
  FhirResource,
  Patient,
  Quantity,
} from 'fhir/r4';
import {
  LOINC_SYSTEM,
  SOURCE_AGENCY_EXTENSION,
  SUMMARY_SECTIONS,
  type SummarySectionKey,
} from '@passerelle/summary';
import { recipientName } from './address';

/**
 * Reads the summary document (an IPS-style `document` Bundle, shaped by @passerelle/summary) into
 * what a page shows: per section, one item per entry with its display text, a value or detail,
 * its clinical date, status, the agency it came from and when the hub recorded it. Only display
 * texts are taken, never the sections' XHTML narrative (markup is not drawn). An entry whose
 * reference does not resolve inside the Bundle is left out: a document shows only what it carries.
 */

export interface SummaryItem {
  resourceType: string;
  text: string;
  code?: string;
  detail?: string;
  /** FHIR date or dateTime, at the precision recorded. */
  date?: string;
  status?: string;
  agency?: string;
  /** `meta.lastUpdated` at the hub. */
  recorded?: string;
}

export interface SummarySection {
  key: SummarySectionKey;
  items: SummaryItem[];
}

export interface SummaryView {
  patient?: { name: string; birthDate?: string; identifiers: string[] };
  /** Composition.date. */
  date?: string;
  sections: SummarySection[];
}

export function conceptText(concept: CodeableConcept | undefined): string | undefined {
  if (!concept) return undefined;
  return concept.text ?? concept.coding?.find((c) => c.display)?.display ?? concept.coding?.[0]?.code;
}

function conceptCode(concept: CodeableConcept | undefined): string | undefined {
  return concept?.coding?.find((c) => c.code)?.code;
}

export function sourceAgency(extension: readonly Extension[] | undefined): string | undefined {
  const ref = extension?.find((x) => x.url === SOURCE_AGENCY_EXTENSION)?.valueReference;
  return ref?.display ?? ref?.identifier?.value;
}

const numberFormats = new Map<string, Intl.NumberFormat>();

function quantity(q: Quantity | undefined, locale: string): string | undefined {
  if (q?.value === undefined) return undefined;
  let format = numberFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale, { maximumFractionDigits: 6 });
    numberFormats.set(locale, format);
  }
  const value = format.format(q.value);
  return `${q.comparator ?? ''}${value}${(q.unit ?? q.code) ? ` ${q.unit ?? q.code}` : ''}`;
}

/** The part of an entry a reader needs, per resource type; unknown types show their type. */
function describe(
  resource: FhirResource,
  locale: string,
): Omit<SummaryItem, 'agency' | 'recorded' | 'resourceType'> {
  if (resource.resourceType === 'AllergyIntolerance') {
    return {
      text: conceptText(resource.code) ?? '',
      code: conceptCode(resource.code),
      detail: resource.reaction
        ?.flatMap((r) => r.manifestation.map(conceptText))
        .filter(Boolean)
        .join(', '),
      date: resource.onsetDateTime ?? resource.recordedDate,
      status: conceptCode(resource.clinicalStatus),
    };
  }
  if (resource.resourceType === 'Condition') {
    return {
      text: conceptText(resource.code) ?? '',
      code: conceptCode(resource.code),
      date: resource.onsetDateTime ?? resource.onsetPeriod?.start ?? resource.recordedDate,
      status: conceptCode(resource.clinicalStatus),
    };
  }
  if (resource.resourceType === 'MedicationStatement') {
    return {
      text: conceptText(resource.medicationCodeableConcept) ?? resource.medicationReference?.display ?? '',
      code: conceptCode(resource.medicationCodeableConcept),
      detail: resource.dosage?.[0]?.text,
      date: resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.dateAsserted,
      status: resource.status,
    };
  }
  if (resource.resourceType === 'MedicationRequest') {
    return {
      text: conceptText(resource.medicationCodeableConcept) ?? resource.medicationReference?.display ?? '',
      code: conceptCode(resource.medicationCodeableConcept),
      detail: resource.dosageInstruction?.[0]?.text,
      date: resource.authoredOn,
      status: resource.status,
    };
  }
  if (resource.resourceType === 'Immunization') {
    return {
      text: conceptText(resource.vaccineCode) ?? '',
      code: conceptCode(resource.vaccineCode),
      date: resource.occurrenceDateTime ?? resource.recorded,
      status: resource.status,
    };
  }
  if (resource.resourceType === 'Procedure') {
    return {
      text: conceptText(resource.code) ?? '',
      code: conceptCode(resource.code),
      date: resource.performedDateTime ?? resource.performedPeriod?.start,
      status: resource.status,
    };
  }
  if (resource.resourceType === 'Observation') {
    return {
      text: conceptText(resource.code) ?? '',
      code: conceptCode(resource.code),
      detail:
        quantity(resource.valueQuantity, locale) ??
        resource.valueString ??
        conceptText(resource.valueCodeableConcept) ??
        (resource.valueBoolean === undefined ? undefined : String(resource.valueBoolean)),
      date: resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.issued,
    };
  }
  if (resource.resourceType === 'DiagnosticReport') {
    return {
      text: conceptText(resource.code) ?? '',
      code: conceptCode(resource.code),
      detail: resource.conclusion,
      date: resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.issued,
    };
  }
  if (resource.resourceType === 'Encounter') {
    return {
      text:
        conceptText(resource.type?.[0]) ??
        conceptText(resource.serviceType) ??
        resource.class.display ??
        resource.class.code ??
        '',
      detail: resource.reasonCode?.map(conceptText).filter(Boolean).join(', '),
      date: resource.period?.start,
    };
  }
  return { text: '' };
}

function sectionKey(section: CompositionSection): SummarySectionKey | undefined {
  for (const coding of section.code?.coding ?? []) {
    if (coding.system !== LOINC_SYSTEM) continue;
    const known = SUMMARY_SECTIONS.find((s) => s.code === coding.code);
    if (known) return known.key;
  }
  return undefined;
}

/** Every section of SUMMARY_SECTIONS in its order, empty when the document has none of it. */
export function readSummary(document: Bundle, locale: string): SummaryView {
  const byReference = new Map<string, FhirResource>();
  for (const entry of document.entry ?? []) {
    // A Bundle is typed with the generic Resource; resourceType tells which one each is.
    const resource = entry.resource as FhirResource | undefined;
    if (!resource) continue;
    if (entry.fullUrl) byReference.set(entry.fullUrl, resource);
    if (resource.id) byReference.set(`${resource.resourceType}/${resource.id}`, resource);
  }
  const composition = document.entry?.find((e) => e.resource?.resourceType === 'Composition')?.resource as
    Composition | undefined;
  const subject = composition?.subject?.reference
    ? byReference.get(composition.subject.reference)
    : undefined;
  const patient =
    subject?.resourceType === 'Patient'
      ? subject
      : (document.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource as
          Patient | undefined);

  const found = new Map<SummarySectionKey, SummaryItem[]>();
  for (const section of composition?.section ?? []) {
    const key = sectionKey(section);
    if (!key) continue;
    const items = found.get(key) ?? [];
    for (const ref of section.entry ?? []) {
      const resource = ref.reference ? byReference.get(ref.reference) : undefined;
      if (!resource) continue;
      const described = describe(resource, locale);
      items.push({
        resourceType: resource.resourceType,
        ...described,
        text: described.text || resource.resourceType,
        agency: sourceAgency('extension' in resource ? resource.extension : undefined),
        recorded: resource.meta?.lastUpdated,
      });
    }
    found.set(key, items);
  }

  return {
    patient: patient && {
      name: recipientName(patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0]),
      birthDate: patient.birthDate,
      identifiers: (patient.identifier ?? []).map((i) => i.value ?? '').filter(Boolean),
    },
    date: composition?.date,
    sections: SUMMARY_SECTIONS.map((s) => ({ key: s.key, items: found.get(s.key) ?? [] })),
  };
}
