import { badRequest, conflict, notFound } from '@passerelle/fhir';
import type { Db } from '@passerelle/store';
import { nationalIdsConflict } from './matching';
import { decideCandidate, recordRejection, selectCandidate } from './candidate-sql';
import {
  createPerson,
  type LinkRow,
  lockForAdmin,
  membersOf,
  mergePersons,
  moveLink,
  nationalIdsOfPersons,
  selectKeys,
  selectLink,
} from './mpi-sql';
import type { CandidateRule, CandidateView, LinkChange, LinkEvidence } from './mpi.types';

/**
 * Operators' decisions. Each runs under the exclusive admin lock (index writes wait), refuses to
 * put two different national ids of one system in one person, and returns what it changed for
 * the audit trail. Repeating a decision changes nothing and returns [].
 */

function checkOperator(operator: string): void {
  if (typeof operator !== 'string' || operator.trim().length === 0)
    throw badRequest('The operator must be named');
}

async function linkOf(db: Db, patientId: string): Promise<LinkRow> {
  const link = await selectLink(db, patientId, true);
  if (!link) throw notFound('This Patient is not in the patient index');
  return link;
}

/** Refuses to put records carrying `moving` national ids into `personId`. */
async function refuseConflict(db: Db, moving: readonly string[], personId: string): Promise<void> {
  const held = (await nationalIdsOfPersons(db, [personId], null)).get(personId) ?? [];
  if (nationalIdsConflict(moving, held)) {
    throw conflict('These records carry different national identifiers: they are never the same person');
  }
}

export async function confirmCandidate(db: Db, candidateId: string, operator: string): Promise<LinkChange[]> {
  checkOperator(operator);
  await lockForAdmin(db);
  const candidate = await selectCandidate(db, candidateId);
  if (!candidate) throw notFound('Candidate not found');
  if (candidate.status === 'confirmed') return [];
  if (candidate.status === 'rejected')
    throw conflict('This candidate was rejected; link the record explicitly instead');
  const a = await linkOf(db, candidate.patientId);
  const b = await linkOf(db, candidate.matchedPatientId);
  if (!a.active || !b.active) throw conflict('One of these records has been deleted');
  const from = a.personId;
  const to = b.personId;
  const change = { action: 'confirm' as const, operator, candidateId, fromPerson: from, toPerson: to };
  let moved: string[] = [];
  if (from !== to) {
    await refuseConflict(db, (await nationalIdsOfPersons(db, [from], null)).get(from) ?? [], to);
    moved = await mergePersons(db, from, to);
  }
  const evidence: LinkEvidence = { rules: candidate.evidence.rules, operator, candidateId };
  await moveLink(db, candidate.patientId, to, methodFor(candidate.rule), evidence);
  await decideCandidate(db, candidateId, 'confirmed', operator);
  return [
    { ...change, patientId: candidate.patientId },
    ...moved.filter((p) => p !== candidate.patientId).map((patientId) => ({ ...change, patientId })),
  ];
}

/** A confirmed demographic candidate is recorded as such; other rules are plain operator links. */
function methodFor(rule: CandidateRule): 'demographic' | 'admin' {
  return rule === 'demographic' ? 'demographic' : 'admin';
}

export async function rejectCandidate(db: Db, candidateId: string, operator: string): Promise<LinkChange[]> {
  checkOperator(operator);
  await lockForAdmin(db);
  const candidate = await selectCandidate(db, candidateId);
  if (!candidate) throw notFound('Candidate not found');
  if (candidate.status === 'rejected') return [];
  if (candidate.status === 'confirmed')
    throw conflict('This candidate was confirmed; unlink the record instead');
  const a = await linkOf(db, candidate.patientId);
  await decideCandidate(db, candidateId, 'rejected', operator);
  return [
    {
      action: 'reject',
      patientId: candidate.patientId,
      fromPerson: a.personId,
      toPerson: a.personId,
      operator,
      candidateId,
    },
  ];
}

