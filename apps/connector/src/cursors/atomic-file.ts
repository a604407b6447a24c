import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TMP = '.tmp-';

/**
 * Replaces `path` with `data` so that a crash at any instant leaves the old contents or the new,
 * never a torn file: write a temporary file beside it, fsync it, rename it over `path` (atomic
 * on POSIX file systems), then fsync the directory so the rename itself is durable.
 */
export async function replaceFile(path: string, data: string): Promise<void> {
  const tmp = join(dirname(path), `${TMP}${basename(path)}.${process.pid}`);
  const file = await open(tmp, 'w', 0o600);
  try {
    await file.writeFile(data, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Removes what a crash mid-`replaceFile` left of `path`'s temporary files (never `path` itself). */
export async function removeLeftovers(path: string): Promise<void> {
  const prefix = `${TMP}${basename(path)}.`;
  for (const name of await readdir(dirname(path))) {
    if (name.startsWith(prefix)) await unlink(join(dirname(path), name));
  }
}
