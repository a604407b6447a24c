import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `audit_append(columns, canonical)`: appends a batch to the chain in one statement, so a group
 * commit is one round trip (and, outside a transaction, one implicit transaction) instead of
 * BEGIN, lock, head, INSERT, COMMIT.
 *
 * Under the chain lock (advisory, transaction-scoped, the key of AUDIT_CHAIN_LOCK), it reads the
 * head with a statement of its own (a fresh snapshot under READ COMMITTED, so it sees the previous
 * holder's commit), numbers the records after it and links them:
 * `hash = hex(sha256(prev_hash || E'\n' || canonical))`, UTF-8, exactly `linkHash` in
 * libs/audit (the verifier, in JS, is unchanged). The content stored is the canonical text cast
 * to jsonb: the same JSON value the hash covers. Hubs on one database append to one chain.
 * SECURITY INVOKER: the caller needs INSERT on audit_event (and nothing more).
 */
export class AuditAppend1764461000000 implements MigrationInterface {
  name = 'AuditAppend1764461000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_append(p_columns jsonb, p_canonical text[]) RETURNS bigint
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        n integer := coalesce(array_length(p_canonical, 1), 0);
        head bigint;
        prev text;
        hashes text[] := '{}';
        prevs text[] := '{}';
        c text;
        inserted bigint;
      BEGIN
        IF n = 0 THEN RETURN 0; END IF;
        PERFORM pg_advisory_xact_lock(7020412);
        SELECT seq, hash INTO head, prev FROM audit_event ORDER BY seq DESC LIMIT 1;
        IF NOT FOUND THEN
          head := 0;
          prev := repeat('0', 64);
        END IF;
        FOREACH c IN ARRAY p_canonical LOOP
          prevs := prevs || prev;
          prev := encode(sha256(convert_to(prev || E'\\n' || c, 'UTF8')), 'hex');
          hashes := hashes || prev;
        END LOOP;
        INSERT INTO audit_event
          (seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, content, hash, prev_hash)
        SELECT head + r.i, r.id, r.recorded, r.patient_id, r.agency, r.interaction, r.outcome, r.break_glass,
               p_canonical[r.i]::jsonb, hashes[r.i], prevs[r.i]
          FROM jsonb_to_recordset(p_columns) AS r(
            i integer, id text, recorded timestamptz, patient_id text, agency text, interaction text,
            outcome text, break_glass boolean);
        GET DIAGNOSTICS inserted = ROW_COUNT;
        IF inserted <> n THEN
          RAISE EXCEPTION 'audit_append: % columns rows for % records', inserted, n;
        END IF;
        RETURN head + n;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_append(jsonb, text[])`);
  }
}
