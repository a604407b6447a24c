export { openDatabase, STORE_SCHEMA, type OpenDatabase, type Schema } from './data-source';
export {
  FhirRepository,
  HUB_AGENCY,
  parseETag,
  type PendingWrite,
  type RepositoryOptions,
  type WriteHook,
} from './fhir-repository';
export { type VersionRow } from './sql/resource-sql';
export { BundleProcessor, type GetHandler } from './bundle/bundle-processor';
export { type EntryRequest, parseQueryString } from './bundle/entry-request';
export { type Db } from './sql/resource-sql';
export * from './types';
export { OPEN_DATABASE, StoreModule } from './store.module';
export { ALL_VISIBLE, type Visibility } from './paging';
export { decodePageToken, encodePageToken, type PagePosition } from './page-token';
