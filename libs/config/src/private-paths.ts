import { chmodSync, existsSync, lstatSync, readdirSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A directory tree holding patient data or credentials (the embedded database, the operator
 * credential, print runs): private to the user the process runs as.
 */
export interface PrivateTree {
  /** The variable that names it, for messages an operator can act on (e.g. `DATA_DIR`). */
  variable: string;
  dir: string;
}

/** What one check changed in one tree: counts only, never names or contents. */
export interface PrivateTreeReport {
  variable: string;
  dir: string;
  fixedDirs: number;
  fixedFiles: number;
}

export class PrivatePathError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Files of patient data or credentials are not private to this process's user:\n${problems
        .map((p) => `  - ${p}`)
        .join('\n')}`,
    );
    this.name = 'PrivatePathError';
  }
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * Makes each tree private: directories 0700, files 0600 (no bit for group or others). A mode
 * that is too open is FIXED and reported: it is what a umask of 022, a copy or a restore leaves,
 * and the owner may always narrow it. An entry owned by another user, or whose mode cannot be
 * changed, is REFUSED: another user who owns the data can read it whatever its mode, so the
 * process stops with every such problem listed and changes nothing. A tree that does not exist
 * yet is skipped: whoever creates it creates it 0700. Symbolic links inside a tree are left alone
 * (their mode means nothing); the tree's own directory may be one. An entry that disappears
 * while the tree is walked (a running database's temporary file) is passed over. On a system
 * without POSIX owners (Windows) nothing is checked.
 */
export function securePrivateTrees(trees: readonly PrivateTree[]): PrivateTreeReport[] {
  const uid = process.getuid?.();
  if (uid === undefined) return [];
  const problems: string[] = [];
  const pending: { variable: string; dir: string; entries: { path: string; stats: Stats }[] }[] = [];
  for (const tree of trees) {
    if (!existsSync(tree.dir)) continue;
    const foreign = (path: string, owner: number) =>
      problems.push(
        `${tree.variable}: ${path} belongs to uid ${owner}, not to this process's user (uid ${uid}): ` +
          `chown -R ${uid} ${tree.dir}, or run the process as its owner`,
      );
    // Another user's directory is not walked at all.
    const top = statSync(tree.dir);
    if (top.uid !== uid) {
      foreign(tree.dir, top.uid);
      continue;
    }
    const entries = collect(tree.dir, top, uid);
    for (const { path, stats } of entries) if (stats.uid !== uid) foreign(path, stats.uid);
    pending.push({ ...tree, entries });
  }
  if (problems.length > 0) throw new PrivatePathError(problems);
  return pending.map(({ variable, dir, entries }) => {
    const report: PrivateTreeReport = { variable, dir, fixedDirs: 0, fixedFiles: 0 };
    for (const { path, stats } of entries) {
      if ((stats.mode & 0o077) === 0) continue;
      try {
        chmodSync(path, stats.mode & 0o700);
      } catch (e) {
        if (isGone(e)) continue;
        problems.push(
          `${variable}: ${path} is ${octal(stats.mode)} and could not be made private ` +
            `(${(e as NodeJS.ErrnoException).code ?? 'error'}): chmod go-rwx it`,
        );
        continue;
      }
      if (stats.isDirectory()) report.fixedDirs++;
      else report.fixedFiles++;
    }
    if (problems.length > 0) throw new PrivatePathError(problems);
    return report;
  });
}

/**
 * The directory itself (followed if a link) and every directory and file under it (links not
 * followed, another user's directories not entered).
 */
function collect(dir: string, top: Stats, uid: number): { path: string; stats: Stats }[] {
  const found = [{ path: dir, stats: top }];
  for (let i = 0; i < found.length; i++) {
    const { path, stats } = found[i];
    if (!stats.isDirectory() || stats.uid !== uid) continue;
    let names: string[];
    try {
      names = readdirSync(path);
    } catch (e) {
      if (isGone(e)) continue;
      throw e;
    }
    for (const name of names) {
      const child = join(path, name);
      let childStats: Stats;
      try {
        childStats = lstatSync(child);
      } catch (e) {
        if (isGone(e)) continue;
        throw e;
      }
      if (childStats.isDirectory() || childStats.isFile()) found.push({ path: child, stats: childStats });
    }
  }
  return found;
}

const isGone = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** One line per tree that needed fixing, for the start-up log (paths and counts only). */
export function describeFixes(reports: readonly PrivateTreeReport[]): string[] {
  return reports
    .filter((r) => r.fixedDirs + r.fixedFiles > 0)
    .map(
      (r) =>
        `${r.variable} ${r.dir}: made ${r.fixedDirs} director${r.fixedDirs === 1 ? 'y' : 'ies'} 0700 and ` +
        `${r.fixedFiles} file${r.fixedFiles === 1 ? '' : 's'} 0600 (they were open to other users)`,
    );
}
