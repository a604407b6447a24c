import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a consent decision needs without parsing the resource: security labels (`system|code`)
 * on every version, and the patient compartment and clinical date range on history rows too.
 */
export class DisclosureFacts1764410000000 implements MigrationInterface {
  name = 'DisclosureFacts1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE resource ADD COLUMN security text[] NOT NULL DEFAULT '{}'`);
    await q.query(
      `ALTER TABLE resource_version ADD COLUMN security text[] NOT NULL DEFAULT '{}', ADD COLUMN patient_id text,
         ADD COLUMN date_lo timestamptz, ADD COLUMN date_hi timestamptz`,
    );
    const labels = `ARRAY(SELECT coalesce(s->>'system', '') || '|' || coalesce(s->>'code', '')
                          FROM jsonb_array_elements(coalesce(content->'meta'->'security', '[]'::jsonb)) s)`;
    await q.query(`UPDATE resource SET security = ${labels} WHERE content IS NOT NULL`);
    await q.query(`UPDATE resource_version SET security = ${labels} WHERE content IS NOT NULL`);
    await q.query(`UPDATE resource_version v SET patient_id = r.patient_id, date_lo = r.date_lo, date_hi = r.date_hi
                     FROM resource r WHERE r.resource_type = v.resource_type AND r.id = v.id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE resource_version DROP COLUMN patient_id, DROP COLUMN security, DROP COLUMN date_lo, DROP COLUMN date_hi`,
    );
    await q.query(`ALTER TABLE resource DROP COLUMN security`);
  }
}
