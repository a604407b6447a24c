import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { securePrivateTrees } from '@passerelle/config';
import { BUILD_DEADLINE_MS, builtOncePerRun } from './test-run';

/**
 * Creating an embedded cluster (PGlite's initdb) costs seconds of CPU, and it used to run once per
 * test database: hundreds of times a run. It is done once per jest run instead, into a template,
 * and each test database is a copy of it: what a new DATA_DIR holds once the hub or
 * `openDatabase` has created the cluster in it, before any migration. Every test still migrates
 * its own copy with the schemas it opens, so what it sees is unchanged.
 */

const ROOT = resolve(__dirname, '../..');

/** Copies the run's new cluster into `dataDir` (an empty directory), building it on first use. */
export async function copyPgliteTemplate(dataDir: string): Promise<void> {
  copyDataDir(await builtOncePerRun('pglite-template', createCluster), dataDir);
}

/**
 * Copies a data directory's files into `to` (made 0700 if missing), with their modes. By read and write,
 * not `fs.cpSync`: on ext4, removing a tree cpSync copied (copy_file_range) took 0.3-1.1 s at the
 * test's end, one written 0.03-0.2 s, for the same copying time (measured on this project's dev machine).
 */
export function copyDataDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    const mode = statSync(source).mode & 0o777;
    if (entry.isDirectory()) {
      mkdirSync(target, { mode });
      copyDataDir(source, target);
    } else if (entry.isFile()) writeFileSync(target, readFileSync(source), { mode });
    else throw new Error(`${source}: a data directory template holds only files and directories`);
  }
}

/**
 * As `createDataDirIfNew` (libs/store/src/pglite-initdb.ts) creates a cluster: `PGlite.create`
 * then `close`, in a child process (initdb's ~750 MB peak stays out of the jest worker). Then made
 * private as `openDatabase` leaves it, directories 0700 and files 0600.
 */
async function createCluster(done: string): Promise<void> {
  await buildAside(done, async (dir) => {
    const script = `import('@electric-sql/pglite').then(async ({ PGlite }) => (await PGlite.create(process.argv[1])).close())`;
    await promisify(execFile)(process.execPath, ['-e', script, dir], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      timeout: BUILD_DEADLINE_MS,
    });
    if (!existsSync(join(dir, 'PG_VERSION'))) throw new Error(`initdb left no cluster in ${dir}`);
  });
}

/**
 * Builds a data directory beside `done`, makes it private as `openDatabase` leaves one (directories
 * 0700, files 0600), then renames it into place: `done` is whole or absent.
 */
export async function buildAside(done: string, build: (dir: string) => Promise<void>): Promise<void> {
  const dir = `${done}-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await build(dir);
    securePrivateTrees([{ variable: 'DATA_DIR', dir }]);
    renameSync(dir, done);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    if (!existsSync(done)) throw e; // else another worker built it first
  }
}
