import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `consent_version(patient_id, version)`: a number per Patient record that changes, in the same
 * transaction, with anything a consent decision reads about that record: a Consent about it
 * (`resource` rows of type Consent: its compartment and every Patient it references, before and
 * after the change), a care relationship with it (`care_relationship`), its link to its person
 * (`mpi_link`: the person, or whether the link is live). Triggers keep it, so every writer
 * (hub, worker, operator commands, migrations, hubs not yet upgraded) bumps it without knowing.
 *
 * A person's decision input is fresh while the list of their live records and each record's
 * version are those it was read with (person-consent-source.ts): a merge or an unlink changes
 * the list itself, so a link change needs to bump only the record it moved. Every bump takes a
 * new value of one sequence, never reused, even by a transaction that rolls back: a version seen
 * once always stands for the same inputs. A record with no row yet reads as version 0.
 */
export class ConsentVersion1765800000000 implements MigrationInterface {
  name = 'ConsentVersion1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE consent_version_seq`);
    await q.query(`
      CREATE TABLE consent_version (
        patient_id text PRIMARY KEY,
        version bigint NOT NULL
      )`);
    // Sorted, so that two transactions bumping the same records lock them in one order.
    await q.query(`
      CREATE FUNCTION consent_version_bump(p_patients text[]) RETURNS void
      LANGUAGE sql VOLATILE AS $$
        INSERT INTO consent_version (patient_id, version)
        SELECT p, nextval('consent_version_seq')
          FROM (SELECT DISTINCT p FROM unnest(p_patients) AS p WHERE p IS NOT NULL AND p <> '' ORDER BY p) AS d
        ON CONFLICT (patient_id) DO UPDATE SET version = EXCLUDED.version
      $$`);
    // A Consent row: its compartment and every Patient its references name (a superset of what
    // the lookup's patient search matches), before and after.
    await q.query(`
      CREATE FUNCTION consent_version_of_consent() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        ids text[] := '{}';
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          ids := ids || OLD.patient_id || OLD.other_patients
            || ARRAY(SELECT split_part(x, '|Patient/', 2) FROM unnest(OLD.refs) AS x WHERE position('|Patient/' IN x) > 0);
        END IF;
        IF TG_OP <> 'DELETE' THEN
          ids := ids || NEW.patient_id || NEW.other_patients
            || ARRAY(SELECT split_part(x, '|Patient/', 2) FROM unnest(NEW.refs) AS x WHERE position('|Patient/' IN x) > 0);
        END IF;
        PERFORM consent_version_bump(ids);
        RETURN NULL;
      END
      $$`);
    // A care relationship or a patient index link: the record it is about, before and after.
    await q.query(`
      CREATE FUNCTION consent_version_of_patient_row() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM consent_version_bump(ARRAY[NEW.patient_id]);
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM consent_version_bump(ARRAY[OLD.patient_id]);
        ELSE
          PERFORM consent_version_bump(ARRAY[OLD.patient_id, NEW.patient_id]);
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER consent_version_consent_insert AFTER INSERT ON resource
        FOR EACH ROW WHEN (NEW.resource_type = 'Consent') EXECUTE FUNCTION consent_version_of_consent()`);
    await q.query(`
      CREATE TRIGGER consent_version_consent_update AFTER UPDATE ON resource
        FOR EACH ROW WHEN (OLD.resource_type = 'Consent' OR NEW.resource_type = 'Consent')
        EXECUTE FUNCTION consent_version_of_consent()`);
    await q.query(`
      CREATE TRIGGER consent_version_consent_delete AFTER DELETE ON resource
        FOR EACH ROW WHEN (OLD.resource_type = 'Consent') EXECUTE FUNCTION consent_version_of_consent()`);
    await q.query(`
      CREATE TRIGGER consent_version_care AFTER INSERT OR UPDATE OR DELETE ON care_relationship
        FOR EACH ROW EXECUTE FUNCTION consent_version_of_patient_row()`);
    await q.query(`
      CREATE TRIGGER consent_version_link_change AFTER INSERT OR DELETE ON mpi_link
        FOR EACH ROW EXECUTE FUNCTION consent_version_of_patient_row()`);
    // Only what the lookup reads of a link: which record, which person, live or not.
    await q.query(`
      CREATE TRIGGER consent_version_link_update AFTER UPDATE ON mpi_link
        FOR EACH ROW WHEN (OLD.patient_id IS DISTINCT FROM NEW.patient_id
          OR OLD.person_id IS DISTINCT FROM NEW.person_id OR OLD.active IS DISTINCT FROM NEW.active)
        EXECUTE FUNCTION consent_version_of_patient_row()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER consent_version_link_update ON mpi_link`);
    await q.query(`DROP TRIGGER consent_version_link_change ON mpi_link`);
    await q.query(`DROP TRIGGER consent_version_care ON care_relationship`);
    await q.query(`DROP TRIGGER consent_version_consent_delete ON resource`);
    await q.query(`DROP TRIGGER consent_version_consent_update ON resource`);
    await q.query(`DROP TRIGGER consent_version_consent_insert ON resource`);
    await q.query(`DROP FUNCTION consent_version_of_patient_row()`);
    await q.query(`DROP FUNCTION consent_version_of_consent()`);
    await q.query(`DROP FUNCTION consent_version_bump(text[])`);
    await q.query(`DROP TABLE consent_version`);
    await q.query(`DROP SEQUENCE consent_version_seq`);
  }
}
