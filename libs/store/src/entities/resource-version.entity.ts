import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Every version of every resource, deletions included (history, vread). Append-only. */
@Entity({ name: 'resource_version' })
@Index('resource_version_updated', ['resourceType', 'lastUpdated'])
@Index('resource_version_all_updated', ['lastUpdated'])
export class ResourceVersionEntity {
  @PrimaryColumn({ name: 'resource_type', type: 'text' })
  resourceType!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  @PrimaryColumn({ name: 'version_id', type: 'integer' })
  versionId!: number;

  @Column({ name: 'last_updated', type: 'timestamptz' })
  lastUpdated!: Date;

  @Column({ type: 'boolean', default: false })
  deleted!: boolean;

  /** The version as it was served; null for a deletion. */
  @Column({ type: 'jsonb', nullable: true })
  content!: unknown;

  @Column({ name: 'source_agency', type: 'text', nullable: true })
  sourceAgency!: string | null;

  /** The interaction that made this version: create, update or delete. */
  @Column({ type: 'text' })
  method!: 'create' | 'update' | 'delete';
}
