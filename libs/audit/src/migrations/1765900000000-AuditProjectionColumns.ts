import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AUDIT_PROJECT, LOG_APPEND } from './1765750000000-AuditLog';

/**
 * The projection (`audit_event`) stops copying each record's content, and stops deriving its
 * columns from it: it was the dearest part of the projection (PostgreSQL parsed ~2 KB of JSON into
 * jsonb and compressed it again, for a copy of what the log already holds).
 *
 * - `audit_log` gains the searchable columns, unindexed (`id`, `recorded`, `patient_id`,
 *   `agency`, `interaction`, `outcome`, `break_glass`): the hub sends them with the append
 *   (`audit_log_append(canonical, columns)`, `columnsOf` in TypeScript), as it did before the
 *   log. They are not covered by the hash: the verifier checks the projection's columns against
 *   the log's content, whatever the log's columns say.
 * - `audit_project` copies those columns; for a record appended without them (a hub not yet
 *   upgraded calls `audit_log_append(canonical)`, records from before this migration) it derives
 *   them from the content in SQL as before.
 * - `audit_event` loses `content`: whoever reads a record's content joins the log on
 *   `(seq, appended_at)`, the primary key of both. `audit_trail` is that join, as a view, for
 *   people and scripts that want the old shape (`content` as jsonb).
 *
 * Every record already projected has its content in the log (migration 1765750000000 copied the
 * trail there), so dropping the column loses nothing. `down()` puts the content back into
 * `audit_event` from the log.
 */
