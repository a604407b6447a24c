import { createHash } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  Composition,
  CompositionSection,
  Device,
  Extension,
  Patient,
  Reference,
  Resource,
} from 'fhir/r4';
import { AGENCY_ID_SYSTEM } from '@passerelle/fhir';
import { assignSections, DEFAULT_LIMITS, SECTION_TYPES, type SummaryLimits } from './membership';
import { escapeXhtml, narrative, patientName, row, sectionNarrative } from './narrative';
import { rewriteReferences } from './references';
import {
  LIST_EMPTY_REASON_SYSTEM,
  LOINC_SYSTEM,
  PATIENT_SUMMARY_CODE,
  PATIENT_SUMMARY_DISPLAY,
  SOURCE_AGENCY_EXTENSION,
  SUMMARY_SECTIONS,
  type SummarySectionKey,
} from './sections';

/** A resource the requester may see, with the agency that sent it (the store's provenance). */
export interface SummarySource<T extends Resource = Resource> {
  resource: T;
  agency: string | null;
}

export interface SummaryAgency {
  id: string;
  name: string;
}

export interface SummaryRequester {
  agency: string;
  practitioner?: string;
}

export interface BuildSummaryInput {
  /** The Patient the summary is about, as the requester may see it. */
  patient: SummarySource<Patient>;
  /**
   * Everything the requester may see of the person (consent already applied by the caller, which
   * is the only thing standing between hidden data and this document): the builder keeps what
   * belongs in a section and drops the rest.
   */
  resources: readonly SummarySource[];
  /** Agency names for the source-agency extension and the narrative. */
  agencies: readonly SummaryAgency[];
  now: Date;
  requester: SummaryRequester;
  /** The hub's FHIR base URL: stored resources get `<base>/<type>/<id>` fullUrls; else urn:uuid. */
  baseUrl?: string;
  /** The patient's other records (the same person at other agencies): references to them are to this patient. */
  linkedPatientIds?: readonly string[];
  /** Types the requester's token may read; a section none of whose types it may read is `unavailable`. */
  readableTypes?: readonly string[];
  limits?: Partial<SummaryLimits>;
}

const HUB_NAME = 'Passerelle hub';

const EMPTY_REASON = {
  nilknown: { code: 'nilknown', display: 'Nil Known', text: 'No information known.' },
  unavailable: {
    code: 'unavailable',
    display: 'Unavailable',
    text: 'Not available to this requester.',
  },
} as const;

