import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Months made ahead of the current one here; the hub keeps as many (`AUDIT_PARTITION_MONTHS_AHEAD` in libs/audit). */
const AHEAD = 3;

/**
 * `audit_event` partitioned by month (PostgreSQL native range partitioning), so that a month
 * past can be detached, archived and dropped without touching the rest of the trail.
 *
 * The partition key is `appended_at`: the database's clock read by `audit_append` under the
 * chain lock, never lower than the previous record's. It grows with `seq`, so each month holds
 * one unbroken run of the chain, and detaching the oldest month leaves a chain that starts where
 * it ended (recorded in `audit_archive`: its last `seq` and `hash`). `recorded` (the hub's clock,
 * inside the hashed content) could not serve: two hubs' clocks near midnight on the last day of a
 * month would put a later record in the earlier month.
 *
 * Existing rows are moved with `appended_at` = the running maximum of `recorded` in `seq` order
 * (monotonic by construction); `seq`, content, `hash` and `prev_hash` are copied as they are, so
 * the chain verifies as before. Keys: PostgreSQL requires the partition key in every unique
 * constraint, hence PRIMARY KEY (seq, appended_at) and UNIQUE (id, appended_at). One `seq` per
 * record is kept by the chain lock, as it always was; what the old primary key also caught (a
 * head read from a stale snapshot) is refused up front: `audit_append` requires READ COMMITTED.
 *
 * Partitions: `audit_event_yYYYYmMM`, created by `audit_event_partition(month)` for every month
 * of the existing rows, the current month and AHEAD more; `audit_ensure_partitions(ahead)` is
 * what the hub calls each day: SECURITY DEFINER, so that a hub running as a role that does not
 * own the table (docs/audit.md, grants) still makes the months ahead, as the owner, and nothing
 * else (its only input is a number of months). The UPDATE/DELETE guard is cloned to each
 * partition; the TRUNCATE guard stays on the parent, through which a role granted rights on
 * `audit_event` reaches the rows (a partition's own rights are its owner's, who could as well
 * detach and drop it).
 */
