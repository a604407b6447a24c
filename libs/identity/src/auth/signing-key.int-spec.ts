import { generateKeyPairSync } from 'node:crypto';
import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { IDENTITY_SCHEMA } from '../schema';
import { loadSigningKey, SIGNING_KEY_SECRET } from './signing-key';

describe.each(STORE_KINDS)('loadSigningKey on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  const open = () => openDatabase(db.config, { migrate: true, schemas: [IDENTITY_SCHEMA] });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await open();
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('generates one key when instances start together, and every one of them uses it', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => loadSigningKey(opened.dataSource)));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect(keys[0].source).toBe('database');
    const stored: { name: string }[] = await opened.dataSource.query('SELECT name FROM hub_secret');
    expect(stored).toEqual([{ name: SIGNING_KEY_SECRET }]);
  });

  it('keeps the key across a restart', async () => {
    const before = await loadSigningKey(opened.dataSource);
    await opened.close();
    opened = await open();
    expect((await loadSigningKey(opened.dataSource)).kid).toBe(before.kid);
  });

  it('uses TOKEN_SIGNING_KEY when configured, and leaves the stored key alone', async () => {
    const stored = await loadSigningKey(opened.dataSource);
    const pem = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const configured = await loadSigningKey(opened.dataSource, pem);
    expect(configured.source).toBe('configured');
    expect(configured.kid).not.toBe(stored.kid);
    expect((await loadSigningKey(opened.dataSource)).kid).toBe(stored.kid);
  });
});
