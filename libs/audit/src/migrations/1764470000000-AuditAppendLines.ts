import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `audit_append(columns, canonical text)`: the batch's canonical texts joined by newlines, one
 * per record. Canonical JSON never holds a raw newline (JSON.stringify escapes every control
 * character), so `string_to_array(..., E'\n')` gives the records back exactly, and the hub skips
 * the quoting of a `text[]` literal (node-postgres escapes every `"` of ~2 KB per record, and
 * PostgreSQL parses it back). Otherwise it is `audit_append(jsonb, text[])` (1764461000000, kept
 * for hubs not yet upgraded): same lock, same head, same links, one INSERT; the links fill one
 * array by index instead of growing two by concatenation (a copy per record).
 *
 * Where the server has it (PostgreSQL built with lz4; PGlite is not), `content` is compressed
 * with lz4 instead of pglz: the jsonb of a record (~2.1 KB) is over the TOAST threshold, so each
 * one is compressed; lz4 costs less CPU for some 7 % more bytes. Only new rows are affected.
 */
export class AuditAppendLines1764470000000 implements MigrationInterface {
  name = 'AuditAppendLines1764470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_append(p_columns jsonb, p_canonical text) RETURNS bigint
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        contents text[] := string_to_array(p_canonical, E'\\n');
        n integer := coalesce(array_length(contents, 1), 0);
        head bigint;
        prev text;
        hashes text[];
        inserted bigint;
      BEGIN
        IF n = 0 THEN RETURN 0; END IF;
        PERFORM pg_advisory_xact_lock(7020412);
        SELECT seq, hash INTO head, prev FROM audit_event ORDER BY seq DESC LIMIT 1;
        IF NOT FOUND THEN
          head := 0;
          prev := repeat('0', 64);
        END IF;
        hashes[0] := prev; -- hashes[i - 1] is the prev_hash of record i
        FOR i IN 1..n LOOP
          hashes[i] := encode(sha256(convert_to(hashes[i - 1] || E'\\n' || contents[i], 'UTF8')), 'hex');
        END LOOP;
        INSERT INTO audit_event
          (seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, content, hash, prev_hash)
        SELECT head + r.i, r.id, r.recorded, r.patient_id, r.agency, r.interaction, r.outcome, r.break_glass,
               contents[r.i]::jsonb, hashes[r.i], hashes[r.i - 1]
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
    await q.query(`
      DO $$
      BEGIN
        ALTER TABLE audit_event ALTER COLUMN content SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        NULL; -- built without lz4 (PGlite): pglz, the default
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_event ALTER COLUMN content SET COMPRESSION default`);
    await q.query(`DROP FUNCTION audit_append(jsonb, text)`);
  }
}
