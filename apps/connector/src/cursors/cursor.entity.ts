import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Where the connector is in each stream it follows: `pull:<Type>` holds the greatest
 * `meta.lastUpdated` the hub has accepted, `feed` the hub's changes cursor. Keyed by agency, so
 * connectors of several agencies may share one PostgreSQL database.
 */
@Entity({ name: 'connector_cursor' })
export class ConnectorCursorEntity {
  @PrimaryColumn({ type: 'text' })
  agency!: string;

  @PrimaryColumn({ type: 'text' })
  stream!: string;

  @Column({ type: 'text' })
  position!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
