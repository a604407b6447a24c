export * from './agency/agency.types';
export {
  activeAgencies,
  agencyKindOf,
  agencyOfReference,
  organizationIdOf,
  type DirectoryAgency,
} from './agency/agency-references';
export { AgencyService, HUB_ACTOR_AGENCY, type AgencyChange, type NewAgency } from './agency/agency.service';
export {
  algorithmOf,
  CLIENT_ALGORITHMS,
  publicKeyOf,
  validateJwks,
  type ClientAlgorithm,
} from './agency/jwks';
export * from './auth/scopes';
export { IDENTITY_SCHEMA } from './schema';
export * from './auth/access-context';
export * from './auth/oauth-error';
export {
  checkAssertionClaims,
  CLIENT_ASSERTION_TYPE,
  MAX_ASSERTION_LIFETIME_SECONDS,
  readAssertion,
  selectKey,
  verifyClientAssertion,
  verifySignature,
  type AssertionClient,
  type AssertionExpectations,
  type AssertionVerifierDeps,
  type UnverifiedAssertion,
  type VerifiedAssertion,
} from './auth/client-assertion';
export { JtiStore, type JtiStoreOptions } from './auth/jti-store';
export {
  jwkThumbprint,
  loadSigningKey,
  SIGNING_KEY_SECRET,
  signingKeyFromPem,
  type HubSigningKey,
} from './auth/signing-key';
export {
  ACCESS_TOKEN_ALGORITHM,
  AccessTokenService,
  InvalidTokenError,
  type AccessGrant,
  type AccessTokenOptions,
  type IssuedAccessToken,
} from './auth/access-token';
export {
  CLIENT_CREDENTIALS,
  FORM_CONTENT_TYPE,
  isFormContentType,
  TokenService,
  type TokenForm,
  type TokenResponse,
  type TokenServiceOptions,
  type UseContext,
} from './auth/token.service';
export { IdentityModule } from './identity.module';
export { PatientIndex } from './mpi/patient-index';
export * from './mpi/mpi.types';
export {
  INS_SYSTEM,
  NHS_NUMBER_SYSTEM,
  isValidNhsNumber,
  isValidNir,
  keysOf,
  normaliseName,
  type PatientKeys,
} from './mpi/matching';
export {
  birthplaceExtension,
  FR_CORE_IDENTITY_RELIABILITY_URL,
  FR_CORE_IDENTITY_STATUS_SYSTEM,
  FR_CORE_INSEE_CODE_URL,
  FR_CORE_V2_0445_SYSTEM,
  insTraitsOf,
  isQualifiedInsIdentity,
  isVerifiedNhsNumber,
  NHS_NUMBER_VERIFICATION_STATUS_SYSTEM,
  NHS_NUMBER_VERIFICATION_STATUS_URL,
  PATIENT_BIRTH_PLACE_URL,
  qualifiedInsExtension,
  verifiedNhsNumberExtension,
  type InsTraits,
} from './mpi/qualification';
