const { removeRunDir } = require('./test-run-dirs');

/** Drops the run's PostgreSQL templates and removes the directory global-setup.js made. */
module.exports = async () => {
  const dir = process.env.PASSERELLE_TEST_RUN_DIR;
  if (dir) await removeRunDir(dir);
};
