const { existsSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');

/**
 * A jest run's directory (test/support/test-run.ts): what the run makes once and shares, under
 * the system temp directory, with the pid of the jest process that owns it in `owner`.
 */
const PREFIX = 'passerelle-test-run-';

/** Drops the PostgreSQL templates the run listed (test/support/hub-databases.ts), then the directory. */
async function removeRunDir(dir) {
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
}

/** The directories of runs whose jest process is gone (killed before its teardown). */
function abandonedRunDirs() {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith(PREFIX))
    .map((name) => join(tmpdir(), name))
    .filter((dir) => {
      const owner = ownerOf(dir);
      return owner !== undefined && !isAlive(owner);
    });
}

/** Undefined while a run's setup has not written it yet (or for a directory of another kind). */
function ownerOf(dir) {
  try {
    const pid = Number(readFileSync(join(dir, 'owner'), 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

module.exports = { PREFIX, removeRunDir, abandonedRunDirs };
