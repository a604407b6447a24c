import type { Consent } from 'fhir/r4';
import type { SupportedType } from '@passerelle/fhir';
import { type Db, type FhirRepository, parseStored, type StoredResource } from '@passerelle/store';
import { type ConsentInputCounts, type ConsentSource, withLocalReferences } from './consent-source';
import { Lru } from './lru';
import { isPrivacyConsent } from './privacy-consent';
import type { PatientConsents } from './types';

interface LookupRow {
  patient_ids: string[];
  consent_ids: string[];
  consent_versions: number[];
  care_agencies: string[];
}

export interface PersonConsentSourceOptions {
  /**
   * Persons' decision inputs, and Consent versions parsed, kept (each; least recently used
   * dropped first). Default 5,000.
   */
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

/**
 * `consent_lookup($1, $2, $3)` and, in the same snapshot (a STABLE function runs in its caller's),
 * the consent version of each record it lists (`consent_version`, migration 1765800000000), in
 * the same order: what a person's cached input is keyed by.
 */
const INPUTS = {
  name: 'consent_inputs',
  text: `SELECT l.patient_ids, l.consent_ids, l.consent_versions, l.care_agencies,
                ARRAY(SELECT coalesce(v.version, 0)::text
                        FROM unnest(l.patient_ids) WITH ORDINALITY AS i(id, n)
                        LEFT JOIN consent_version v ON v.patient_id = i.id ORDER BY i.n) AS versions
           FROM consent_lookup($1, $2, $3::text[]) AS l`,
};

interface ReadTokenRow {
  patient_ids: string[];
  versions: string[];
}

/**
 * For the row `r` being read by agency $3: the live records of its patient's person (`r`'s first,
 * then the others sorted, as `consent_lookup` lists them) and each one's consent version, as joins
 * of the read; `patient_ids` is null where deciding needs no consents (no patient, or $3's own
 * data). The consents and relationships themselves are not read: the cached input of the person
 * is used while these match those it was read with.
 */
const READ_TOKEN = {
  name: 'consent_version_joined',
  columns: { patient_ids: 'p.ids', versions: 'p.versions' },
  joins: `
    LEFT JOIN LATERAL (
      SELECT array_agg(m.id ORDER BY m.n, m.id) AS ids,
             array_agg(coalesce(v.version, 0)::text ORDER BY m.n, m.id) AS versions
        FROM (SELECT r.patient_id AS id, 0 AS n
              UNION ALL
              SELECT o.patient_id, 1
                FROM mpi_link s JOIN mpi_link o ON o.person_id = s.person_id AND o.active
               WHERE s.patient_id = r.patient_id AND s.active AND o.patient_id <> r.patient_id) AS m
        LEFT JOIN consent_version v ON v.patient_id = m.id
    ) p ON r.patient_id IS NOT NULL AND r.source_agency IS DISTINCT FROM $3::text`,
};

/** A person's decision input, and the records and versions it was read with. */
interface PersonInput {
  versions: readonly string[];
  consents: PatientConsents;
}

/** Stands for a patient id while the store's search keys are derived. */
const PROBE = 'consent-lookup-probe';

/**
 * The hub's consent source. `consentsFor` and `consentsForMany` read each person afresh in one
 * statement, `consent_lookup` (migration 1764461000001): the person's live records through the
 * patient index, the id and version of every active Consent about any of them, and the agencies
 * with a care relationship with any of them.
 *
 * A consent-checked read (`readWithConsents`) reads instead, in the statement that reads the
 * row, the person's live records and each one's consent version (`consent_version`, migration
 * 1765800000000, moved by triggers in the same transaction as any Consent, care relationship or
 * link change of the record); the person's input is read again only when those differ from what
 * this process holds. So a revocation (or a relationship's end, or an unlink) committed by any
 * hub process holds for the very next decision, and an unchanged person costs two index probes.
 * Nothing is ever kept by time. Parsed Consents are kept by Consent id and version: a stored
 * version never changes, so an entry can be dropped but never be wrong. Both are bounded LRUs.
 *
 * It finds the same Consents as StoreConsentSource with PatientIndex.linkedPatients: the
 * search keys are the store's own for `Consent?patient=Patient/<id>&status=active`.
 */
export class PersonConsentSource implements ConsentSource {
  private readonly refPrefix: string;
  private readonly statusKeys: string[];
  /** `id/version` → the Consent as the rules read it, or null when it is not a privacy consent. */
  private readonly parsed: Lru<string, Consent | null>;
  /** By the record asked about: its person's input, and the records and versions it was read with. */
  private readonly persons: Lru<string, PersonInput>;
  /** Checked reads decided on a person's input held here, and those that read it again (metrics). */
  readonly inputs: ConsentInputCounts = { held: 0, read: 0 };

  constructor(
    private readonly repo: FhirRepository,
    options: PersonConsentSourceOptions = {},
  ) {
    const size = Math.max(1, options.cacheSize ?? 5_000);
    this.parsed = new Lru(size);
    this.persons = new Lru(size);
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
   * The current row and, in the same statement, the live records of its person and each one's
   * consent version (nothing read when deciding needs no consents: the asking agency's own data,
   * directory data, as `decide` rules). Where this process holds the person's input read with
   * those very records and versions, it is used as it is: nothing that decision reads has changed
   * since, whichever process changed what (the versions move in the changing transaction).
   * Otherwise the input is read again (`inputsOf`) before deciding.
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
      { ...READ_TOKEN, values: [agency] },
      db,
    );
    if (!stored || !companion || companion.patient_ids === null || stored.patientId === null)
      return { stored };
    const { patient_ids, versions } = companion as unknown as ReadTokenRow;
    const held = this.persons.get(stored.patientId);
    if (held && sameList(held.consents.patientIds, patient_ids) && sameList(held.versions, versions)) {
      this.inputs.held++;
      return { stored, consents: held.consents };
    }
    this.inputs.read++;
    return { stored, consents: await this.inputsOf(db, stored.patientId) };
  }

  /**
   * The decision input of the person of `patientId` as it is now, read in one statement with the
   * versions it is kept by (for the next read's freshness check).
   */
  private async inputsOf(db: Db, patientId: string): Promise<PatientConsents> {
    const rows: (LookupRow & { versions: string[] })[] = await db.query(INPUTS as unknown as string, [
      patientId,
      this.refPrefix,
      this.statusKeys,
    ]);
    const consents = await this.resolve(db, rows[0]);
    this.persons.set(patientId, { versions: rows[0].versions, consents });
    return consents;
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
      this.parsed.set(key, consent);
    }
    return consent;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
