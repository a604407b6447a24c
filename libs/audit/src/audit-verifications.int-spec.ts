import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import type { AuditInput } from './audit.types';
import { verifyAuditChain } from './audit-verifier';
import { lastVerification, recordVerification } from './audit-verifications';
import { AuditWriter } from './audit-writer';
import { AUDIT_SCHEMA } from './schema';

const input = (n: number): AuditInput => ({
  interaction: 'read',
  outcome: 'success',
  agency: 'chu',
  clientId: 'chu',
  patientId: `p${n}`,
  resourceType: 'Patient',
  requestId: `r${n}`,
});

describe.each(STORE_KINDS)('recorded audit chain verifications on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
  });
  afterAll(async () => {
    await opened?.close();
    await db?.drop();
  });

  it('keeps each verification and gives the newest: when, by whom, how many, intact or where it broke', async () => {
    const manager = opened.dataSource.manager;
    expect(await lastVerification(manager)).toBeUndefined();
    const writer = new AuditWriter(opened.dataSource);
    await writer.record([input(1), input(2), input(3)]);
    await writer.close();

    const intact = await verifyAuditChain(manager);
    expect(intact).toMatchObject({ ok: true, checked: 3 });
    const kept = await recordVerification(manager, intact, 'account:ops');
    expect(kept).toMatchObject({ ok: true, checked: 3, lastSeq: 3, problems: 0, by: 'account:ops' });
    expect(kept.brokenAt).toBeUndefined();
    expect(await lastVerification(manager)).toEqual(kept);

    // A broken chain is kept with its first broken record and the problem's code.
    await recordVerification(
      manager,
      {
        ok: false,
        checked: 3,
        problems: [
          { seq: 2, problem: 'edited', detail: 'content changed' },
          { seq: 3, problem: 'broken-link' },
        ],
        last: { seq: 3, hash: 'f'.repeat(64) },
      },
      'cli',
    );
    expect(await lastVerification(manager)).toMatchObject({
      ok: false,
      brokenAt: 2,
      problem: 'edited',
      problems: 2,
      by: 'cli',
    });
    // Only the checkpoints at fault: broken "at" 0, with the checkpoint's problem.
    await recordVerification(
      manager,
      {
        ok: false,
        checked: 3,
        problems: [],
        checkpoints: {
          read: 1,
          used: 0,
          problems: [{ file: 'a.log', line: 1, problem: 'bad-signature' }],
        },
      },
      'admin-api',
    );
    expect(await lastVerification(manager)).toMatchObject({
      ok: false,
      brokenAt: 0,
      problem: 'checkpoint-bad-signature',
      by: 'admin-api',
    });
  });
});
