import { randomUUID } from 'node:crypto';
import type { Db } from '@passerelle/store';
import type { CandidateRule, CandidateStatus, LinkEvidence } from './mpi.types';

/** Candidate pairs and operators' decisions on them. Every function runs on the caller's transaction. */

/**
 * Proposes a pair to operators unless a proposal or a rejection already stands between the two
 * persons' records: a rejected pair is not asked again, and a person is asked about once.
 * (A confirmation does not block: records it joined that were split again may be asked about.)
 */
export async function proposeCandidate(
  db: Db,
  pair: { patientId: string; personId: string; matchedPatientId: string; matchedPersonId: string },
  rule: CandidateRule,
  evidence: LinkEvidence,
): Promise<void> {
  await db.query(
    `INSERT INTO mpi_candidate (id, patient_id, matched_patient_id, rule, evidence)
     SELECT $1::text, $2::text, $3::text, $4::text, $5::jsonb
      WHERE NOT EXISTS (
        SELECT 1 FROM mpi_link a JOIN mpi_link b ON b.person_id = $7::text
          JOIN mpi_candidate c ON (c.patient_id = a.patient_id AND c.matched_patient_id = b.patient_id)
                               OR (c.patient_id = b.patient_id AND c.matched_patient_id = a.patient_id)
         WHERE a.person_id = $6::text AND c.status IN ('pending', 'rejected'))
     ON CONFLICT DO NOTHING`,
    [
      randomUUID(),
      pair.patientId,
      pair.matchedPatientId,
      rule,
      JSON.stringify(evidence),
      pair.personId,
      pair.matchedPersonId,
    ],
  );
}

/** An operator's "not the same person", recorded as a rejected pair so it is not proposed again. */
export async function recordRejection(
  db: Db,
  patientId: string,
  matchedPatientId: string,
  rule: CandidateRule,
  operator: string,
): Promise<void> {
  await db.query(
    `INSERT INTO mpi_candidate (id, patient_id, matched_patient_id, rule, evidence, status, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, 'rejected', $6, now())`,
    [randomUUID(), patientId, matchedPatientId, rule, JSON.stringify({ rules: [], operator }), operator],
  );
}

export interface CandidateRow {
  id: string;
  patientId: string;
  matchedPatientId: string;
  rule: CandidateRule;
  evidence: LinkEvidence;
  status: CandidateStatus;
}

export async function selectCandidate(db: Db, id: string): Promise<CandidateRow | undefined> {
  const rows: {
    id: string;
    patient_id: string;
    matched_patient_id: string;
    rule: CandidateRule;
    evidence: string;
    status: CandidateStatus;
  }[] = await db.query(
    `SELECT id, patient_id, matched_patient_id, rule, evidence::text AS evidence, status
         FROM mpi_candidate WHERE id = $1 FOR UPDATE`,
    [id],
  );
  const r = rows[0];
  return r
    ? {
        id: r.id,
        patientId: r.patient_id,
        matchedPatientId: r.matched_patient_id,
        rule: r.rule,
        evidence: JSON.parse(r.evidence) as LinkEvidence,
        status: r.status,
      }
    : undefined;
}

export async function decideCandidate(
  db: Db,
  id: string,
  status: 'confirmed' | 'rejected',
  operator: string,
): Promise<void> {
  await db.query(`UPDATE mpi_candidate SET status = $2, decided_by = $3, decided_at = now() WHERE id = $1`, [
    id,
    status,
    operator,
  ]);
}
