import type { Schema } from '@passerelle/store';
import { Mailroom1764450000000 } from './migrations/1764450000000-Mailroom';
import { ConsentForms1765400000030 } from './migrations/1765400000030-ConsentForms';
import { CareLetters1765660000000 } from './migrations/1765660000000-CareLetters';

/** The mailroom's tables (letters, print runs, returned-address flags, paper consent forms); plain SQL, no entities. */
export const MAILROOM_SCHEMA: Schema = {
  entities: [],
  migrations: [Mailroom1764450000000, ConsentForms1765400000030, CareLetters1765660000000],
};
