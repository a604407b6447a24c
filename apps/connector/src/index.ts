/**
 * The connector's public API, for the end-to-end, fault and benchmark code that drives it
 * in-process. Test helpers (agency registration, process environment) are in connector.testing.ts.
 */
export {
  AGENCY_AUTH_KINDS,
  CONNECTOR_CONFIG,
  defaultAgencyScopes,
  loadConnectorConfig,
  readClientKey,
  type AgencyAuth,
  type AgencyServerConfig,
  type ClientKey,
  type ConnectorConfig,
  type HubClientConfig,
  type SyncSettings,
} from './connector-config';
export {
  CONNECTOR_KINDS,
  DEFAULT_PROFILES,
  defaultScopes,
  inPushOrder,
  parseTypeList,
  pushRank,
  selectProfile,
  type ConnectorKind,
  type SyncProfile,
} from './profiles';
export { createConnector, type Connector, type ConnectorOptions } from './connector';
export { ConnectorModule, type ConnectorModuleOptions } from './connector.module';
export { CONNECTOR } from './connector.module-tokens';
export {
  CONNECTOR_SCHEMA,
  DatabaseCursorStore,
  FEED_STREAM,
  pullStream,
  type CursorRow,
  type CursorStore,
} from './cursors/cursor-store';
export { FileCursorStore } from './cursors/file-cursor-store';
export {
  FhirEndpoint,
  loadFhirKit,
  staticAuth,
  type RequestAuth,
  type StaticAgencyAuth,
} from './fhir/fhir-endpoint';
export { backoffDelay, httpStatusOf, isTransient, withRetry, type RetryPolicy } from './fhir/retry';
export { HubTokenProvider, hubRequestAuth, type HubTokenOptions } from './hub/hub-token';
export {
  BackendServicesClient,
  backendServicesAuth,
  postForm,
  TokenRefusedError,
  type BackendServicesConfig,
  type BackendServicesOptions,
  type PostForm,
} from './auth/backend-services';
export {
  discoverTokenEndpoint,
  getJson,
  SmartDiscoveryError,
  smartConfigurationUrl,
  type GetJson,
} from './auth/smart-discovery';
export {
  applyOrder,
  CHANGES_CURSOR_URL,
  changesCursor,
  cursorParameters,
  FeedApplier,
  type ApplierDeps,
  type ApplyReport,
} from './sync/applier';
export { describeError, isRejection, isUnresolvedReference, type CycleHooks } from './sync/outcomes';
export { Publisher, type PublisherDeps, type PullReport, type TypePushReport } from './sync/publisher';
export {
  SyncCycle,
  SyncStatus,
  type SyncCycleDeps,
  type SyncHealth,
  type SyncTotals,
} from './sync/sync-cycle';
export { formatProgress, Progress, type ProgressOptions, type ProgressOutput } from './sync/progress';
export { HealthController, type ConnectorHealth } from './health.controller';
export { SyncLoop } from './sync/sync-loop';
export {
  conditionalReference,
  identifierKey,
  identifierToken,
  parseConditionalReference,
  resolveForApply,
  rewriteForPush,
  type IdentifierKey,
} from './sync/references';
export {
  DeletionPublisher,
  deletionStream,
  type DeletionPublisherDeps,
  type TypeDeletionReport,
} from './sync/deletions/deletion-publisher';
export {
  DELETION_APPLICATIONS,
  DELETION_DETECTIONS,
  type DeletionApplication,
  type DeletionDetection,
  type DeletionSettings,
} from './sync/deletions/deletion-settings';
