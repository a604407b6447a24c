import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { DataDirLock, securePrivateTrees } from '@passerelle/config';

/**
 * Backups of the embedded database (PGlite) and of everything else DATA_DIR holds (the operator
 * credential, the generated keys, the audit checkpoints kept there by default): one gzipped tar
 * made by PGlite's own `dumpDataDir`, which stops the database cleanly (checkpoint, files synced)
 * before it reads the directory. It runs under the data directory's lock, so no hub writes while
 * it is made: stop the hub for the few seconds it takes (a running hub holds the lock, and the
 * backup then refuses, naming its process).
 */
export async function backupDataDir(dataDir: string, outFile: string): Promise<{ bytes: number }> {
  const lock = DataDirLock.acquire(dataDir);
  try {
    const pglite = await PGlite.create(dataDir);
    let archive: Buffer;
    try {
      archive = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
    } finally {
      await pglite.close();
      securePrivateTrees([{ variable: 'DATA_DIR', dir: dataDir }]);
    }
    // Patient data: the copy is as private as the directory; never overwrites another file.
    writeFileSync(outFile, archive, { mode: 0o600, flag: 'wx' });
    return { bytes: archive.length };
  } finally {
    lock.release();
  }
}

/**
 * Restores a backup made by backupDataDir into an empty (or new) data directory, and opens it
 * once to check that PostgreSQL starts on it.
 */
export async function restoreDataDir(archiveFile: string, dataDir: string): Promise<void> {
  const lock = DataDirLock.acquire(dataDir);
  try {
    const present = readdirSync(dataDir).filter((name) => name !== 'passerelle.lock');
    if (present.length > 0)
      throw new Error(`${dataDir} is not empty: restore into a new directory, then point DATA_DIR at it`);
    const pglite = await PGlite.create(dataDir, { loadDataDir: new Blob([readFileSync(archiveFile)]) });
    try {
      await pglite.query('SELECT 1');
    } finally {
      await pglite.close();
      securePrivateTrees([{ variable: 'DATA_DIR', dir: dataDir }]);
    }
  } finally {
    lock.release();
  }
}
