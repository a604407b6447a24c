import { randomUUID } from 'node:crypto';
import type { Db } from '@passerelle/store';
import type { KeyKind, KeyRow } from './matching';
import type { LinkEvidence, LinkMethod, PersonView } from './mpi.types';

/** The patient index's SQL. Every function runs on the caller's transaction (`db`). */

/**
 * Admin operations take this lock exclusively, index writes take it shared: an operator's merge
 * never interleaves with a link being computed, while pushes still run side by side.
 */
const ADMIN_LOCK = 'mpi:admin';

export async function lockForIndexing(db: Db, names: readonly string[]): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))', [ADMIN_LOCK]);
  // One statement, in sorted order, so that two writers can never wait on each other in a cycle.
  const sorted = [...new Set(names)].sort();
  await db.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k', [
    sorted,
  ]);
}

export async function lockForAdmin(db: Db): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [ADMIN_LOCK]);
}

export interface LinkRow {
  patientId: string;
  personId: string;
  agency: string;
  method: LinkMethod;
  active: boolean;
}

interface RawLink {
  patient_id: string;
  person_id: string;
  agency: string;
  method: LinkMethod;
  active: boolean;
}

const toLink = (r: RawLink): LinkRow => ({
  patientId: r.patient_id,
  personId: r.person_id,
  agency: r.agency,
  method: r.method,
  active: r.active,
});

