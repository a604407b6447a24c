import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CandidateRule, CandidateStatus, LinkEvidence, LinkMethod } from './mpi.types';
import type { KeyKind } from './matching';

/**
 * The patient index's tables, as created by migration 1764400000001-PatientIndex (never
 * synchronised). The index itself works in SQL (mpi-sql.ts); these describe the schema.
 */

@Entity({ name: 'mpi_person' })
export class MpiPersonEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** Set when an operator merged this person into another: follow it from a stale reference. */
  @Column({ name: 'merged_into', type: 'text', nullable: true })
  mergedInto!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

/** The one confirmed link of an agency's Patient record to its person. */
@Entity({ name: 'mpi_link' })
@Index('mpi_link_person', ['personId'])
export class MpiLinkEntity {
  @PrimaryColumn({ name: 'patient_id', type: 'text' })
  patientId!: string;

  @Column({ name: 'person_id', type: 'text' })
  personId!: string;

  @Column({ type: 'text' })
  agency!: string;

  @Column({ type: 'text' })
  method!: LinkMethod;

  /** Rule names and the deciding operator: never patient data. */
  @Column({ type: 'jsonb' })
  evidence!: LinkEvidence;

  /** False once the Patient is deleted: it keeps its person but resolves and matches nothing. */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

/** A blocking key of a live record: `system|value` for a national id, a hash for demographics. */
@Entity({ name: 'mpi_key' })
@Index('mpi_key_lookup', ['kind', 'value'])
export class MpiKeyEntity {
  @PrimaryColumn({ name: 'patient_id', type: 'text' })
  patientId!: string;

  @PrimaryColumn({ type: 'text' })
  kind!: KeyKind;

  @PrimaryColumn({ type: 'text' })
  value!: string;
}

/** A pair of records an operator should compare, and the decision once taken. */
@Entity({ name: 'mpi_candidate' })
export class MpiCandidateEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'patient_id', type: 'text' })
  patientId!: string;

  @Column({ name: 'matched_patient_id', type: 'text' })
  matchedPatientId!: string;

  @Column({ type: 'text' })
  rule!: CandidateRule;

  @Column({ type: 'jsonb' })
  evidence!: LinkEvidence;

  @Column({ type: 'text', default: 'pending' })
  status!: CandidateStatus;

  @Column({ name: 'decided_by', type: 'text', nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

export const MPI_ENTITIES = [MpiPersonEntity, MpiLinkEntity, MpiKeyEntity, MpiCandidateEntity];