export class AuditPartitions1765640000000 implements MigrationInterface {
  name = 'AuditPartitions1765640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_event RENAME TO audit_event_unpartitioned`);
    for (const index of ['pkey', 'id_key', 'patient', 'agency', 'recorded', 'break_glass'])
      await q.query(`ALTER INDEX audit_event_${index} RENAME TO audit_event_unpartitioned_${index}`);
    await q.query(`
      CREATE TABLE audit_event (
        seq bigint NOT NULL CHECK (seq > 0),
        id text NOT NULL,
        recorded timestamptz NOT NULL,
        patient_id text,
        agency text,
        interaction text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('0', '4', '8', '12')),
        break_glass boolean NOT NULL,
        content jsonb NOT NULL,
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        prev_hash text NOT NULL,
        appended_at timestamptz NOT NULL,
        PRIMARY KEY (seq, appended_at),
        UNIQUE (id, appended_at)
      ) PARTITION BY RANGE (appended_at)`);
    await q.query(
      `CREATE INDEX audit_event_patient ON audit_event (patient_id, seq) WHERE patient_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_event_agency ON audit_event (agency, seq)`);
    await q.query(`CREATE INDEX audit_event_recorded ON audit_event (recorded)`);
    await q.query(`CREATE INDEX audit_event_break_glass ON audit_event (seq) WHERE break_glass`);
    await q.query(`
      DO $$
      BEGIN
        ALTER TABLE audit_event ALTER COLUMN content SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        NULL; -- built without lz4 (PGlite): pglz, the default
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(`
      CREATE FUNCTION audit_event_partition(p_month date) RETURNS text LANGUAGE plpgsql AS $$
      DECLARE
        first date := date_trunc('month', p_month)::date;
        part text := format('audit_event_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
      BEGIN
        IF to_regclass(part) IS NOT NULL THEN RETURN NULL; END IF; -- there, or detached and kept
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)', part,
          first::timestamp AT TIME ZONE 'UTC', (first + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        RETURN part;
      END
      $$`);
    await q.query(`
      CREATE FUNCTION audit_ensure_partitions(p_ahead integer) RETURNS integer LANGUAGE plpgsql
      SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        current date := date_trunc('month', clock_timestamp() AT TIME ZONE 'UTC')::date;
        made integer := 0;
      BEGIN
        PERFORM pg_advisory_xact_lock(7020413); -- hubs starting together create each month once
        FOR i IN 0..greatest(p_ahead, 0) LOOP
          IF audit_event_partition((current + make_interval(months => i))::date) IS NOT NULL THEN
            made := made + 1;
          END IF;
        END LOOP;
        RETURN made;
      END
      $$`);
    // One copy, in seq order; appended_at = the running maximum of recorded. Its months run from
    // the first record's to the latest recorded (or this month).
    await q.query(`
      SELECT audit_event_partition(m::date)
        FROM generate_series(
          (SELECT date_trunc('month', recorded AT TIME ZONE 'UTC') FROM audit_event_unpartitioned
            ORDER BY seq LIMIT 1),
          (SELECT date_trunc('month', greatest(max(recorded), clock_timestamp()) AT TIME ZONE 'UTC')
             FROM audit_event_unpartitioned),
          interval '1 month') AS m`);
    await q.query(`SELECT audit_ensure_partitions(${AHEAD})`);
    await q.query(`
      INSERT INTO audit_event
        (seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, content, hash, prev_hash, appended_at)
      SELECT seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, content, hash, prev_hash,
             max(recorded) OVER (ORDER BY seq)
        FROM audit_event_unpartitioned ORDER BY seq`);
    await q.query(`DROP TABLE audit_event_unpartitioned`);
    await q.query(`
      CREATE TABLE audit_archive (
        month date PRIMARY KEY,
        table_name text NOT NULL,
        row_count bigint NOT NULL,
        first_seq bigint,
        last_seq bigint NOT NULL,
        last_hash text NOT NULL CHECK (last_hash ~ '^[0-9a-f]{64}$'),
        detached_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TRIGGER audit_archive_append_only BEFORE UPDATE OR DELETE ON audit_archive
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(APPEND);
    // The batch as text[] (hubs before 1764470000000): the same append.
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_append(p_columns jsonb, p_canonical text[]) RETURNS bigint
      LANGUAGE sql VOLATILE AS $$ SELECT audit_append(p_columns, array_to_string(p_canonical, E'\\n')) $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_append(jsonb, text[])`);
    await q.query(`
      CREATE TEMPORARY TABLE audit_event_moving AS SELECT * FROM audit_event`);
    await q.query(`DROP TABLE audit_event`); // and every partition still attached
    await q.query(`DROP TABLE audit_archive`);
    await q.query(`DROP FUNCTION audit_ensure_partitions(integer)`);
    await q.query(`DROP FUNCTION audit_event_partition(date)`);
    await q.query(`
      CREATE TABLE audit_event (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        id text NOT NULL UNIQUE,
        recorded timestamptz NOT NULL,
        patient_id text,
        agency text,
        interaction text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('0', '4', '8', '12')),
        break_glass boolean NOT NULL,
        content jsonb NOT NULL,
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        prev_hash text NOT NULL
      )`);
    await q.query(`
      INSERT INTO audit_event
      SELECT seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, content, hash, prev_hash
        FROM audit_event_moving ORDER BY seq`);
    await q.query(`DROP TABLE audit_event_moving`);
    await q.query(
      `CREATE INDEX audit_event_patient ON audit_event (patient_id, seq) WHERE patient_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_event_agency ON audit_event (agency, seq)`);
    await q.query(`CREATE INDEX audit_event_recorded ON audit_event (recorded)`);
    await q.query(`CREATE INDEX audit_event_break_glass ON audit_event (seq) WHERE break_glass`);
    await q.query(`
      CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(APPEND_UNPARTITIONED);
    await q.query(`
      CREATE FUNCTION audit_append(p_columns jsonb, p_canonical text[]) RETURNS bigint
      LANGUAGE sql VOLATILE AS $$ SELECT audit_append(p_columns, array_to_string(p_canonical, E'\\n')) $$`);
  }
}

/**
 * `audit_append(columns, canonical)` on the partitioned table: as in 1764470000000, plus
 * `appended_at`, and the head looked up in the last 31 days' partitions first (a handful of
 * index probes whatever the number of months kept; the whole table only after a month without
 * any record). `appended_at` never goes below the head's, so it grows with `seq` even if the
 * database's clock steps back.
 */
export const APPEND = `
  CREATE OR REPLACE FUNCTION audit_append(p_columns jsonb, p_canonical text) RETURNS bigint
  LANGUAGE plpgsql VOLATILE AS $$
  DECLARE
    contents text[] := string_to_array(p_canonical, E'\\n');
    n integer := coalesce(array_length(contents, 1), 0);
    head bigint;
    prev text;
    head_at timestamptz;
    stamp timestamptz;
    hashes text[];
    inserted bigint;
  BEGIN
    IF n = 0 THEN RETURN 0; END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
      RAISE EXCEPTION 'audit_append needs READ COMMITTED: an older snapshot would fork the chain'
        USING ERRCODE = 'invalid_transaction_state';
    END IF;
    PERFORM pg_advisory_xact_lock(7020412);
    stamp := clock_timestamp();
    SELECT seq, hash, appended_at INTO head, prev, head_at FROM audit_event
     WHERE appended_at >= stamp - interval '31 days' ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
      SELECT seq, hash, appended_at INTO head, prev, head_at FROM audit_event ORDER BY seq DESC LIMIT 1;
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
    INSERT INTO audit_event
      (seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, content, hash, prev_hash, appended_at)
    SELECT head + r.i, r.id, r.recorded, r.patient_id, r.agency, r.interaction, r.outcome, r.break_glass,
           contents[r.i]::jsonb, hashes[r.i], hashes[r.i - 1], stamp
      FROM jsonb_to_recordset(p_columns) AS r(
        i integer, id text, recorded timestamptz, patient_id text, agency text, interaction text,
        outcome text, break_glass boolean);
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted <> n THEN
      RAISE EXCEPTION 'audit_append: % columns rows for % records', inserted, n;
    END IF;
    RETURN head + n;
  END
  $$`;

/** 1764470000000's function, for `down()`. */
const APPEND_UNPARTITIONED = `
  CREATE OR REPLACE FUNCTION audit_append(p_columns jsonb, p_canonical text) RETURNS bigint
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
    hashes[0] := prev;
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
  $$`;
