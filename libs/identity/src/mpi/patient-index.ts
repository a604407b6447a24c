import type { Patient } from 'fhir/r4';
import type { Db, WriteHook } from '@passerelle/store';
import type { DataSource } from 'typeorm';
import {
  keysOf,
  MATCH_SCORES,
  NAME_BIRTH_RULES,
  DEMOGRAPHIC_RULES,
  nationalIdsConflict,
  sharedNationalIdRules,
} from './matching';
import { confirmCandidate, linkToPerson, listCandidates, rejectCandidate, unlinkPatient } from './mpi-admin';
import { indexPatients } from './mpi-indexing';
import { nationalIdMatches } from './mpi-matches';
import { type KeyMatch, membersOf, nationalIdsOfPersons, personsByKey } from './mpi-sql';
import type { CandidateView, LinkChange, MatchGrade, MatchResult, PersonView } from './mpi.types';

/** The other live records of a record's person (a named statement: see linkedPatients). */
const LINKED_PATIENTS = {
  name: 'mpi_linked_patients',
  text: `SELECT other.patient_id FROM mpi_link self
           JOIN mpi_link other ON other.person_id = self.person_id AND other.active
          WHERE self.patient_id = $1 AND self.active AND other.patient_id <> $1
          ORDER BY other.patient_id`,
};

/**
 * The master patient index: one person per human, each agency's Patient record linked to one.
 *
 * Tables (migrations 1764400000001-PatientIndex, 1765200000010-QualifiedNationalIds):
 * - `mpi_person`: a human. Never deleted; a person merged by an operator keeps `merged_into`.
 * - `mpi_link`: exactly one row per indexed Patient record: the person it belongs to, the agency
 *   that sent it, how it got there (`method`) and the rule names that matched (`evidence`). Only
 *   confirmed links live here, so "who is the same human as X" is one self-join.
 * - `mpi_key`: the blocking keys of live records: national ids (`system|value`), the qualified
 *   ones with hashes of their traits (`qid`), and hashes of the normalised demographics (no names
 *   are stored).
 * - `mpi_candidate`: pairs of records in different persons that an operator should compare
 *   (`pending`), and their decisions (`confirmed`, `rejected`). Confirming merges the first
 *   record's whole person into the matched record's person.
 *
 * Invariants: a person never holds two live records with different national ids of one system;
 * only a qualified national id whose traits agree links automatically (`national-id` links): an
 * unqualified one, and demographics, never link by themselves; automatic matching never moves a record an
 * operator placed (`demographic`, `admin` links) unless its national id comes to conflict with its
 * person; a record moves alone (the rest of a person moves only on an operator's confirmation);
 * indexing the same content twice writes nothing.
 * A deleted Patient keeps its link, inactive (a re-creation of the same id returns to its person),
 * loses its keys, and no longer resolves: `linkedPatients` lists live records only.
 */

export class PatientIndex {
  constructor(private readonly dataSource: DataSource) {}

  /** For `FhirRepository`'s `afterWrite`: runs in the writing transaction, on its connection. */
  readonly linkWrittenPatients: WriteHook = (db, _actor, written) => indexPatients(db, written);

  /** The person of a live record; undefined for a deleted or never-indexed one. */
  async personOf(db: Db, patientId: string): Promise<string | undefined> {
    const rows: { person_id: string }[] = await db.query(
      'SELECT person_id FROM mpi_link WHERE patient_id = $1 AND active',
      [patientId],
    );
    return rows[0]?.person_id;
  }

  /**
   * Every live Patient record of the same person, `patientId` first, the rest sorted. A record the
   * index does not know (or a deleted one) resolves to itself alone.
   */
  async linkedPatients(db: Db, patientId: string): Promise<string[]> {
    // Every search by patient asks this first: a named statement (a node-postgres query config,
    // which TypeORM hands through) is parsed and planned once per connection.
    const rows: { patient_id: string }[] = await db.query(LINKED_PATIENTS as unknown as string, [patientId]);
    return [patientId, ...rows.map((r) => r.patient_id)];
  }

  /** `linkedPatients` of many records in one statement, keyed by the record asked about. */
  async linkedPatientsMany(db: Db, patientIds: readonly string[]): Promise<Map<string, string[]>> {
    const asked = [...new Set(patientIds)];
    const out = new Map<string, string[]>(asked.map((id) => [id, [id]]));
    if (asked.length === 0) return out;
    const rows: { asked: string; patient_id: string }[] = await db.query(
      `SELECT self.patient_id AS asked, other.patient_id FROM mpi_link self
         JOIN mpi_link other ON other.person_id = self.person_id AND other.active
        WHERE self.patient_id = ANY($1::text[]) AND self.active AND other.patient_id <> self.patient_id
        ORDER BY self.patient_id, other.patient_id`,
      [asked],
    );
    for (const r of rows) out.get(r.asked)?.push(r.patient_id);
    return out;
  }

