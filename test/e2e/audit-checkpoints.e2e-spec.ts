import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditCheckpoint, type AuditInput, AuditWriter } from '@passerelle/audit';
import { createTestDatabase, startTestHub, STORE_KINDS, TEST_ADMIN_TOKEN } from '@passerelle/testing';
import request from 'supertest';

const input = (n: number): AuditInput => ({
  interaction: 'read',
  outcome: 'success',
  agency: 'gp-brest',
  clientId: 'gp-brest',
  patientId: `p-${n}`,
  requestId: `req-${n}`,
});

async function checkpointsIn(dir: string): Promise<AuditCheckpoint[]> {
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.jsonl')).sort();
  const lines = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return lines
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditCheckpoint);
}

describe.each(STORE_KINDS)('the hub signs audit checkpoints on %s', (kind) => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-e2e-checkpoints-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('every interval and at shutdown, and audit verify checks the chain against them', async () => {
    const hub = await startTestHub(kind, {
      env: { AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1' },
    });
    let closed = false;
    try {
      const writer = hub.app.get(AuditWriter);
      await writer.record([input(1), input(2), input(3)]);
      const deadline = Date.now() + 10_000;
      while ((await checkpointsIn(dir)).length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect((await checkpointsIn(dir))[0]).toMatchObject({ seq: 3 });

      const { body } = await request(hub.url)
        .get('/admin/audit/verify')
        .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
        .expect(200);
      expect(body).toMatchObject({ ok: true, checked: 3, checkpoints: { used: 1, problems: [] } });

      await writer.record([input(4)]);
      await hub.close(); // the last records are flushed, then signed
      closed = true;
      const all = await checkpointsIn(dir);
      expect(all[all.length - 1]).toMatchObject({ seq: 4 });
    } finally {
      if (!closed) await hub.close();
    }
  });

  if (kind === 'postgres') {
    it('refuses to start on PostgreSQL without a checkpoint key', async () => {
      const database = await createTestDatabase('postgres');
      try {
        await expect(
          startTestHub('postgres', { database, env: { AUDIT_CHECKPOINT_KEY: '' } }),
        ).rejects.toThrow(/AUDIT_CHECKPOINT_KEY_FILE .* is required when DATABASE_URL is set/);
      } finally {
        await database.drop();
      }
    });
  }
});
