import type { Consent } from 'fhir/r4';
import type { SupportedType } from '@passerelle/fhir';
import { type Db, type FhirRepository, parseStored, type StoredResource } from '@passerelle/store';
import { type ConsentSource, withLocalReferences } from './consent-source';
import { isPrivacyConsent } from './privacy-consent';
import type { PatientConsents } from './types';

interface LookupRow {
  patient_ids: string[];
  consent_ids: string[];
  consent_versions: number[];
  care_agencies: string[];
}

export interface PersonConsentSourceOptions {
  /** Consent versions kept parsed (least recently used dropped first). Default 5,000. */
  cacheSize?: number;
}

/**
 * A named statement (a node-postgres query config, which TypeORM hands through): parsed and
 * planned once per connection; the function's own statements keep their plans too.
 */
const LOOKUP = {
  name: 'consent_lookup',
  text: 'SELECT patient_ids, consent_ids, consent_versions, care_agencies FROM consent_lookup($1, $2, $3::text[])',
};

interface ReadLookupRow {
  patient_ids: string[];
  consent_ids: string[];
  consent_versions: number[];
  care: boolean;
}

/**
 * `consent_lookup(r.patient_id, $4, $5)` for the row `r` being read by agency $3, as joins of the
 * read; `patient_ids` is null where deciding needs no consents (no patient, or $3's own data).
 */
const READ_LOOKUP = {
  name: 'consent_lookup_joined',
  columns: {
    patient_ids: 'p.ids',
    consent_ids: 'c.ids',
    consent_versions: 'c.versions',
    care: 'k.care',
  },
  joins: `
    LEFT JOIN LATERAL (
      SELECT r.patient_id || coalesce(array_agg(o.patient_id ORDER BY o.patient_id), '{}') AS ids
        FROM mpi_link s JOIN mpi_link o ON o.person_id = s.person_id AND o.active
       WHERE s.patient_id = r.patient_id AND s.active AND o.patient_id <> r.patient_id
    ) p ON r.patient_id IS NOT NULL AND r.source_agency IS DISTINCT FROM $3::text
    LEFT JOIN LATERAL (
      SELECT coalesce(array_agg(x.id ORDER BY x.id), '{}') AS ids,
             coalesce(array_agg(x.version_id ORDER BY x.id), '{}') AS versions
        FROM resource x
       WHERE x.resource_type = 'Consent' AND NOT x.deleted
         AND x.refs && ARRAY(SELECT $4::text || y FROM unnest(p.ids) AS y)
         AND x.tokens && $5::text[]
    ) c ON p.ids IS NOT NULL
    LEFT JOIN LATERAL (
      SELECT EXISTS (SELECT 1 FROM care_relationship k WHERE k.patient_id = ANY(p.ids) AND k.agency = $3::text) AS care
    ) k ON p.ids IS NOT NULL`,
};

/** Stands for a patient id while the store's search keys are derived. */
const PROBE = 'consent-lookup-probe';

/**
 * The hub's consent source: one statement per person, `consent_lookup` (migration
 * 1764461000001), reads the person's live records through the patient index and the id and
 * version of every active Consent about any of them, and the agencies with a care relationship
 * with any of them, afresh on every call, so a revocation (or a relationship's end) made
 * by any hub process holds for the very next decision. Only the parsing is cached: by Consent
 * id and version, and a stored version never changes, so an entry can be dropped but never be
 * wrong. A version not held yet is read by its (id, version) on the same connection.
 *
 * It finds the same Consents as StoreConsentSource with PatientIndex.linkedPatients: the
 * search keys are the store's own for `Consent?patient=Patient/<id>&status=active`.
 * `readWithConsents` folds the lookup into the read of the resource decided on: one round trip
 * for a consent-checked read.
 */
export class PersonConsentSource implements ConsentSource {
  private readonly refPrefix: string;
  private readonly statusKeys: string[];
  private readonly cacheSize: number;
  /** `id/version` → the Consent as the rules read it, or null when it is not a privacy consent. */
  private readonly parsed = new Map<string, Consent | null>();

