export * from './types';
export { decide, decisionWithoutConsents } from './decide';
export { typedProvisions } from './provisions';
export { consentAction, type ConsentAction, sharingRules, type SharingRule } from './sharing-rules';
export { ConsentService } from './consent.service';
export { CONSENT_DECIDER, ConsentModule, type ConsentModuleOptions } from './consent.module';
export {
  CONSENT_READER,
  type ConsentInputCounts,
  type ConsentSource,
  StoreConsentSource,
  withLocalReferences,
} from './consent-source';
export { PersonConsentSource, type PersonConsentSourceOptions } from './person-consent-source';
export { codingOf, factsOf, hasSensitiveLabel } from './facts';
export { CONSENT_STATUSES, isPrivacyConsent, validatePatientConsent } from './privacy-consent';
export {
  ACT_CODE_SYSTEM,
  ACT_REASON_SYSTEM,
  AGENCY_ID_SYSTEM,
  AGENCY_KIND_SYSTEM,
  CONFIDENTIALITY_SYSTEM,
  CONSENT_ACTION_SYSTEM,
  CONSENT_SCOPE_SYSTEM,
  DIRECT_CARE_PURPOSES,
  PARTICIPATION_TYPE_SYSTEM,
  PATIENT_PRIVACY,
  RESOURCE_TYPES_SYSTEM,
  SENSITIVE_ACT_CODES,
  SENSITIVE_CONFIDENTIALITY,
} from './vocabulary';

// The consent-scoped repository, its audit and the notices to patients.
export * from './scoped/consent-scoped-repository';
export * from './scoped/disclosure';
export { PageBinding } from './scoped/page-binding';
export { writerMaySee } from './scoped/write-references';
export * from './notifications/patient-notifications';
export * from './notifications/patient-notification.entity';
export { CONSENT_SCHEMA } from './schema';
export {
  type CareBasis,
  type CareRelationship,
  careAgenciesOf,
  type ListedRelationship,
  maintainCareRelationships,
  rebuildRelationships,
  relationshipsFor,
  relationshipsOf,
} from './relationships/care-relationships';
export { checkConsentAuthorship, grantsItself, type Recorder } from './relationships/authorship';
export {
  isPaperFormConsent,
  PAPER_FORM_AGENCY_KINDS,
  PAPER_FORM_CATEGORIES,
  PAPER_FORM_CATEGORY_KEYS,
  PAPER_FORM_IDENTIFIER_SYSTEM,
  type PaperFormCategory,
  type PaperFormChoices,
  type PaperFormConsentInput,
  paperFormChoicesOf,
  paperFormConsent,
  paperFormProblems,
} from './paper-form';
