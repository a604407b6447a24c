import { isAbsolute, relative } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { describeFixes, type HubConfig, type PrivateTree, securePrivateTrees } from '@passerelle/config';

/**
 * What the hub keeps on disk that only its own user may read: the embedded database (its rows,
 * the access-token signing key in `hub_secret`, the generated operator credential) and the print
 * runs (names and addresses). A MAILROOM_DIR inside DATA_DIR is checked with it.
 */
export function hubPrivateTrees(config: HubConfig, mailroomDir: string): PrivateTree[] {
  const trees: PrivateTree[] = [];
  if (config.database.kind === 'pglite') trees.push({ variable: 'DATA_DIR', dir: config.database.dataDir });
  const inside = (dir: string, parent: string) => {
    const path = relative(parent, dir);
    return path === '' || (!path.startsWith('..') && !isAbsolute(path));
  };
  if (!trees.some((t) => inside(mailroomDir, t.dir)))
    trees.push({ variable: 'MAILROOM_DIR', dir: mailroomDir });
  return trees;
}

/**
 * Checked before anything is opened: modes too open are narrowed and the log says where; files
 * of another user stop the hub (PrivatePathError lists them). See securePrivateTrees.
 */
export function securePrivateFiles(trees: readonly PrivateTree[], logger: LoggerService): void {
  for (const line of describeFixes(securePrivateTrees(trees))) logger.warn(line);
}
