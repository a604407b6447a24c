import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Organization } from 'fhir/r4';
import type { AgencyKind, AgencyStatus, Jwks } from './agency.types';

@Entity({ name: 'agency' })
export class AgencyEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  kind!: AgencyKind;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'jsonb' })
  organization!: Organization;

  /** Public keys only: private keys are never sent to, nor kept by, the hub. */
  @Column({ type: 'jsonb' })
  jwks!: Jwks;

  @Column({ type: 'text', array: true })
  scopes!: string[];

  @Column({ type: 'text', default: 'active' })
  status!: AgencyStatus;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
