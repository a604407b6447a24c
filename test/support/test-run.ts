import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What is made once per jest run and shared by its workers (the databases' templates) lives in
 * the run's directory, which jest's global setup (test/support/global-setup.js) names to every
 * worker through PASSERELLE_TEST_RUN_DIR; global-teardown.js removes it, and drops the run's
 * PostgreSQL templates. Outside jest, the process makes a directory of its own.
 */
const RUN_DIR_VARIABLE = 'PASSERELLE_TEST_RUN_DIR';
/** The time the workers that wait give the one that builds (a busy machine's initdb takes ~50 s). */
export const BUILD_DEADLINE_MS = 300_000;

/** Outside jest: the directory this process made for itself, removed when it exits. */
const OWN_RUN_DIR_VARIABLE = 'PASSERELLE_TEST_OWN_RUN_DIR';

/** The run's directory, and whether jest's global setup made it (then its teardown cleans up). */
export function testRun(): { dir: string; shared: boolean } {
  const shared = process.env[RUN_DIR_VARIABLE];
  if (shared) return { dir: shared, shared: true };
  let own = process.env[OWN_RUN_DIR_VARIABLE];
  if (!own) {
    const dir = mkdtempSync(join(tmpdir(), 'passerelle-test-run-'));
    process.env[OWN_RUN_DIR_VARIABLE] = own = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return { dir: own, shared: false };
}

/** A short name for the run, for what it creates outside its directory (as global-teardown.js). */
export function testRunId(dir: string): string {
  return createHash('sha256').update(dir).digest('hex').slice(0, 10);
}

/**
 * The path of `name` in the run's directory, built by `build(path)` the first time any worker
 * asks: under a lock file holding the builder's pid (a dead builder's lock is taken over), the
 * others waiting for it. `build` must leave `path` whole or not at all (build aside, rename).
 */
export async function builtOncePerRun(name: string, build: (path: string) => Promise<void>): Promise<string> {
  const { dir } = testRun();
  const done = join(dir, name);
  const lock = join(dir, `${name}.lock`);
  const deadline = Date.now() + BUILD_DEADLINE_MS;
  while (!existsSync(done)) {
    if (takeLock(lock)) {
      try {
        if (!existsSync(done)) await build(done);
      } finally {
        rmSync(lock, { force: true });
      }
    } else if (Date.now() > deadline) {
      throw new Error(`${done} was not built within ${BUILD_DEADLINE_MS} ms`);
    } else {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return done;
}

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
