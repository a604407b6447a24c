import type { Identifier, Patient, Reference, ServiceRequest } from 'fhir/r4';
import {
  activeAgencies,
  agencyOfReference,
  type DirectoryAgency,
  organizationIdOf,
} from '@passerelle/identity';
import { type Db, HUB_AGENCY, type VersionRow, type WriteHook } from '@passerelle/store';

/**
 * Why an agency may receive another agency's data about a person (docs/consent.md, "Care
 * relationships"): it holds its own record of the person (linked by the patient index), it is
 * the GP of record named on one of the person's records, or it performs an active referral.
 */
export type CareBasis = 'own-record' | 'gp-of-record' | 'referral';

/** One relationship, and the stored resource it is derived from. */
export interface CareRelationship {
  patientId: string;
  agency: string;
  basis: CareBasis;
  sourceType: 'Patient' | 'ServiceRequest';
  sourceId: string;
}

/** A referral is active while its ServiceRequest is: a completed or revoked one gives nothing. */
const ACTIVE_REFERRAL = new Set(['active']);

/** What one stored version needs to derive its relationships. */
export interface DerivationInput {
  type: string;
  id: string;
  deleted: boolean;
  sourceAgency: string | null;
  patientId: string | null;
  content: string | null;
}

/** The Organization references a version names that may stand for agencies. */
export function organizationReferencesOf(input: DerivationInput): Reference[] {
  if (input.deleted || input.content === null) return [];
  if (input.type === 'Patient') return (JSON.parse(input.content) as Patient).generalPractitioner ?? [];
  if (input.type === 'ServiceRequest') {
    const request = JSON.parse(input.content) as ServiceRequest;
    return request.status !== undefined && ACTIVE_REFERRAL.has(request.status)
      ? (request.performer ?? [])
      : [];
  }
  return [];
}

/**
 * The relationships one stored version establishes; none for a deletion (its earlier ones end).
 * Pure: the directory and the identifiers of the Organizations it cites are given.
 */
export function relationshipsOf(
  input: DerivationInput,
  agencies: readonly DirectoryAgency[],
  organizations: ReadonlyMap<string, readonly Identifier[]>,
): CareRelationship[] {
  if (input.deleted || input.content === null) return [];
  const out = new Map<string, CareRelationship>();
  const add = (patientId: string | null, agency: string | undefined, basis: CareBasis) => {
    if (!patientId || !agency || agency === HUB_AGENCY) return;
    const sourceType = input.type as CareRelationship['sourceType'];
    out.set(`${agency}|${basis}`, { patientId, agency, basis, sourceType, sourceId: input.id });
  };
  if (input.type === 'Patient') {
    add(input.id, input.sourceAgency ?? undefined, 'own-record');
    for (const ref of organizationReferencesOf(input))
      add(input.id, agencyOfReference(ref, agencies, organizations)?.id, 'gp-of-record');
  } else if (input.type === 'ServiceRequest') {
    for (const ref of organizationReferencesOf(input))
      add(input.patientId, agencyOfReference(ref, agencies, organizations)?.id, 'referral');
  }
  return [...out.values()];
}

/** The types whose versions make or end relationships. */
export const RELATIONSHIP_SOURCES: ReadonlySet<string> = new Set(['Patient', 'ServiceRequest']);

/** The identifiers of the Organizations with these ids (current, live), keyed `Organization/<id>`. */
async function organizationIdentifiers(db: Db, ids: readonly string[]): Promise<Map<string, Identifier[]>> {
  const out = new Map<string, Identifier[]>();
  if (ids.length === 0) return out;
  const rows: { id: string; identifier: Identifier[] | null }[] = await db.query(
    `SELECT id, content->'identifier' AS identifier FROM resource
      WHERE resource_type = 'Organization' AND id = ANY($1::text[]) AND NOT deleted`,
    [[...new Set(ids)]],
  );
  for (const row of rows) out.set(`Organization/${row.id}`, row.identifier ?? []);
  return out;
}

/**
 * Replaces the relationships derived from these versions' resources by what their new versions
 * establish, on the caller's connection (in the writing transaction: they commit together).
 */
