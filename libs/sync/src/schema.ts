import type { Schema } from '@passerelle/store';
import { Sync1764440000000 } from './migrations/1764440000000-Sync';

/** The sync lib's tables (outbox, feeds, subscriptions); plain SQL, no entities. */
export const SYNC_SCHEMA: Schema = { entities: [], migrations: [Sync1764440000000] };
