import { ACCOUNTS_SCHEMA } from '@passerelle/accounts';
import { AUDIT_SCHEMA } from '@passerelle/audit';
import { CONSENT_SCHEMA } from '@passerelle/consent';
import { IDENTITY_SCHEMA } from '@passerelle/identity';
import { MAILROOM_SCHEMA } from '@passerelle/mailroom';
import type { Schema } from '@passerelle/store';
import { SYNC_SCHEMA } from '@passerelle/sync';

/** The tables the hub uses beyond the store's own: every migration the hub runs. */
export const HUB_SCHEMAS: Schema[] = [
  IDENTITY_SCHEMA,
  CONSENT_SCHEMA,
  AUDIT_SCHEMA,
  SYNC_SCHEMA,
  MAILROOM_SCHEMA,
  ACCOUNTS_SCHEMA,
];
