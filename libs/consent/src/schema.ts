import type { Schema } from '@passerelle/store';
import { PatientNotifications1764430000000 } from './migrations/1764430000000-PatientNotifications';
import { PatientNotificationEntity } from './notifications/patient-notification.entity';

/** The consent lib's tables. */
export const CONSENT_SCHEMA: Schema = {
  entities: [PatientNotificationEntity],
  migrations: [PatientNotifications1764430000000],
};