  /** A person and its records (deleted ones flagged), for the admin API. */
  async person(db: Db, personId: string): Promise<PersonView | undefined> {
    const exists: unknown[] = await db.query('SELECT 1 FROM mpi_person WHERE id = $1', [personId]);
    return exists.length > 0 ? (await membersOf(db, [personId])).get(personId) : undefined;
  }

  /**
   * `Patient/$match`: live records for a Patient that need not be stored. A qualified national id
   * that agrees (what links records) is `certain`; the same national id without that evidence, or
   * the five demographics, `probable`; family + given + birth date `possible`; a person
   * holding a different national id of the same system is never returned. Every live record of a
   * matched person is returned with the person's best grade, best first.
   */
  async match(
    db: Db,
    patient: Patient,
    options: { count?: number; onlyCertain?: boolean } = {},
  ): Promise<MatchResult[]> {
    const keys = keysOf(patient);
    const exclude = patient.id ?? null;
    const byNationalId = await nationalIdMatches(db, keys, exclude);
    const nationalIdRules = (m: KeyMatch) => sharedNationalIdRules(keys.nationalIds, m.keys);
    const found: { grade: MatchGrade; rules: (m: KeyMatch) => string[]; matches: KeyMatch[] }[] = [
      { grade: 'certain', rules: nationalIdRules, matches: byNationalId.qualified },
    ];
    if (!options.onlyCertain) {
      found.push(
        { grade: 'probable', rules: nationalIdRules, matches: byNationalId.shared },
        {
          grade: 'probable',
          rules: () => DEMOGRAPHIC_RULES,
          matches: await personsByKey(db, 'demo', keys.demographic ? [keys.demographic] : [], exclude),
        },
        {
          grade: 'possible',
          rules: () => NAME_BIRTH_RULES,
          matches: await personsByKey(db, 'name-dob', keys.nameBirth ? [keys.nameBirth] : [], exclude),
        },
      );
    }
    const best = new Map<string, { grade: MatchGrade; rules: string[] }>();
    for (const { grade, rules, matches } of found) {
      for (const m of matches) if (!best.has(m.personId)) best.set(m.personId, { grade, rules: rules(m) });
    }
    const heldIds = await nationalIdsOfPersons(db, [...best.keys()], exclude);
    const persons = await membersOf(
      db,
      [...best.keys()].filter((p) => !nationalIdsConflict(keys.nationalIds, heldIds.get(p) ?? [])),
    );
    const results: MatchResult[] = [];
    for (const [personId, view] of persons) {
      const { grade, rules } = best.get(personId)!;
      for (const p of view.patients) {
        if (p.active && p.patientId !== exclude)
          results.push({ patientId: p.patientId, personId, grade, score: MATCH_SCORES[grade], rules });
      }
    }
    results.sort((a, b) => b.score - a.score || a.patientId.localeCompare(b.patientId));
    return options.count === undefined ? results : results.slice(0, options.count);
  }

  // ---- operators' decisions: each in its own transaction unless given the caller's `db` ---------

  listCandidates(
    options: { count?: number; after?: string } = {},
    db: Db = this.dataSource.manager,
  ): Promise<CandidateView[]> {
    return listCandidates(db, options);
  }

  /** Merges the candidate record's whole person into the matched record's person. */
  confirm(candidateId: string, operator: string, db?: Db): Promise<LinkChange[]> {
    return this.inTransaction(db, (tx) => confirmCandidate(tx, candidateId, operator));
  }

  reject(candidateId: string, operator: string, db?: Db): Promise<LinkChange[]> {
    return this.inTransaction(db, (tx) => rejectCandidate(tx, candidateId, operator));
  }

  link(patientId: string, personId: string, operator: string, db?: Db): Promise<LinkChange[]> {
    return this.inTransaction(db, (tx) => linkToPerson(tx, patientId, personId, operator));
  }

  unlink(patientId: string, operator: string, db?: Db): Promise<LinkChange[]> {
    return this.inTransaction(db, (tx) => unlinkPatient(tx, patientId, operator));
  }

  /** A caller's `db` must already be a transaction (e.g. to write the audit record with it). */
  private inTransaction<T>(db: Db | undefined, fn: (db: Db) => Promise<T>): Promise<T> {
    return db ? fn(db) : this.dataSource.transaction(fn);
  }
}