/** A UUID (RFC 9562 version 8: name-based, custom hash) from SHA-256 of `parts`. */
function uuidOf(...parts: string[]): string {
  const h = createHash('sha256').update(JSON.stringify(parts)).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const keyOf = (r: Resource) => `${r.resourceType}/${r.id ?? ''}`;

/**
 * An IPS-style patient summary: a FHIR `document` Bundle whose first entry is the Composition
 * (one section per SUMMARY_SECTIONS entry, with a generated narrative), then the Patient, then
 * each section's resources in section order, each saying which agency sent it, then the hub as
 * the author (a Device).
 * Pure: the same input gives the same document, identifier included.
 */
export function buildSummary(input: BuildSummaryInput): Bundle {
  const limits: SummaryLimits = { ...DEFAULT_LIMITS, ...input.limits };
  const names = new Map(input.agencies.map((a) => [a.id, a.name]));
  const agencyName = (id: string | null) => (id === null ? 'Unknown source' : (names.get(id) ?? id));
  const patientId = input.patient.resource.id ?? '';

  // Each resource once (the same person's records may repeat); entries are copies (prepare), the input stays as it was.
  const unique = new Map<string, SummarySource>();
  for (const source of input.resources) {
    if (source.resource.id !== undefined && !unique.has(keyOf(source.resource)))
      unique.set(keyOf(source.resource), source);
  }
  const agencyOf = new Map([...unique.values()].map((s) => [keyOf(s.resource), s.agency]));
  const sections = assignSections(
    [...unique.values()].map((s) => s.resource),
    input.now,
    limits,
  );
  const included = SUMMARY_SECTIONS.flatMap((s) => sections[s.key]);

  const versionOf = (r: Resource) => `${keyOf(r)}/${r.meta?.versionId ?? ''}`;
  const seed = [
    input.now.toISOString(),
    input.requester.agency,
    input.requester.practitioner ?? '',
    versionOf(input.patient.resource),
    ...included.map(versionOf),
  ];
  const documentId = uuidOf('document', ...seed);
  const compositionId = uuidOf('composition', ...seed);
  const deviceId = uuidOf('device', HUB_NAME);

  const fullUrlOf = (r: Resource) =>
    input.baseUrl !== undefined ? `${input.baseUrl}/${keyOf(r)}` : `urn:uuid:${uuidOf('resource', keyOf(r))}`;
  const patientFullUrl = fullUrlOf(input.patient.resource);
  const fullUrls = new Map([[keyOf(input.patient.resource), patientFullUrl]]);
  for (const r of included) fullUrls.set(keyOf(r), fullUrlOf(r));
  const targets = {
    fullUrls,
    samePerson: new Set([patientId, ...(input.linkedPatientIds ?? [])]),
    patientFullUrl,
    baseUrl: input.baseUrl,
  };

  /** A copy with the source-agency extension (any copy of it the sender wrote is replaced) and local references. */
  const prepare = <T extends Resource>(resource: T, agency: string | null): T => {
    const copy = structuredClone(resource) as T & { extension?: Extension[] };
    const own = (copy.extension ?? []).filter((x) => x.url !== SOURCE_AGENCY_EXTENSION);
    copy.extension = [...own, sourceAgencyExtension(agency, agencyName(agency))];
    rewriteReferences(copy, targets);
    return copy;
  };

  const readable = input.readableTypes ? new Set(input.readableTypes) : undefined;
  const compositionSections = SUMMARY_SECTIONS.map((definition): CompositionSection => {
    const members = sections[definition.key];
    const section: CompositionSection = {
      title: definition.title,
      code: { coding: [{ system: LOINC_SYSTEM, code: definition.code, display: definition.title }] },
    };
    if (members.length > 0) {
      section.text = sectionNarrative(
        members.map((r) => row(r, agencyName(agencyOf.get(keyOf(r)) ?? null))),
        '',
      );
      section.entry = members.map((r) => ({ reference: fullUrls.get(keyOf(r)) }));
      return section;
    }
    const reason = EMPTY_REASON[unavailable(definition.key, readable) ? 'unavailable' : 'nilknown'];
    section.text = sectionNarrative([], reason.text);
    section.emptyReason = {
      coding: [{ system: LIST_EMPTY_REASON_SYSTEM, code: reason.code, display: reason.display }],
      text: reason.text,
    };
    return section;
  });

  const name = patientName(input.patient.resource);
  const date = input.now.toISOString();
  const sources = [...new Set(included.map((r) => agencyName(agencyOf.get(keyOf(r)) ?? null)))].sort();
  const author: Reference = { reference: `urn:uuid:${deviceId}`, display: HUB_NAME };
  const composition: Composition = {
    resourceType: 'Composition',
    id: compositionId,
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${compositionId}` },
    language: 'en',
    text: narrative(
      [
        `<h1>Patient summary</h1>`,
        `<p>Patient: ${escapeXhtml(name ?? 'Name not recorded')}`,
        input.patient.resource.birthDate
          ? `, born ${escapeXhtml(input.patient.resource.birthDate)}</p>`
          : '</p>',
        `<p>Prepared by ${HUB_NAME} on ${escapeXhtml(date)} from what the requester may see.</p>`,
        `<p>Sources: ${escapeXhtml(sources.length > 0 ? sources.join(', ') : 'none')}</p>`,
      ].join(''),
    ),
    status: 'final',
    type: {
      coding: [{ system: LOINC_SYSTEM, code: PATIENT_SUMMARY_CODE, display: PATIENT_SUMMARY_DISPLAY }],
    },
    subject: { reference: patientFullUrl, ...(name ? { display: name } : {}) },
    date,
    author: [author],
    title: name ? `Patient summary: ${name}` : 'Patient summary',
    section: compositionSections,
  };
  const device: Device = {
    resourceType: 'Device',
    id: deviceId,
    deviceName: [{ name: HUB_NAME, type: 'user-friendly-name' }],
  };

  const entry: BundleEntry[] = [
    { fullUrl: `urn:uuid:${compositionId}`, resource: composition },
    { fullUrl: patientFullUrl, resource: prepare(input.patient.resource, input.patient.agency) },
    ...included.map((r) => ({
      fullUrl: fullUrls.get(keyOf(r)),
      resource: prepare(r, agencyOf.get(keyOf(r)) ?? null),
    })),
    { fullUrl: author.reference, resource: device },
  ];
  return {
    resourceType: 'Bundle',
    id: documentId,
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${documentId}` },
    type: 'document',
    timestamp: date,
    entry,
  };
}

export function sourceAgencyExtension(agency: string | null, name: string): Extension {
  return {
    url: SOURCE_AGENCY_EXTENSION,
    valueReference: {
      ...(agency !== null ? { identifier: { system: AGENCY_ID_SYSTEM, value: agency } } : {}),
      display: name,
    },
  };
}

/** Unavailable: the requester may read none of the section's types, so the hub could not look. */
function unavailable(key: SummarySectionKey, readable: ReadonlySet<string> | undefined): boolean {
  return readable !== undefined && !SECTION_TYPES[key].some((t) => readable.has(t));
}
