const { existsSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('pg');

/**
 * Drops the run's PostgreSQL templates (test/support/hub-databases.ts lists them in the run's
 * directory), then removes the directory test/support/global-setup.js made.
 */
module.exports = async () => {
  const dir = process.env.PASSERELLE_TEST_RUN_DIR;
  if (!dir) return;
  const listed = join(dir, 'postgres-templates');
  const names = existsSync(listed) ? readFileSync(listed, 'utf8').split('\n').filter(Boolean) : [];
  if (names.length > 0) {
    const admin = new Client({
      connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    await admin.connect();
    try {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  rmSync(dir, { recursive: true, force: true });
};
