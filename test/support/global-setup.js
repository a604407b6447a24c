const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { abandonedRunDirs, PREFIX, removeRunDir } = require('./test-run-dirs');

/**
 * One directory for the whole jest run, named to the workers by PASSERELLE_TEST_RUN_DIR (they
 * inherit the environment): what is made once per run and shared, the databases' templates
 * (test/support/test-run.ts), lives there. Nothing is built here: a run of unit specs alone pays
 * nothing. test/support/global-teardown.js removes it; what a killed run left is removed here.
 */
module.exports = async () => {
  for (const dir of abandonedRunDirs()) await removeRunDir(dir).catch(() => undefined);
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, 'owner'), String(process.pid));
  process.env.PASSERELLE_TEST_RUN_DIR = dir;
};
