export { openDatabase, STORE_ENTITIES, type OpenDatabase } from './data-source';
export { FhirRepository, parseETag, type PendingWrite, type RepositoryOptions } from './fhir-repository';
export { BundleProcessor, type GetHandler } from './bundle/bundle-processor';
export { type EntryRequest, parseQueryString } from './bundle/entry-request';
export { type Db } from './sql/resource-sql';
export * from './types';
export { OPEN_DATABASE, StoreModule } from './store.module';
