import type { Schema } from '@passerelle/store';
import { Sync1764440000000 } from './migrations/1764440000000-Sync';
import { FeedByResource1765840000000 } from './migrations/1765840000000-FeedByResource';

/** The sync lib's tables (outbox, feeds, subscriptions); plain SQL, no entities. */
export const SYNC_SCHEMA: Schema = {
  entities: [],
  migrations: [Sync1764440000000, FeedByResource1765840000000],
};
