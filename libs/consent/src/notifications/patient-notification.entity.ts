import { Column, Entity, PrimaryColumn } from 'typeorm';

export type NotificationKind = 'break-glass' | 'consent-change';

@Entity({ name: 'patient_notification' })
export class PatientNotificationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'patient_id', type: 'text' })
  patientId!: string;

  @Column({ type: 'text' })
  kind!: NotificationKind;

  @Column({ name: 'dedupe_key', type: 'text', unique: true })
  dedupeKey!: string;

  @Column({ type: 'jsonb' })
  details!: Record<string, string | undefined>;

  @Column({ type: 'text', default: 'pending' })
  status!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