  constructor(
    private readonly repo: FhirRepository,
    options: PersonConsentSourceOptions = {},
  ) {
    this.cacheSize = Math.max(1, options.cacheSize ?? 5_000);
    const query = repo.parseQuery('Consent', { patient: `Patient/${PROBE}`, status: 'active' }, false);
    const reference = query.filters.find((f) => f.kind === 'reference');
    const status = query.filters.find((f) => f.kind === 'token');
    const key = reference?.kind === 'reference' && reference.keys.length === 1 ? reference.keys[0] : '';
    if (!key.endsWith(PROBE) || status?.kind !== 'token' || status.keys.length === 0)
      throw new Error('Cannot derive the search keys of Consent?patient=&status=');
    this.refPrefix = key.slice(0, -PROBE.length);
    this.statusKeys = status.keys;
  }

  async consentsFor(db: Db, patientId: string): Promise<PatientConsents> {
    const rows: LookupRow[] = await db.query(LOOKUP as unknown as string, [
      patientId,
      this.refPrefix,
      this.statusKeys,
    ]);
    return this.resolve(db, rows[0]);
  }

  /** `consent_lookup` of each patient, in one statement. */
  async consentsForMany(db: Db, patientIds: readonly string[]): Promise<Map<string, PatientConsents>> {
    const out = new Map<string, PatientConsents>();
    const asked = [...new Set(patientIds)];
    if (asked.length === 0) return out;
    const rows: (LookupRow & { asked: string })[] = await db.query(
      `SELECT p.asked, l.patient_ids, l.consent_ids, l.consent_versions, l.care_agencies
         FROM unnest($1::text[]) AS p(asked), consent_lookup(p.asked, $2, $3::text[]) AS l`,
      [asked, this.refPrefix, this.statusKeys],
    );
    for (const row of rows) out.set(row.asked, await this.resolve(db, row));
    return out;
  }

  /**
   * The current row and, in the same statement, the consents of its person: none read when
   * deciding needs none (the asking agency's own data, directory data), as `decide` rules. The
   * lookup is `consent_lookup`'s, written out as joins of the read (no function call, no record
   * to serialise), and asks only whether `agency` has a care relationship (an index probe, where
   * the function lists every agency that has one): `careAgencies` is `[agency]` or empty.
   */
  async readWithConsents(
    db: Db,
    agency: string,
    type: SupportedType,
    id: string,
  ): Promise<{ stored?: StoredResource; consents?: PatientConsents }> {
    // Internal: the consent check itself, deciding on the row before anything is disclosed.
    const { stored, companion } = await this.repo.internal.currentWith(
      type,
      id,
      { ...READ_LOOKUP, values: [agency, this.refPrefix, this.statusKeys] },
      db,
    );
    if (!stored || !companion || companion.patient_ids === null) return { stored };
    const { patient_ids, consent_ids, consent_versions, care } = companion as unknown as ReadLookupRow;
    return {
      stored,
      consents: await this.resolve(db, {
        patient_ids,
        consent_ids,
        consent_versions,
        care_agencies: care ? [agency] : [],
      }),
    };
  }

  private async resolve(db: Db, row: LookupRow): Promise<PatientConsents> {
    const { patient_ids: patientIds, consent_ids: ids, consent_versions: versions, care_agencies } = row;
    const consents: Consent[] = [];
    for (let i = 0; i < ids.length; i++) {
      const consent = await this.consent(db, ids[i], versions[i]);
      if (consent) consents.push(consent);
    }
    return { patientIds, consents, careAgencies: care_agencies };
  }

  private async consent(db: Db, id: string, version: number): Promise<Consent | null> {
    const key = `${id}/${version}`;
    let consent = this.parsed.get(key);
    if (consent === undefined) {
      // Internal: the consent check reading the consents it decides with.
      const stored = await this.repo.internal.version('Consent', id, String(version), db);
      if (!stored || stored.deleted) return null; // not reached: the lookup saw it current and live
      const resource = parseStored<Consent>(stored);
      consent = isPrivacyConsent(resource)
        ? withLocalReferences(resource, this.repo.options.localBases)
        : null;
    } else {
      this.parsed.delete(key); // re-inserted below: the Map's order is the recency order
    }
    this.parsed.set(key, consent);
    if (this.parsed.size > this.cacheSize) this.parsed.delete(this.parsed.keys().next().value as string);
    return consent;
  }
}
