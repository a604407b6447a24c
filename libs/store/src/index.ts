export {
  migrationState,
  type MigrationState,
  refuseNewerSchema,
  SchemaNewerThanCodeError,
} from './migration-state';
export { backupDataDir, restoreDataDir } from './pglite-backup';
export {
  embeddedDatabaseMemoryBytes,
  openDatabase,
  STORE_SCHEMA,
  type OpenDatabase,
  type Schema,
} from './data-source';
// The lock moved to @passerelle/config (the connector takes it without loading the store).
export { DataDirLock } from '@passerelle/config';
export { FhirRepository, type ReadScope, type RepositoryOptions, type WriteHook } from './fhir-repository';
export { InternalReads } from './internal-reads';
export { parseETag } from './write-support';
export { type VersionRow, versionKey } from './sql/resource-sql';
export { BundleProcessor, type GetHandler } from './bundle/bundle-processor';
export { type EntryRequest, parseQueryString } from './bundle/entry-request';
export { type Db } from './sql/resource-sql';
export * from './types';
export { OPEN_DATABASE, StoreModule } from './store.module';
export { ALL_VISIBLE, type Visibility } from './paging';
export { decodePageToken, encodePageToken, type PagePosition } from './page-token';
export { HUB_AGENCY, type PendingWrite } from './versions';
export { type LocalReference, type ReferenceCheck } from './references/local-references';
export { documentsOfBinaries } from './document-content';