export class AuditProjectionColumns1765900000000 implements MigrationInterface {
  name = 'AuditProjectionColumns1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_log
        ADD COLUMN id text,
        ADD COLUMN recorded timestamptz,
        ADD COLUMN patient_id text,
        ADD COLUMN agency text,
        ADD COLUMN interaction text,
        ADD COLUMN outcome text,
        ADD COLUMN break_glass boolean`);
    await q.query(LOG_APPEND_WITH_COLUMNS);
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append(p_canonical text) RETURNS bigint
      LANGUAGE sql VOLATILE AS $$ SELECT audit_log_append(p_canonical, NULL::jsonb) $$`);
    // Hubs from before the log send the columns too: they go with the record now.
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_append(p_columns jsonb, p_canonical text) RETURNS bigint
      LANGUAGE sql VOLATILE AS $$ SELECT audit_log_append(p_canonical, p_columns) $$`);
    await q.query(`DROP FUNCTION audit_project(integer, boolean)`);
    await q.query(PROJECT_COLUMNS);
    await q.query(ALIGN_WITH_LOG);
    await q.query(`ALTER TABLE audit_event DROP COLUMN content`);
    await q.query(TRAIL_VIEW);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW audit_trail`);
    await q.query(`ALTER TABLE audit_event ADD COLUMN content jsonb`);
    // Filling the column is an UPDATE, which the guards refuse: off for this statement only.
    await q.query(`ALTER TABLE audit_event DISABLE TRIGGER USER`);
    await q.query(`
      UPDATE audit_event e SET content = l.content::jsonb
        FROM audit_log l WHERE l.seq = e.seq AND l.appended_at = e.appended_at`);
    await q.query(`ALTER TABLE audit_event ENABLE TRIGGER USER`);
    await q.query(`ALTER TABLE audit_event ALTER COLUMN content SET NOT NULL`);
    await q.query(`
      DO $$
      BEGIN
        ALTER TABLE audit_event ALTER COLUMN content SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        NULL; -- built without lz4 (PGlite): pglz, the default
      END
      $$`);
    await q.query(`DROP FUNCTION audit_project(integer, boolean)`);
    await q.query(AUDIT_PROJECT);
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_append(p_columns jsonb, p_canonical text) RETURNS bigint
      LANGUAGE sql VOLATILE AS $$ SELECT audit_log_append(p_canonical) $$`);
    await q.query(`DROP FUNCTION audit_log_append(text)`);
    await q.query(LOG_APPEND);
    await q.query(`DROP FUNCTION audit_log_append(text, jsonb)`);
    await q.query(`
      ALTER TABLE audit_log
        DROP COLUMN id, DROP COLUMN recorded, DROP COLUMN patient_id, DROP COLUMN agency,
        DROP COLUMN interaction, DROP COLUMN outcome, DROP COLUMN break_glass`);
  }
}

/**
 * `audit_log_append(canonical, columns)`: 1765750000000's append, the searchable columns of each
 * record stored beside it. `columns` is a JSON array of objects `{i, id, recorded, patient_id,
 * agency, interaction, outcome, break_glass}`, `i` the record's line (from 1), as `audit_append`
 * took them before the log; a record without one (or `columns` NULL) is stored without them and
 * the projection derives them. Still one INSERT, no secondary index.
 */
const LOG_APPEND_WITH_COLUMNS = `
  CREATE FUNCTION audit_log_append(p_canonical text, p_columns jsonb) RETURNS bigint
  LANGUAGE plpgsql VOLATILE AS $$
  DECLARE
    contents text[] := string_to_array(p_canonical, E'\\n');
    n integer := coalesce(array_length(contents, 1), 0);
    head bigint;
    prev text;
    head_at timestamptz;
    stamp timestamptz;
    hashes text[];
  BEGIN
    IF n = 0 THEN RETURN 0; END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
      RAISE EXCEPTION 'audit_append needs READ COMMITTED: an older snapshot would fork the chain'
        USING ERRCODE = 'invalid_transaction_state';
    END IF;
    PERFORM pg_advisory_xact_lock(7020412);
    stamp := clock_timestamp();
    SELECT seq, hash, appended_at INTO head, prev, head_at FROM audit_log
     WHERE appended_at >= stamp - interval '31 days' ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
      SELECT seq, hash, appended_at INTO head, prev, head_at FROM audit_log ORDER BY seq DESC LIMIT 1;
      IF NOT FOUND THEN
        SELECT last_seq, last_hash INTO head, prev FROM audit_archive ORDER BY last_seq DESC LIMIT 1;
        IF NOT FOUND THEN
          head := 0;
          prev := repeat('0', 64);
        END IF;
      END IF;
    END IF;
    stamp := greatest(stamp, head_at);
    hashes[0] := prev; -- hashes[i - 1] is the prev_hash of record i
    FOR i IN 1..n LOOP
      hashes[i] := encode(sha256(convert_to(hashes[i - 1] || E'\\n' || contents[i], 'UTF8')), 'hex');
    END LOOP;
    INSERT INTO audit_log
      (seq, hash, prev_hash, content, appended_at,
       id, recorded, patient_id, agency, interaction, outcome, break_glass)
    SELECT head + g.k, hashes[g.k], hashes[g.k - 1], contents[g.k], stamp,
           c.id, c.recorded, c.patient_id, c.agency, c.interaction, c.outcome, c.break_glass
      FROM generate_series(1, n) AS g(k)
      LEFT JOIN jsonb_to_recordset(p_columns) AS c(
        i integer, id text, recorded timestamptz, patient_id text, agency text, interaction text,
        outcome text, break_glass boolean) ON c.i = g.k;
    RETURN head + n;
  END
  $$`;

/**
 * `audit_project(limit, wait)` as in 1765750000000 (one projector, a cursor moved in the same
 * transaction), without the content: the columns are the log's, or, for a record stored without
 * them (`recorded` NULL), derived from its content in SQL as `columnsOf` derives them.
 */
const PROJECT_COLUMNS = `
  CREATE FUNCTION audit_project(p_limit integer, p_wait boolean) RETURNS integer
  LANGUAGE plpgsql VOLATILE AS $$
  DECLARE
    cur bigint;
    cur_at timestamptz;
    moved integer;
    last_seq bigint;
    last_at timestamptz;
  BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN RETURN 0; END IF;
    IF p_wait THEN
      PERFORM pg_advisory_xact_lock(7020414);
    ELSIF NOT pg_try_advisory_xact_lock(7020414) THEN
      RETURN -1;
    END IF;
    SELECT through, through_at INTO cur, cur_at FROM audit_projection;
    WITH next AS (
      SELECT l.seq, l.hash, l.prev_hash, l.appended_at, l.id, l.recorded, l.patient_id, l.agency,
             l.interaction, l.outcome, l.break_glass,
             CASE WHEN l.recorded IS NULL THEN l.content::jsonb END AS c
        FROM audit_log l
       WHERE l.seq > cur AND l.appended_at >= cur_at ORDER BY l.seq LIMIT p_limit
    ), moved_rows AS (
      INSERT INTO audit_event
        (seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, hash, prev_hash, appended_at)
      SELECT seq,
             CASE WHEN c IS NULL THEN id ELSE coalesce(c->>'id', '') END,
             CASE WHEN c IS NULL THEN recorded ELSE (c->>'recorded')::timestamptz END,
             CASE WHEN c IS NULL THEN patient_id ELSE substring(jsonb_path_query_first(c,
               '$.entity[*] ? (@.role.code == "1" && @.role.system == "http://terminology.hl7.org/CodeSystem/object-role")'
             ) #>> '{what,reference}' from '^Patient/(.+)$') END,
             CASE WHEN c IS NULL THEN agency ELSE substring(jsonb_path_query_first(c,
               '$.agent[*] ? (exists (@.type.coding[*] ? (@.code == "110153")))'
             ) #>> '{who,reference}' from '^Organization/(.+)$') END,
             CASE WHEN c IS NULL THEN interaction ELSE coalesce(jsonb_path_query_first(c,
               '$.subtype[*] ? (@.system == "http://hl7.org/fhir/restful-interaction")') ->> 'code', '') END,
             CASE WHEN c IS NULL THEN outcome ELSE coalesce(c->>'outcome', '') END,
             CASE WHEN c IS NULL THEN break_glass
                  ELSE jsonb_path_exists(c, '$.extension[*] ? (@.url == "urn:passerelle:audit:break-glass")') END,
             hash, prev_hash, appended_at
        FROM next ORDER BY seq
      RETURNING seq, appended_at
    )
    SELECT count(*), max(seq), max(appended_at) INTO moved, last_seq, last_at FROM moved_rows;
    IF moved > 0 THEN
      UPDATE audit_projection SET through = last_seq, through_at = last_at;
    END IF;
    RETURN moved;
  END
  $$`;

/**
 * Before the content goes: every projected record must be in the log (else the migration stops,
 * and nothing is dropped), and the projection's `appended_at` becomes the log's. Migration
 * 1765750000000 copied the trail into the log through JavaScript dates, milliseconds where
 * PostgreSQL keeps microseconds, so a record projected before it may differ from its log row by
 * under a millisecond (never across a month: the log's is the lower). Readers join the two on
 * `(seq, appended_at)`, their primary key. Only the projection is rewritten (guards off for the
 * statement): the log, and the chain's hashes, which do not cover `appended_at`, stay as they are.
 */
const ALIGN_WITH_LOG = `
  DO $$
  DECLARE
    orphan bigint;
  BEGIN
    SELECT e.seq INTO orphan FROM audit_event e
     WHERE NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.seq = e.seq AND l.hash = e.hash) LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'audit_event holds record % that audit_log does not: its content would be lost', orphan;
    END IF;
    ALTER TABLE audit_event DISABLE TRIGGER USER;
    UPDATE audit_event e SET appended_at = l.appended_at
      FROM audit_log l WHERE l.seq = e.seq AND l.appended_at <> e.appended_at;
    ALTER TABLE audit_event ENABLE TRIGGER USER;
  END
  $$`;

/** The projection's rows with each record's content from the log: the old shape of `audit_event`. */
const TRAIL_VIEW = `
  CREATE VIEW audit_trail AS
  SELECT e.seq, e.id, e.recorded, e.patient_id, e.agency, e.interaction, e.outcome, e.break_glass,
         l.content::jsonb AS content, e.hash, e.prev_hash, e.appended_at
    FROM audit_event e
    JOIN audit_log l ON l.seq = e.seq AND l.appended_at = e.appended_at`;
