import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { securePrivateTrees } from '@passerelle/config';

/**
 * Creating an embedded cluster (PGlite's initdb) costs seconds of CPU, and it used to run once per
 * test database: hundreds of times a run. It is done once per jest run instead, into a template,
 * and each test database is a copy of it: byte for byte what a new DATA_DIR holds once the hub or
 * `openDatabase` has created the cluster in it, before any migration. Every test still migrates
 * its own copy with the schemas it opens, so what it sees is unchanged.
 *
 * The run's directory comes from jest's global setup (test/support/global-setup.js), so jest's
 * workers share one template; the first worker to need it builds it under a lock file, the
 * others wait. Outside jest, the process makes one of its own.
 */

/** Set by test/support/global-setup.js: a directory that lives as long as the jest run. */
export const RUN_DIR_VARIABLE = 'PASSERELLE_TEST_RUN_DIR';
const ROOT = resolve(__dirname, '../..');
/** The time the workers that wait give the one that builds (a busy machine's initdb takes ~20 s). */
const BUILD_DEADLINE_MS = 300_000;

let template: Promise<string> | undefined;

/** Copies the run's new cluster into `dataDir` (an empty directory), building it on first use. */
export async function copyPgliteTemplate(dataDir: string): Promise<void> {
  template ??= ensureTemplate(runDir()).catch((e: unknown) => {
    template = undefined; // the next test tries again, and says why too
    throw e;
  });
  cpSync(await template, dataDir, { recursive: true });
}

function runDir(): string {
  const shared = process.env[RUN_DIR_VARIABLE];
  if (shared) return shared;
  const own = mkdtempSync(join(tmpdir(), 'passerelle-test-run-'));
  process.env[RUN_DIR_VARIABLE] = own;
  process.once('exit', () => rmSync(own, { recursive: true, force: true }));
  return own;
}

async function ensureTemplate(run: string): Promise<string> {
  const done = join(run, 'pglite-template');
  const lock = join(run, 'pglite-template.lock');
  const deadline = Date.now() + BUILD_DEADLINE_MS;
  while (!existsSync(done)) {
    if (takeLock(lock)) {
      try {
        if (!existsSync(done)) await build(run, done);
      } finally {
        rmSync(lock, { force: true });
      }
    } else if (Date.now() > deadline) {
      throw new Error(
        `the embedded database template in ${run} was not built within ${BUILD_DEADLINE_MS} ms`,
      );
    } else {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return done;
}

/** The lock file holds its owner's pid; a lock whose owner died is taken over. */
function takeLock(lock: string): boolean {
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const owner = Number(readFileSync(lock, 'utf8').trim());
  if (owner > 0 && !isAlive(owner)) rmSync(lock, { force: true });
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * As `createDataDirIfNew` (libs/store/src/pglite-initdb.ts) creates a cluster: `PGlite.create`
 * then `close`, in a child process (initdb's ~750 MB peak stays out of the jest worker). Then made
 * private as `openDatabase` leaves it, directories 0700 and files 0600; renamed into place whole.
 */
async function build(run: string, done: string): Promise<void> {
  const building = join(run, `pglite-template-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const script = `import('@electric-sql/pglite').then(async ({ PGlite }) => (await PGlite.create(process.argv[1])).close())`;
    await promisify(execFile)(process.execPath, ['-e', script, building], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      timeout: BUILD_DEADLINE_MS,
    });
    if (!existsSync(join(building, 'PG_VERSION'))) throw new Error(`initdb left no cluster in ${building}`);
    securePrivateTrees([{ variable: 'DATA_DIR', dir: building }]);
    renameSync(building, done);
  } catch (e) {
    if (existsSync(done)) return rmSync(building, { recursive: true, force: true }); // another built it
    rmSync(building, { recursive: true, force: true });
    throw e;
  }
}
