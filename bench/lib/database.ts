import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { onCleanup } from './cleanup';

/** The PostgreSQL server to benchmark on (same default and override as the integration tests). */
export const ADMIN_POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_POSTGRES_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh database of its own per run (dropped at cleanup), so runs never see each other's rows. */
export async function createDatabase(label: string): Promise<BenchDatabase> {
  const name = `passerelle_bench_${label}_${randomBytes(5).toString('hex')}`;
  await admin(async (c) => {
    await c.query(`CREATE DATABASE ${name}`);
    // Diagnostic: every statement of this database in the server's log with its duration
    // (lines carry `@<name>`), for a per-statement profile of a run. Per database, not server-wide.
    if (process.env.BENCH_LOG_STATEMENTS === '1') {
      await c.query(`ALTER DATABASE ${name} SET log_min_duration_statement = 0`);
    }
  });
  const url = new URL(ADMIN_POSTGRES_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  const db: BenchDatabase = {
    name,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      // FORCE: a hub killed mid-run may leave connections open.
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
  onCleanup(() => db.drop());
  return db;
}

/** Server version and the settings that most change write throughput, for the report. */
export function describePostgres(): Promise<Record<string, string>> {
  return admin(async (c) => {
    const names = [
      'server_version',
      'shared_buffers',
      'synchronous_commit',
      'fsync',
      'max_wal_size',
      'autovacuum',
    ];
    const rows = await c.query<{ name: string; setting: string; unit: string | null }>(
      'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)',
      [names],
    );
    return Object.fromEntries(rows.rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]));
  });
}

/** Flushes dirty pages left by set-up, so a measured phase does not pay for an earlier one. */
export async function checkpoint(): Promise<void> {
  await admin((c) => c.query('CHECKPOINT'));
}

/**
 * Gathers the planner's statistics of a database just seeded, as autovacuum would once it
 * noticed the new rows. Without them PostgreSQL plans every search as if each table held a
 * few hundred rows; a server with autovacuum off (as some test machines run) never has them.
 */
export async function analyze(databaseUrl: string): Promise<void> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}
