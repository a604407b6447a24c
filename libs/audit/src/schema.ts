import type { Schema } from '@passerelle/store';
import { Audit1764420000000 } from './migrations/1764420000000-Audit';

/** The audit lib's table (plain SQL, no entities). A new migration is a new file added here. */
export const AUDIT_SCHEMA: Schema = {
  entities: [],
  migrations: [Audit1764420000000],
};
