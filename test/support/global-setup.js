const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/**
 * One directory for the whole jest run, named to the workers by PASSERELLE_TEST_RUN_DIR (they
 * inherit the environment): what is made once per run and shared, the embedded database's
 * template (test/support/pglite-template.ts), lives there. Nothing is built here: a run of unit
 * specs alone pays nothing. test/support/global-teardown.js removes it.
 */
module.exports = () => {
  process.env.PASSERELLE_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'passerelle-test-run-'));
};
