import type { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalJson } from '../canonical-json';
import { APPEND as PARTITIONED_APPEND } from './1765640000000-AuditPartitions';

/** Rows copied per statement by the backfill. */
const CHUNK = 1000;

/**
 * The durable part of the audit trail becomes a narrow log, `audit_log(seq, hash, prev_hash,
 * content, appended_at)`: the canonical JSON the hash covers, as text (lz4 where the server has
 * it, and compressed from 128 bytes on: `toast_tuple_target`), and no index but its primary key.
 * `audit_append` now writes only there, so a disclosure waits for one narrow insert.
 *
 * `audit_event` keeps its name, columns and indexes and becomes a projection of the log, built
 * after the fact by `audit_project(limit, wait)`: under an advisory lock of its own (one
 * projector at a time across hubs; `wait` false returns -1 when another holds it), it moves the
 * log rows after its cursor (`audit_projection`, updated in the same transaction) into
 * `audit_event`, deriving the indexed columns from the content in SQL as `columnsOf` does in
 * TypeScript (the verifier checks that they agree). The log commits in `seq` order (the chain
 * lock lasts until COMMIT), so a cursor never skips a record.
 *
 * Both tables are partitioned by month alike: `audit_event_partition(month)` makes the month of
 * each. The backfill copies every existing record into the log with its canonical JSON
 * recomputed from the stored jsonb (as the verifier always did), so the chain verifies as
 * before. `down()` projects what the log holds beyond the projection, then drops the log.
 */
export class AuditLog1765750000000 implements MigrationInterface {
  name = 'AuditLog1765750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        seq bigint NOT NULL CHECK (seq > 0),
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        prev_hash text NOT NULL,
        content text NOT NULL,
        appended_at timestamptz NOT NULL,
        PRIMARY KEY (seq, appended_at)
      ) PARTITION BY RANGE (appended_at)`);
    await q.query(`
      DO $$
      BEGIN
        ALTER TABLE audit_log ALTER COLUMN content SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        NULL; -- built without lz4 (PGlite): pglz, the default
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(PARTITION_BOTH);
    // The log's months: those of every partition attached to audit_event (archived months are not kept).
    await q.query(`
      SELECT audit_event_partition(to_date(substring(c.relname from 'y([0-9]{4}m[0-9]{2})$'), 'YYYY"m"MM'))
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_event'::regclass AND c.relname ~ '^audit_event_y[0-9]{4}m[0-9]{2}$'`);
    await q.query(`
      CREATE TABLE audit_projection (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        through bigint NOT NULL,
        through_at timestamptz NOT NULL
      )`);

    // Backfill, in seq order, a chunk at a time: the canonical text of each stored event.
    for (let after = 0; ;) {
      const rows = (await q.query(
        `SELECT seq, hash, prev_hash, content, appended_at FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT ${CHUNK}`,
        [after],
      )) as { seq: string; hash: string; prev_hash: string; content: object; appended_at: Date }[];
      if (rows.length === 0) break;
      await q.query(
        `INSERT INTO audit_log (seq, hash, prev_hash, content, appended_at)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])`,
        [
          rows.map((r) => r.seq),
          rows.map((r) => r.hash),
          rows.map((r) => r.prev_hash),
          rows.map((r) => canonicalJson(r.content)),
          rows.map((r) => new Date(r.appended_at).toISOString()),
        ],
      );
      after = Number(rows[rows.length - 1].seq);
    }
    await q.query(`
      INSERT INTO audit_projection (through, through_at)
      SELECT coalesce((SELECT max(seq) FROM audit_event), (SELECT max(last_seq) FROM audit_archive), 0),
             coalesce((SELECT max(appended_at) FROM audit_event), '-infinity')`);
    await q.query(`
      CREATE TRIGGER audit_projection_forward BEFORE UPDATE ON audit_projection
        FOR EACH ROW WHEN (NEW.through < OLD.through) EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(LOG_APPEND);
    // Hubs not yet upgraded call audit_append(columns, canonical): the columns are the projection's now.
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_append(p_columns jsonb, p_canonical text) RETURNS bigint
      LANGUAGE sql VOLATILE AS $$ SELECT audit_log_append(p_canonical) $$`);
    await q.query(AUDIT_PROJECT);
  }

  async down(q: QueryRunner): Promise<void> {
    // Everything the log holds goes into audit_event first: then the log can go.
    await q.query(`
      DO $$
      BEGIN
        LOOP
          EXIT WHEN audit_project(10000, true) < 10000;
        END LOOP;
      END
      $$`);
    await q.query(`DROP FUNCTION audit_project(integer, boolean)`);
    await q.query(`DROP FUNCTION audit_append(jsonb, text)`);
    await q.query(`DROP FUNCTION audit_log_append(text)`);
    await q.query(PARTITIONED_APPEND);
    await q.query(`DROP TABLE audit_projection`);
    await q.query(`DROP TABLE audit_log`); // and its partitions still attached
    await q.query(PARTITION_EVENT_ONLY);
  }
}

