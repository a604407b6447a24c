import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `consent_lookup(patient, ref_prefix, status_keys)`: what a consent decision reads about a
 * person, in one statement with cached plans (planning the two queries it replaces cost more
 * than running them): the person's live Patient records (the record asked about first, then the
 * others sorted) through the patient index (`mpi_link`, libs/identity), and the id and current
 * version of every Consent about any of them that `Consent?patient=...&status=active` finds in
 * the store (`resource`, libs/store). Callers derive `ref_prefix` and `status_keys` from the
 * store's search keys. Both reads see one snapshot (STABLE); nothing is cached here, so a
 * revocation holds for the very next call, whichever hub process recorded it.
 */
export class ConsentLookup1764461000001 implements MigrationInterface {
  name = 'ConsentLookup1764461000001';

  async up(q: QueryRunner): Promise<void> {
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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION consent_lookup(text, text, text[])`);
  }
}
