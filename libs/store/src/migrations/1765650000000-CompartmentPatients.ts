import { extractSearchValues, isSupportedType } from '@passerelle/fhir';
import type { Resource } from 'fhir/r4';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const BATCH = 500;

/**
 * A resource may sit in several patients' compartments (a Group's members, an Appointment with
 * two patients, an Observation one patient performed on another): `patient_id` keeps the patient
 * of record, `other_patients` the others, on current rows and on every version, so consent can
 * ask each of them. Stored rows are placed again by the official Patient CompartmentDefinition,
 * with the same extraction as the write path; a deletion keeps the placement of the version it
 * deleted.
 */
export class CompartmentPatients1765650000000 implements MigrationInterface {
  name = 'CompartmentPatients1765650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE resource ADD COLUMN other_patients text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE resource_version ADD COLUMN other_patients text[] NOT NULL DEFAULT '{}'`);
    await q.query(
      `CREATE INDEX resource_other_patients ON resource USING gin (other_patients) WITH (fastupdate = off)`,
    );
    await placeAgain(q, 'resource', ['resource_type', 'id']);
    await placeAgain(q, 'resource_version', ['resource_type', 'id', 'version_id']);
    await q.query(`UPDATE resource_version d SET patient_id = v.patient_id, other_patients = v.other_patients
                     FROM resource_version v
                    WHERE d.content IS NULL AND v.resource_type = d.resource_type AND v.id = d.id
                      AND v.version_id = d.version_id - 1`);
    await q.query(`UPDATE resource r SET patient_id = v.patient_id, other_patients = v.other_patients
                     FROM resource_version v
                    WHERE r.deleted AND v.resource_type = r.resource_type AND v.id = r.id
                      AND v.version_id = r.version_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX resource_other_patients`);
    await q.query(`ALTER TABLE resource_version DROP COLUMN other_patients`);
    await q.query(`ALTER TABLE resource DROP COLUMN other_patients`);
  }
}

/** Recomputes patient_id and other_patients of every row of `table` that has content, in batches. */
async function placeAgain(q: QueryRunner, table: string, key: readonly string[]): Promise<void> {
  let after: (string | number)[] = key.map((k) => (k === 'version_id' ? 0 : ''));
  const columns = key.join(', ');
  const placeholders = key.map((_, i) => `$${i + 1}`).join(', ');
  for (;;) {
    const rows = (await q.query(
      `SELECT ${columns}, content::text AS content FROM ${table}
        WHERE content IS NOT NULL AND (${columns}) > (${placeholders}) ORDER BY ${columns} LIMIT ${BATCH}`,
      after,
    )) as { resource_type: string; id: string; version_id?: number; content: string }[];
    if (rows.length === 0) break;
    const placed = rows
      .filter((r) => isSupportedType(r.resource_type))
      .map((r) => {
        const resource = JSON.parse(r.content) as Resource;
        const ids = isSupportedType(r.resource_type)
          ? extractSearchValues(r.resource_type, resource).patientIds
          : [];
        return { ...r, patient: ids[0] ?? null, others: ids.slice(1) };
      });
    if (placed.length > 0) {
      const versioned = key.includes('version_id');
      await q.query(
        `UPDATE ${table} t SET patient_id = p.patient, other_patients = p.others
           FROM jsonb_to_recordset($1::jsonb) AS p(resource_type text, id text, version_id integer, patient text, others text[])
          WHERE t.resource_type = p.resource_type AND t.id = p.id${versioned ? ' AND t.version_id = p.version_id' : ''}`,
        [
          JSON.stringify(
            placed.map(({ resource_type, id, version_id, patient, others }) => ({
              resource_type,
              id,
              version_id,
              patient,
              others,
            })),
          ),
        ],
      );
    }
    const last = rows[rows.length - 1];
    after = key.map((k) =>
      k === 'version_id' ? (last.version_id ?? 0) : k === 'id' ? last.id : last.resource_type,
    );
  }
}