/** Moves one record to an existing person (the rest of its old person stays). */
export async function linkToPerson(
  db: Db,
  patientId: string,
  personId: string,
  operator: string,
): Promise<LinkChange[]> {
  checkOperator(operator);
  await lockForAdmin(db);
  const link = await linkOf(db, patientId);
  const persons: { merged_into: string | null }[] = await db.query(
    'SELECT merged_into FROM mpi_person WHERE id = $1',
    [personId],
  );
  if (persons.length === 0) throw notFound('Person not found');
  const mergedInto = persons[0].merged_into;
  if (mergedInto !== null) throw conflict(`That person was merged into person ${mergedInto}`);
  if (link.personId === personId) return [];
  const keys = (await selectKeys(db, [patientId])).get(patientId) ?? [];
  await refuseConflict(
    db,
    keys.filter((k) => k.kind === 'nid').map((k) => k.value),
    personId,
  );
  await moveLink(db, patientId, personId, 'admin', { rules: [], operator });
  return [{ action: 'link', patientId, fromPerson: link.personId, toPerson: personId, operator }];
}

/**
 * Gives a record a person of its own, pinned ('admin': automatic matching never moves it back),
 * and records the split as a rejected pair so the same persons are not proposed again.
 */
export async function unlinkPatient(db: Db, patientId: string, operator: string): Promise<LinkChange[]> {
  checkOperator(operator);
  await lockForAdmin(db);
  const link = await linkOf(db, patientId);
  const others = ((await membersOf(db, [link.personId])).get(link.personId)?.patients ?? []).filter(
    (p) => p.patientId !== patientId,
  );
  const change = { action: 'unlink' as const, patientId, fromPerson: link.personId, operator };
  if (others.length === 0) {
    if (link.method === 'admin') return [];
    await moveLink(db, patientId, link.personId, 'admin', { rules: [], operator });
    return [{ ...change, toPerson: link.personId }];
  }
  const personId = await createPerson(db);
  await moveLink(db, patientId, personId, 'admin', { rules: [], operator });
  await recordRejection(db, patientId, others[0].patientId, 'unlink', operator);
  return [{ ...change, toPerson: personId }];
}

interface CandidateListRow {
  id: string;
  patient_id: string;
  patient_agency: string;
  patient_person: string;
  matched_patient_id: string;
  matched_agency: string;
  matched_person: string;
  rule: CandidateRule;
  evidence: string;
  created_at: Date;
}

/** Pending candidates whose records are both live and still apart, oldest first. */
export async function listCandidates(
  db: Db,
  options: { count?: number; after?: string },
): Promise<CandidateView[]> {
  const count = Math.min(Math.max(options.count ?? 50, 1), 500);
  const rows: CandidateListRow[] = await db.query(
    `SELECT c.id, c.patient_id, la.agency AS patient_agency, la.person_id AS patient_person,
            c.matched_patient_id, lb.agency AS matched_agency, lb.person_id AS matched_person,
            c.rule, c.evidence::text AS evidence, c.created_at
       FROM mpi_candidate c
       JOIN mpi_link la ON la.patient_id = c.patient_id AND la.active
       JOIN mpi_link lb ON lb.patient_id = c.matched_patient_id AND lb.active
      WHERE c.status = 'pending' AND la.person_id <> lb.person_id
        AND ($2::text IS NULL OR (c.created_at, c.id) > (SELECT created_at, id FROM mpi_candidate WHERE id = $2::text))
      ORDER BY c.created_at, c.id
      LIMIT $1`,
    [count, options.after ?? null],
  );
  const persons = await membersOf(db, [
    ...new Set(rows.flatMap((r) => [r.patient_person, r.matched_person])),
  ]);
  const personView = (id: string) => persons.get(id) ?? { id, patients: [] };
  return rows.map((r) => ({
    id: r.id,
    patientId: r.patient_id,
    patientAgency: r.patient_agency,
    matchedPatientId: r.matched_patient_id,
    matchedAgency: r.matched_agency,
    rule: r.rule,
    evidence: JSON.parse(r.evidence) as LinkEvidence,
    createdAt: r.created_at,
    patientPerson: personView(r.patient_person),
    matchedPerson: personView(r.matched_person),
  }));
}