/** `audit_event_partition(month)`: the month's partition of the projection and of the log. */
const PARTITION_BOTH = `
  CREATE OR REPLACE FUNCTION audit_event_partition(p_month date) RETURNS text LANGUAGE plpgsql AS $$
  DECLARE
    first date := date_trunc('month', p_month)::date;
    suffix text := format('y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
    part text := 'audit_event_' || suffix;
    log_part text := 'audit_log_' || suffix;
    lo timestamptz := first::timestamp AT TIME ZONE 'UTC';
    hi timestamptz := (first + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    made text;
  BEGIN
    IF to_regclass(log_part) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)
                      WITH (toast_tuple_target = 128)', log_part, lo, hi);
    END IF;
    IF to_regclass(part) IS NULL THEN -- there, or detached and kept
      EXECUTE format('CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      made := part;
    END IF;
    RETURN made;
  END
  $$`;

/** 1765640000000's `audit_event_partition`, for `down()`. */
const PARTITION_EVENT_ONLY = `
  CREATE OR REPLACE FUNCTION audit_event_partition(p_month date) RETURNS text LANGUAGE plpgsql AS $$
  DECLARE
    first date := date_trunc('month', p_month)::date;
    part text := format('audit_event_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
  BEGIN
    IF to_regclass(part) IS NOT NULL THEN RETURN NULL; END IF; -- there, or detached and kept
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)', part,
      first::timestamp AT TIME ZONE 'UTC', (first + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    RETURN part;
  END
  $$`;

/**
 * `audit_log_append(canonical)`: 1765640000000's `audit_append` on the log. Under the chain lock
 * it reads the log's head (the last 31 days' partitions first, then the whole log, then the
 * archive), links the records after it and inserts them: seq, hashes, the canonical text as
 * sent, `appended_at`. One narrow INSERT and no secondary index; the columns searches use are
 * the projection's (audit_project).
 */
export const LOG_APPEND = `
  CREATE FUNCTION audit_log_append(p_canonical text) RETURNS bigint
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
    INSERT INTO audit_log (seq, hash, prev_hash, content, appended_at)
    SELECT head + i, hashes[i], hashes[i - 1], contents[i], stamp FROM generate_series(1, n) AS i;
    RETURN head + n;
  END
  $$`;

/**
 * `audit_project(limit, wait)`: moves up to `limit` log records after the cursor into
 * `audit_event`, the columns derived from the content as `columnsOf` (audit-columns.ts) derives
 * them, and moves the cursor, in the caller's transaction (its own when called alone). One
 * projector at a time (advisory lock 7020414): with `wait` it queues for the lock (and then sees
 * what the previous holder projected), without it it returns -1 at once when another holds it.
 * Returns how many records it projected; 0 outside READ COMMITTED (its cursor read would be stale).
 */
export const AUDIT_PROJECT = `
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
      SELECT seq, hash, prev_hash, appended_at, content::jsonb AS c FROM audit_log
       WHERE seq > cur AND appended_at >= cur_at ORDER BY seq LIMIT p_limit
    ), moved_rows AS (
      INSERT INTO audit_event
        (seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, content, hash, prev_hash, appended_at)
      SELECT seq,
             coalesce(c->>'id', ''),
             (c->>'recorded')::timestamptz,
             substring(jsonb_path_query_first(c,
               '$.entity[*] ? (@.role.code == "1" && @.role.system == "http://terminology.hl7.org/CodeSystem/object-role")'
             ) #>> '{what,reference}' from '^Patient/(.+)$'),
             substring(jsonb_path_query_first(c,
               '$.agent[*] ? (exists (@.type.coding[*] ? (@.code == "110153")))'
             ) #>> '{who,reference}' from '^Organization/(.+)$'),
             coalesce(jsonb_path_query_first(c,
               '$.subtype[*] ? (@.system == "http://hl7.org/fhir/restful-interaction")') ->> 'code', ''),
             coalesce(c->>'outcome', ''),
             jsonb_path_exists(c, '$.extension[*] ? (@.url == "urn:passerelle:audit:break-glass")'),
             c, hash, prev_hash, appended_at
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
