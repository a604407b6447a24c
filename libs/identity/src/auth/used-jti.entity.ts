import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Client assertion ids already accepted, kept until they expire: a replay is refused. */
@Entity({ name: 'used_jti' })
@Index('used_jti_expires', ['expiresAt'])
export class UsedJtiEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId!: string;

  @PrimaryColumn({ type: 'text' })
  jti!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
