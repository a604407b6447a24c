import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Secrets the hub generates once and every hub instance shares (the access-token signing key,
 * unless TOKEN_SIGNING_KEY is configured). Readable only by the hub's database role.
 */
@Entity({ name: 'hub_secret' })
export class HubSecretEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  value!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
