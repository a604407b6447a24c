import { ResourceStore1764390000000 } from './1764390000000-ResourceStore';

/** Every migration, in order. A new migration is a new file here, never an edit of an old one. */
export const MIGRATIONS = [ResourceStore1764390000000];
