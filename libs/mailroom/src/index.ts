/**
 * The mailroom: patient notifications become letters or online notices,
 * letters are gathered into print runs, and operators print, post and mark returned mail. The
 * state of letters (libs/letters renders them and holds none): its tables are MAILROOM_SCHEMA;
 * apps import `MailroomModule`: `Mailroom` (operator actions), `ConsentForms`, and where the
 * process runs the jobs `MailroomWorker` (poller + `letter` and `print-run` queue processors).
 * Other libs' data is read through their exports (libs/consent, libs/audit), not their tables.
 */
export { MAILROOM_SCHEMA } from './schema';
export * from './mailroom.types';
export {
  chooseChannel,
  contactFacts,
  CONTACT_PREFERENCE_EXTENSION,
  LARGE_PRINT_EXTENSION,
  MARKER_BASE,
  ONLINE_ACCOUNT_EXTENSION,
  type Channel,
  type ContactFacts,
  type ContactPreference,
  type PersonRecord,
} from './contact-markers';
export {
  COMMUNICATION_CATEGORY_SYSTEM,
  LETTER_IDENTIFIER_SYSTEM,
  LETTER_KIND_SYSTEM,
  lateLetterNotice,
  noticeText,
  type HubCommunication,
  type NoticeFacts,
} from './communications';
export { careLetters } from './care-letters';
export { appointmentEvents, appointmentFacts, longTermChange, RECENT_MS, stayEnded } from './care-changes';
export { addressFingerprint, type PostalAddress } from './postal-address';
export { letterReference, type LetterFilter } from './letter-rows';
export {
  DEFAULT_SENDER,
  DEFAULT_WORKER_OPTIONS,
  PRINT_RUN_ATTEMPTS,
  type AuditRecorder,
  type MailroomDeps,
  type MailroomOptions,
  type MailroomWorkerDeps,
  type MailroomWorkerOptions,
} from './mailroom-deps';
export { Mailroom, type ReturnedLetter, type RunFile } from './mailroom';
export { MailroomWorker } from './mailroom-worker';
export { MAILROOM_CLIENT_ID } from './print-run-builder';
export { csvCells, readManifest, type ManifestEntry } from './manifest-reader';
export { type ConsentFormAnswer, readConsentFormAnswer } from './consent-form-answer';
export { ConsentForms, type ConsentFormDeps, type RecordedForm } from './consent-forms';
export { MailroomModule } from './mailroom.module';
