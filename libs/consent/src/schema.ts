import type { Schema } from '@passerelle/store';
import { PatientNotifications1764430000000 } from './migrations/1764430000000-PatientNotifications';
import { ConsentLookup1764461000001 } from './migrations/1764461000001-ConsentLookup';
import { CareRelationships1765000000000 } from './migrations/1765000000000-CareRelationships';
import { ConsentVersion1765800000000 } from './migrations/1765800000000-ConsentVersion';
import { PatientNotificationEntity } from './notifications/patient-notification.entity';

/** The consent lib's tables and its lookup function (which reads the store's and the patient index's). */
export const CONSENT_SCHEMA: Schema = {
  entities: [PatientNotificationEntity],
  migrations: [
    PatientNotifications1764430000000,
    ConsentLookup1764461000001,
    CareRelationships1765000000000,
    ConsentVersion1765800000000,
  ],
};
