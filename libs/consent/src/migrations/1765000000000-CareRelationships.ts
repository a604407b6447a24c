import type { MigrationInterface, QueryRunner } from 'typeorm';
import { rebuildRelationships } from '../relationships/care-relationships';

/**
 * Care relationships (docs/consent.md): which agency may receive a person's data from others,
 * derived from the stored Patients (own record, GP of record) and ServiceRequests (an active
 * referral's performer), kept in the writing transaction. `consent_lookup` now also answers the
 * agencies with a relationship with any of the person's records, so a consent-checked read is
 * still one statement. Relationships are derived once here from what is already stored.
 */
export class CareRelationships1765000000000 implements MigrationInterface {
  name = 'CareRelationships1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE care_relationship (
        patient_id text NOT NULL,
        agency text NOT NULL,
        basis text NOT NULL CHECK (basis IN ('own-record', 'gp-of-record', 'referral')),
        source_type text NOT NULL,
        source_id text NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source_type, source_id, basis, agency)
      )`);
    await q.query(`CREATE INDEX care_relationship_patient ON care_relationship (patient_id, agency)`);
    await q.query(`DROP FUNCTION consent_lookup(text, text, text[])`);
    await q.query(`
      CREATE FUNCTION consent_lookup(
        p_patient text, p_ref_prefix text, p_status_keys text[],
        OUT patient_ids text[], OUT consent_ids text[], OUT consent_versions integer[],
        OUT care_agencies text[])
      LANGUAGE plpgsql STABLE AS $$
      BEGIN
        SELECT p_patient || coalesce(array_agg(other.patient_id ORDER BY other.patient_id), '{}')
          INTO patient_ids
          FROM mpi_link self
          JOIN mpi_link other ON other.person_id = self.person_id AND other.active
         WHERE self.patient_id = p_patient AND self.active AND other.patient_id <> p_patient;
        SELECT coalesce(array_agg(r.id ORDER BY r.id), '{}'), coalesce(array_agg(r.version_id ORDER BY r.id), '{}')
          INTO consent_ids, consent_versions
          FROM resource r
         WHERE r.resource_type = 'Consent' AND NOT r.deleted
           AND r.refs && ARRAY(SELECT p_ref_prefix || x FROM unnest(patient_ids) AS x)
           AND r.tokens && p_status_keys;
        SELECT coalesce(array_agg(DISTINCT c.agency ORDER BY c.agency), '{}')
          INTO care_agencies
          FROM care_relationship c
         WHERE c.patient_id = ANY(patient_ids);
      END
      $$`);
    await rebuildRelationships(q.manager);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION consent_lookup(text, text, text[])`);
    await q.query(`
      CREATE FUNCTION consent_lookup(
        p_patient text, p_ref_prefix text, p_status_keys text[],
        OUT patient_ids text[], OUT consent_ids text[], OUT consent_versions integer[])
      LANGUAGE plpgsql STABLE AS $$
      BEGIN
        SELECT p_patient || coalesce(array_agg(other.patient_id ORDER BY other.patient_id), '{}')
          INTO patient_ids
          FROM mpi_link self
          JOIN mpi_link other ON other.person_id = self.person_id AND other.active
         WHERE self.patient_id = p_patient AND self.active AND other.patient_id <> p_patient;
        SELECT coalesce(array_agg(r.id ORDER BY r.id), '{}'), coalesce(array_agg(r.version_id ORDER BY r.id), '{}')
          INTO consent_ids, consent_versions
          FROM resource r
         WHERE r.resource_type = 'Consent' AND NOT r.deleted
           AND r.refs && ARRAY(SELECT p_ref_prefix || x FROM unnest(patient_ids) AS x)
           AND r.tokens && p_status_keys;
      END
      $$`);
    await q.query(`DROP TABLE care_relationship`);
  }
}
