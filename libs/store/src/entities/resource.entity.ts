import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The current version of each resource, with its search index. Every version, this one included,
 * is also in `resource_version`. Schema changes go through migrations, never `synchronize`.
 */
@Entity({ name: 'resource' })
@Index('resource_type_updated', ['resourceType', 'lastUpdated', 'id'])
@Index('resource_patient', ['patientId', 'resourceType'])
@Index('resource_date', ['resourceType', 'dateLo', 'dateHi'])
export class ResourceEntity {
  @PrimaryColumn({ name: 'resource_type', type: 'text' })
  resourceType!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'version_id', type: 'integer' })
  versionId!: number;

  @Column({ name: 'last_updated', type: 'timestamptz' })
  lastUpdated!: Date;

  @Column({ type: 'boolean', default: false })
  deleted!: boolean;

  /** The resource as served, meta included; null once deleted. */
  @Column({ type: 'jsonb', nullable: true })
  content!: unknown;

  @Column({ name: 'patient_id', type: 'text', nullable: true })
  patientId!: string | null;

  /** The agency whose system sent this version (provenance). */
  @Column({ name: 'source_agency', type: 'text', nullable: true })
  sourceAgency!: string | null;

  @Index('resource_tokens', { synchronize: false })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tokens!: string[];

  @Index('resource_refs', { synchronize: false })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  refs!: string[];

  @Column({ name: 'date_lo', type: 'timestamptz', nullable: true })
  dateLo!: Date | null;

  @Column({ name: 'date_hi', type: 'timestamptz', nullable: true })
  dateHi!: Date | null;
}
