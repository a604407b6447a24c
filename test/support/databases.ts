import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '@passerelle/config';
import { Client } from 'pg';
import { copyPgliteTemplate } from './pglite-template';

/** The PostgreSQL server the integration tests use; CI starts it (see .ci/run). */
export const TEST_POSTGRES_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

/**
 * A fresh PostgreSQL database of its own, so test files never see each other's rows: empty, or a
 * copy of `template` (a database nobody is connected to).
 */
export async function createPostgresDatabase(poolSize = 10, template?: string): Promise<TestDatabase> {
  const name = `passerelle_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    // A template is copied only while nobody is connected to it: a passing session (a tool
    // looking at the server's databases, say) makes the copy wait a moment and try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
        break;
      } catch (e) {
        if (!template || (e as { code?: string }).code !== '55006' || attempt === 20) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    config: { kind: 'postgres', url: postgresUrl(name), poolSize },
    drop: async () => {
      const c = new Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The URL of database `name` on the test server. */
export function postgresUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * An empty PGlite data directory under the system temp directory, as a new DATA_DIR: whoever opens
 * it first creates the cluster (PGlite's initdb). For tests of that first start; other tests take
 * `createTestDatabase('pglite')`, the same cluster already created.
 */
export function createPgliteDatabase(): TestDatabase {
  return pgliteDatabase(mkdtempSync(join(tmpdir(), 'passerelle-pglite-')));
}

function pgliteDatabase(dataDir: string): TestDatabase {
  return {
    config: { kind: 'pglite', dataDir },
    drop: () => {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

export type StoreKind = DatabaseConfig['kind'];

/** Both engines, for `describe.each`: every store test runs on PostgreSQL and on PGlite. */
export const STORE_KINDS: StoreKind[] = ['postgres', 'pglite'];

/**
 * A fresh database of the test's own, not migrated: the caller's `openDatabase` (or hub) runs the
 * migrations of the schemas it opens. On PGlite, a new cluster copied from the run's template
 * (test/support/pglite-template.ts) rather than created again.
 */
export async function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  if (kind === 'postgres') return createPostgresDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'passerelle-pglite-'));
  try {
    await copyPgliteTemplate(dataDir);
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return pgliteDatabase(dataDir);
}
