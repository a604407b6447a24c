import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';

/**
 * Creating an embedded cluster (PGlite's initdb, a WebAssembly program of its own) takes ~750 MB
 * of resident memory at its peak, and a process's heap keeps much of it afterwards: a hub that
 * created its database in-process started ~300 MB heavier than one that reopened it. So a new
 * data directory is created by a short-lived child process (this file, run by node), and the hub
 * only ever reopens one. Under ts-jest, where there is no compiled child to run, in-process.
 */
export async function createDataDirIfNew(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const child = join(__dirname, 'pglite-initdb.js');
  if (!existsSync(child)) {
    await (await PGlite.create(dataDir)).close();
    return;
  }
  await promisify(execFile)(process.execPath, [child, dataDir], { env: {}, timeout: 300_000 });
}

async function runAsChild(dataDir: string | undefined): Promise<void> {
  if (dataDir === undefined) throw new Error('usage: node pglite-initdb.js <data directory>');
  const db = await PGlite.create(dataDir);
  await db.close();
}

if (require.main === module) {
  runAsChild(process.argv[2]).catch((error: unknown) => {
    console.error('creating the embedded database failed:', error);
    process.exit(1);
  });
}
