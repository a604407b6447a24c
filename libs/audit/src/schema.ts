import type { Schema } from '@passerelle/store';
import { Audit1764420000000 } from './migrations/1764420000000-Audit';
import { AuditAppend1764461000000 } from './migrations/1764461000000-AuditAppend';
import { AuditAppendLines1764470000000 } from './migrations/1764470000000-AuditAppendLines';
import { AuditPartitions1765640000000 } from './migrations/1765640000000-AuditPartitions';
import { AuditVerifications1765710000000 } from './migrations/1765710000000-AuditVerifications';
import { AuditLog1765750000000 } from './migrations/1765750000000-AuditLog';
import { AuditProjectionColumns1765900000000 } from './migrations/1765900000000-AuditProjectionColumns';

/** The audit lib's table (plain SQL, no entities). A new migration is a new file added here. */
export const AUDIT_SCHEMA: Schema = {
  entities: [],
  migrations: [
    Audit1764420000000,
    AuditAppend1764461000000,
    AuditAppendLines1764470000000,
    AuditPartitions1765640000000,
    AuditVerifications1765710000000,
    AuditLog1765750000000,
    AuditProjectionColumns1765900000000,
  ],
};
