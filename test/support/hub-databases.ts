import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, STORE_SCHEMA } from '@passerelle/store';
import { Client } from 'pg';
import { HUB_SCHEMAS } from '../../apps/hub/src/hub-schemas';
import {
  createPostgresDatabase,
  createTestDatabase,
  postgresUrl,
  type StoreKind,
  TEST_POSTGRES_URL,
  type TestDatabase,
} from './databases';
import { buildAside, copyDataDir, copyPgliteTemplate } from './pglite-template';
import { builtOncePerRun, testRun, testRunId } from './test-run';

/**
 * A hub's fresh database, every migration the hub ships already run: a copy of a template that
 * was migrated once per jest run, where each hub used to run them all again at its start (~2 s on
 * PostgreSQL, more on PGlite). The hub finds nothing pending, and the same tables, functions and
 * rows it would have made itself. Keyed by the migrations' names: a change of them is another
 * template. Tests of migrations themselves never come here (they open their databases).
 */
export async function createHubDatabase(kind: StoreKind): Promise<TestDatabase> {
  const run = testRun();
  if (kind === 'pglite') {
    const template = await builtOncePerRun(`pglite-hub-${migrationsKey()}`, migratePgliteTemplate);
    const dataDir = mkdtempSync(join(tmpdir(), 'passerelle-pglite-'));
    copyDataDir(template, dataDir);
    return {
      config: { kind: 'pglite', dataDir },
      drop: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    };
  }
  // The run's teardown drops its PostgreSQL templates: without it, the hub migrates as before.
  if (!run.shared) return createTestDatabase(kind);
  const template = await postgresTemplate(`passerelle_tpl_${testRunId(run.dir)}_${migrationsKey()}`, run.dir);
  return createPostgresDatabase(10, template);
}

function migrationsKey(): string {
  const names = [STORE_SCHEMA, ...HUB_SCHEMAS].flatMap((s) => s.migrations.map((m) => m.name)).sort();
  return createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 12);
}

async function migratePgliteTemplate(done: string): Promise<void> {
  await buildAside(done, async (dir) => {
    await copyPgliteTemplate(dir);
    const opened = await openDatabase({ kind: 'pglite', dataDir: dir }, hubOpening);
    await opened.close();
  });
}

const hubOpening = { migrate: true, schemas: HUB_SCHEMAS, refuseNewer: true };

/**
 * The run's migrated PostgreSQL database `name`, built by the first worker that asks under an
 * advisory lock: migrated under another name, then renamed, so that it exists only whole. Its name
 * is written in the run's directory for global-teardown.js to drop.
 */
async function postgresTemplate(name: string, runDir: string): Promise<string> {
  const admin = new Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      const building = `${name}_building`;
      appendFileSync(join(runDir, 'postgres-templates'), `${name}\n${building}\n`);
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`); // a dead builder's
      await admin.query(`CREATE DATABASE ${building}`);
      const opened = await openDatabase(
        { kind: 'postgres', url: postgresUrl(building), poolSize: 2 },
        hubOpening,
      );
      await opened.close();
      await untilNoSessions(admin, building);
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    }
    return name;
  } finally {
    await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
    await admin.end();
  }
}

/** A closed pool's sessions end a moment after: a database is renamed or copied only without any. */
async function untilNoSessions(admin: Client, database: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    if (rows[0]?.n === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sessions on ${database} did not end`);
}
