import type { Schema } from '@passerelle/store';
import { Mailroom1764450000000 } from './migrations/1764450000000-Mailroom';

/** The mailroom's tables (letters, print runs, returned-address flags); plain SQL, no entities. */
export const MAILROOM_SCHEMA: Schema = { entities: [], migrations: [Mailroom1764450000000] };
