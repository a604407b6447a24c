import type {
  AllergyIntolerance,
  CodeableConcept,
  Condition,
  DiagnosticReport,
  Encounter,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Narrative,
  Observation,
  Patient,
  Procedure,
  Quantity,
  Resource,
} from 'fhir/r4';
import { clinicalDate } from './membership';

export const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

/**
 * Text for XHTML: markup characters escaped, and the characters XML 1.0 cannot carry at all
 * (C0 controls but tab and line breaks, lone surrogates, U+FFFE/U+FFFF) removed, so whatever an
 * agency sent stays inert text in a well-formed div.
 */
export function escapeXhtml(value: string): string {
  let out = '';
  for (const ch of value) {
    if (!isXmlChar(ch.codePointAt(0) ?? 0)) continue;
    out += ESCAPES[ch] ?? ch;
  }
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** XML 1.0 Char production; iterating a string yields lone surrogates as themselves, so they fail. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** A generated narrative: the div in the XHTML namespace, `inner` already escaped markup. */
export function narrative(inner: string): Narrative {
  return { status: 'generated', div: `<div xmlns="${XHTML_NAMESPACE}">${inner}</div>` };
}

/** The words for a concept: its text, else the first display, else the first code. */
export function conceptText(concept: CodeableConcept | undefined): string | undefined {
  if (!concept) return undefined;
  if (concept.text) return concept.text;
  const coding = concept.coding ?? [];
  return coding.find((c) => c.display)?.display ?? coding.find((c) => c.code)?.code;
}

export function patientName(patient: Patient): string | undefined {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  if (!name) return undefined;
  if (name.text) return name.text;
  const parts = [...(name.given ?? []), name.family].filter((p): p is string => Boolean(p));
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function quantityText(q: Quantity | undefined): string | undefined {
  if (q?.value === undefined) return undefined;
  return [q.comparator, String(q.value), q.unit ?? q.code].filter(Boolean).join(' ');
}

/** The date part of a FHIR date or dateTime, as written. */
export function dayOf(value: string | undefined): string | undefined {
  return value?.slice(0, 10);
}

/** One narrative row: what, detail, status, when, from whom. */
export interface NarrativeRow {
  item: string;
  detail?: string;
  status?: string;
  date?: string;
  source: string;
}

/** What a clinician reads first about each resource, per type. */
export function describe(resource: Resource): Omit<NarrativeRow, 'source' | 'date'> {
  switch (resource.resourceType) {
    case 'AllergyIntolerance': {
      const r = resource as AllergyIntolerance;
      const reactions = (r.reaction ?? [])
        .flatMap((x) => x.manifestation.map(conceptText))
        .filter((t): t is string => Boolean(t));
      return {
        item: conceptText(r.code) ?? 'Allergy or intolerance',
        detail: [r.criticality && `criticality ${r.criticality}`, ...reactions].filter(Boolean).join('; '),
        status: conceptText(r.clinicalStatus),
      };
    }
    case 'Condition': {
      const r = resource as Condition;
      return {
        item: conceptText(r.code) ?? 'Condition',
        detail: conceptText(r.severity),
        status: conceptText(r.clinicalStatus),
      };
    }
    case 'MedicationStatement': {
      const r = resource as MedicationStatement;
      return {
        item: conceptText(r.medicationCodeableConcept) ?? r.medicationReference?.display ?? 'Medication',
        detail: r.dosage?.[0]?.text,
        status: r.status,
      };
    }
    case 'MedicationRequest': {
      const r = resource as MedicationRequest;
      return {
        item: conceptText(r.medicationCodeableConcept) ?? r.medicationReference?.display ?? 'Medication',
        detail: r.dosageInstruction?.[0]?.text,
        status: r.status,
      };
    }
    case 'Immunization': {
      const r = resource as Immunization;
      return { item: conceptText(r.vaccineCode) ?? 'Immunization', detail: r.lotNumber, status: r.status };
    }
    case 'Procedure': {
      const r = resource as Procedure;
      return { item: conceptText(r.code) ?? 'Procedure', detail: conceptText(r.outcome), status: r.status };
    }
    case 'Observation': {
      const r = resource as Observation;
      const value =
        quantityText(r.valueQuantity) ??
        conceptText(r.valueCodeableConcept) ??
        r.valueString ??
        (r.valueBoolean !== undefined ? String(r.valueBoolean) : undefined) ??
        (r.valueInteger !== undefined ? String(r.valueInteger) : undefined);
      const interpretation = conceptText(r.interpretation?.[0]);
      return {
        item: conceptText(r.code) ?? 'Observation',
        detail: [value, interpretation].filter(Boolean).join(' '),
        status: r.status,
      };
    }
    case 'DiagnosticReport': {
      const r = resource as DiagnosticReport;
      return { item: conceptText(r.code) ?? 'Report', detail: r.conclusion, status: r.status };
    }
    case 'Encounter': {
      const r = resource as Encounter;
      const kind = r.class.display ?? r.class.code;
      return {
        item: conceptText(r.type?.[0]) ?? kind ?? 'Encounter',
        detail: [kind, conceptText(r.reasonCode?.[0])].filter(Boolean).join(' - '),
        status: r.status,
      };
    }
    default:
      return { item: resource.resourceType };
  }
}

export function row(resource: Resource, source: string): NarrativeRow {
  return { ...describe(resource), date: dayOf(clinicalDate(resource)), source };
}

const cell = (value: string | undefined) => `<td>${escapeXhtml(value ?? '')}</td>`;

/** A section's narrative: a table of its entries, or a sentence saying why there are none. */
export function sectionNarrative(rows: readonly NarrativeRow[], empty: string): Narrative {
  if (rows.length === 0) return narrative(`<p>${escapeXhtml(empty)}</p>`);
  const head = ['Item', 'Details', 'Status', 'Date', 'Source'].map((h) => `<th>${h}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${cell(r.item)}${cell(r.detail)}${cell(r.status)}${cell(r.date)}${cell(r.source)}</tr>`)
    .join('');
  return narrative(`<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`);
}
