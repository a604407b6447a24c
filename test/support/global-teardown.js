const { rmSync } = require('node:fs');

/** Removes the run's directory that test/support/global-setup.js made. */
module.exports = () => {
  const dir = process.env.PASSERELLE_TEST_RUN_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
};