export async function refreshRelationships(db: Db, written: readonly DerivationInput[]): Promise<void> {
  const sources = written.filter((w) => RELATIONSHIP_SOURCES.has(w.type));
  if (sources.length === 0) return;
  const orgIds = sources.flatMap((w) =>
    organizationReferencesOf(w).flatMap((r) => organizationIdOf(r.reference) ?? []),
  );
  // One after the other: a transaction's connection runs one statement at a time.
  const agencies = await activeAgencies(db);
  const organizations = await organizationIdentifiers(db, orgIds);
  const rows = sources.flatMap((w) => relationshipsOf(w, agencies, organizations));
  const derived = [
    rows.map((r) => r.patientId),
    rows.map((r) => r.agency),
    rows.map((r) => r.basis),
    rows.map((r) => r.sourceType),
    rows.map((r) => r.sourceId),
  ];
  // Only what changed is deleted and inserted: a relationship derived again stays as it was (its
  // `since` too), so the person's consent version (consent_version's triggers) moves only when
  // who may see them does, not at every write of their record.
  await db.query(
    `DELETE FROM care_relationship c USING unnest($1::text[], $2::text[]) AS s(type, id)
      WHERE c.source_type = s.type AND c.source_id = s.id
        AND NOT EXISTS (
          SELECT 1 FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                     AS n(patient_id, agency, basis, source_type, source_id)
           WHERE n.patient_id = c.patient_id AND n.agency = c.agency AND n.basis = c.basis
             AND n.source_type = c.source_type AND n.source_id = c.source_id)`,
    [sources.map((w) => w.type), sources.map((w) => w.id), ...derived],
  );
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO care_relationship (patient_id, agency, basis, source_type, source_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT DO NOTHING`,
    derived,
  );
}

/** For `FhirRepository`'s `afterWrite` (after the patient index has linked the Patients written). */
export const maintainCareRelationships: WriteHook = (db, _actor, written: readonly VersionRow[]) =>
  refreshRelationships(db, written);

/** A relationship as an operator sees it. */
export interface ListedRelationship extends CareRelationship {
  since: Date;
}

/**
 * The relationships of a person: every row about any of their records. `patientIds` are the
 * person's records (the patient index resolves them).
 */
export async function relationshipsFor(db: Db, patientIds: readonly string[]): Promise<ListedRelationship[]> {
  if (patientIds.length === 0) return [];
  const rows: {
    patient_id: string;
    agency: string;
    basis: CareBasis;
    source_type: CareRelationship['sourceType'];
    source_id: string;
    since: Date;
  }[] = await db.query(
    `SELECT patient_id, agency, basis, source_type, source_id, since FROM care_relationship
      WHERE patient_id = ANY($1::text[]) ORDER BY agency, basis, patient_id, source_type, source_id`,
    [[...patientIds]],
  );
  return rows.map((r) => ({
    patientId: r.patient_id,
    agency: r.agency,
    basis: r.basis,
    sourceType: r.source_type,
    sourceId: r.source_id,
    since: r.since,
  }));
}

/** The agencies with a relationship with any of these records (what the decision needs). */
export async function careAgenciesOf(db: Db, patientIds: readonly string[]): Promise<string[]> {
  if (patientIds.length === 0) return [];
  const rows: { agency: string }[] = await db.query(
    `SELECT DISTINCT agency FROM care_relationship WHERE patient_id = ANY($1::text[]) ORDER BY agency`,
    [[...patientIds]],
  );
  return rows.map((r) => r.agency);
}

/**
 * Derives every relationship again from the stored Patients and ServiceRequests, page by page:
 * for an upgrade, or after agencies' identifiers changed (a GP named by an identifier registered
 * later). Returns the number of relationships held afterwards.
 */
export async function rebuildRelationships(db: Db, pageSize = 500): Promise<number> {
  for (const type of RELATIONSHIP_SOURCES) {
    let after = '';
    for (;;) {
      const page: DerivationInput[] = await db.query(
        `SELECT resource_type AS type, id, deleted, source_agency AS "sourceAgency",
                patient_id AS "patientId", content::text AS content
           FROM resource WHERE resource_type = $1 AND id > $2 ORDER BY id LIMIT $3`,
        [type, after, pageSize],
      );
      if (page.length === 0) break;
      await refreshRelationships(db, page);
      after = page[page.length - 1].id;
    }
  }
  const [{ count }]: { count: string }[] = await db.query('SELECT count(*) AS count FROM care_relationship');
  return Number(count);
}