export async function selectLink(db: Db, patientId: string, forUpdate = false): Promise<LinkRow | undefined> {
  const rows: RawLink[] = await db.query(
    `SELECT patient_id, person_id, agency, method, active FROM mpi_link WHERE patient_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [patientId],
  );
  return rows[0] ? toLink(rows[0]) : undefined;
}

export async function selectKeys(db: Db, patientIds: readonly string[]): Promise<Map<string, KeyRow[]>> {
  const rows: { patient_id: string; kind: KeyKind; value: string }[] = await db.query(
    'SELECT patient_id, kind, value FROM mpi_key WHERE patient_id = ANY($1::text[])',
    [patientIds],
  );
  const byPatient = new Map<string, KeyRow[]>();
  for (const r of rows)
    byPatient.set(r.patient_id, [...(byPatient.get(r.patient_id) ?? []), { kind: r.kind, value: r.value }]);
  return byPatient;
}

export async function replaceKeys(
  db: Db,
  patientId: string,
  before: readonly KeyRow[],
  after: readonly KeyRow[],
): Promise<void> {
  const id = (r: KeyRow) => `${r.kind}\u0000${r.value}`;
  const keep = new Set(after.map(id));
  const had = new Set(before.map(id));
  const removed = before.filter((r) => !keep.has(id(r)));
  const added = after.filter((r) => !had.has(id(r)));
  if (removed.length > 0) {
    await db.query(
      `DELETE FROM mpi_key k USING unnest($2::text[], $3::text[]) AS t(kind, value)
        WHERE k.patient_id = $1 AND k.kind = t.kind AND k.value = t.value`,
      [patientId, removed.map((r) => r.kind), removed.map((r) => r.value)],
    );
  }
  if (added.length > 0) {
    await db.query(
      `INSERT INTO mpi_key (patient_id, kind, value) SELECT $1, kind, value FROM unnest($2::text[], $3::text[]) AS t(kind, value)
       ON CONFLICT DO NOTHING`,
      [patientId, added.map((r) => r.kind), added.map((r) => r.value)],
    );
  }
}

export async function createPerson(db: Db): Promise<string> {
  const id = randomUUID();
  await db.query('INSERT INTO mpi_person (id) VALUES ($1)', [id]);
  return id;
}

export async function writeLink(
  db: Db,
  link: { patientId: string; personId: string; agency: string; method: LinkMethod; evidence: LinkEvidence },
): Promise<void> {
  await db.query(
    `INSERT INTO mpi_link (patient_id, person_id, agency, method, evidence) VALUES ($1, $2, $3, $4, $5::jsonb)
     ON CONFLICT (patient_id) DO UPDATE SET person_id = EXCLUDED.person_id, agency = EXCLUDED.agency,
       method = EXCLUDED.method, evidence = EXCLUDED.evidence, active = true, updated_at = now()`,
    [link.patientId, link.personId, link.agency, link.method, JSON.stringify(link.evidence)],
  );
}

/** The record was written again by `agency` (possibly re-created after a deletion): same person. */
export async function touchLink(db: Db, patientId: string, agency: string): Promise<void> {
  await db.query(
    `UPDATE mpi_link SET agency = $2, active = true, updated_at = now()
      WHERE patient_id = $1 AND (agency <> $2 OR NOT active)`,
    [patientId, agency],
  );
}

/** A deleted record stays with its person (so a re-creation comes back to it) but matches nothing. */
export async function retireLink(db: Db, patientId: string): Promise<void> {
  await db.query('DELETE FROM mpi_key WHERE patient_id = $1', [patientId]);
  await db.query('UPDATE mpi_link SET active = false, updated_at = now() WHERE patient_id = $1 AND active', [
    patientId,
  ]);
}

export interface KeyMatch {
  personId: string;
  /** The person's earliest linked record among those that matched: the one a candidate names. */
  patientId: string;
  records: number;
  createdAt: Date;
  /** The matching key values. */
  keys: string[];
}

/** Persons holding active records (other than `exclude`) with one of these keys. */
export async function personsByKey(
  db: Db,
  kind: KeyKind,
  values: readonly string[],
  exclude: string | null,
): Promise<KeyMatch[]> {
  if (values.length === 0) return [];
  const rows: { person_id: string; patient_id: string; records: number; created_at: Date; keys: string[] }[] =
    await db.query(
      `SELECT l.person_id, (array_agg(l.patient_id ORDER BY l.created_at, l.patient_id))[1] AS patient_id,
              count(DISTINCT l.patient_id)::int AS records, p.created_at, array_agg(DISTINCT k.value) AS keys
         FROM mpi_key k
         JOIN mpi_link l ON l.patient_id = k.patient_id AND l.active
         JOIN mpi_person p ON p.id = l.person_id
        WHERE k.kind = $1 AND k.value = ANY($2::text[]) AND k.patient_id IS DISTINCT FROM $3
        GROUP BY l.person_id, p.created_at
        ORDER BY p.created_at, l.person_id`,
      [kind, values, exclude],
    );
  return rows.map((r) => ({
    personId: r.person_id,
    patientId: r.patient_id,
    records: r.records,
    createdAt: r.created_at,
    keys: r.keys,
  }));
}

/** The national id keys held by each person's active records, `exclude` left out. */
export async function nationalIdsOfPersons(
  db: Db,
  personIds: readonly string[],
  exclude: string | null,
): Promise<Map<string, string[]>> {
  const byPerson = new Map<string, string[]>(personIds.map((p) => [p, []]));
  if (personIds.length === 0) return byPerson;
  const rows: { person_id: string; value: string }[] = await db.query(
    `SELECT l.person_id, k.value FROM mpi_link l JOIN mpi_key k ON k.patient_id = l.patient_id AND k.kind = 'nid'
      WHERE l.person_id = ANY($1::text[]) AND l.active AND l.patient_id IS DISTINCT FROM $2`,
    [personIds, exclude],
  );
  for (const r of rows) byPerson.get(r.person_id)?.push(r.value);
  return byPerson;
}

/** Each person's records, active or not, in link order. */
export async function membersOf(db: Db, personIds: readonly string[]): Promise<Map<string, PersonView>> {
  const rows: (RawLink & { created_at: Date })[] = await db.query(
    `SELECT patient_id, person_id, agency, method, active, created_at FROM mpi_link
      WHERE person_id = ANY($1::text[]) ORDER BY created_at, patient_id`,
    [personIds],
  );
  const views = new Map<string, PersonView>(personIds.map((id) => [id, { id, patients: [] }]));
  for (const r of rows) {
    views
      .get(r.person_id)
      ?.patients.push({ patientId: r.patient_id, agency: r.agency, method: r.method, active: r.active });
  }
  return views;
}

/** Moves one record to a person, recording how (an operator's method and evidence). */
export async function moveLink(
  db: Db,
  patientId: string,
  personId: string,
  method: LinkMethod,
  evidence: LinkEvidence,
): Promise<void> {
  await db.query(
    `UPDATE mpi_link SET person_id = $2, method = $3, evidence = $4::jsonb, updated_at = now() WHERE patient_id = $1`,
    [patientId, personId, method, JSON.stringify(evidence)],
  );
}

/** Every record of `from` joins `to`; `from` remembers where it went. Returns the records moved. */
export async function mergePersons(db: Db, from: string, to: string): Promise<string[]> {
  // A CTE, so the driver returns the rows (a bare UPDATE answers [rows, count]).
  const moved: { patient_id: string }[] = await db.query(
    `WITH moved AS (UPDATE mpi_link SET person_id = $2, updated_at = now() WHERE person_id = $1 RETURNING patient_id)
     SELECT patient_id FROM moved`,
    [from, to],
  );
  await db.query('UPDATE mpi_person SET merged_into = $2 WHERE id = $1', [from, to]);
  return moved.map((m) => m.patient_id).sort();
}

/** An active record holding one of the national ids looked up, with its qualified keys. */
export interface NationalIdHolder {
  personId: string;
  patientId: string;
  personCreatedAt: Date;
  qualified: string[];
}

/** Active records (other than `exclude`) holding one of these national ids, persons oldest first. */
export async function holdersOfNationalIds(
  db: Db,
  nationalIds: readonly string[],
  exclude: string | null,
): Promise<NationalIdHolder[]> {
  if (nationalIds.length === 0) return [];
  const rows: { person_id: string; patient_id: string; created_at: Date; qualified: string[] }[] =
    await db.query(
      `SELECT l.person_id, l.patient_id, p.created_at,
              coalesce(array_agg(DISTINCT q.value) FILTER (WHERE q.value IS NOT NULL), '{}') AS qualified
         FROM mpi_key k
         JOIN mpi_link l ON l.patient_id = k.patient_id AND l.active
         JOIN mpi_person p ON p.id = l.person_id
         LEFT JOIN mpi_key q ON q.patient_id = l.patient_id AND q.kind = 'qid'
        WHERE k.kind = 'nid' AND k.value = ANY($1::text[]) AND k.patient_id IS DISTINCT FROM $2
        GROUP BY l.person_id, l.patient_id, p.created_at, l.created_at
        ORDER BY p.created_at, l.person_id, l.created_at, l.patient_id`,
      [nationalIds, exclude],
    );
  return rows.map((r) => ({
    personId: r.person_id,
    patientId: r.patient_id,
    personCreatedAt: r.created_at,
    qualified: r.qualified,
  }));
}
