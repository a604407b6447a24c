import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * What a source file loads at run time, followed through relative imports and the @passerelle
 * aliases: the npm packages reached. Type-only imports are erased by the compiler and not
 * followed; neither are dynamic `import()`s, which load only when the code that calls them runs.
 */
const ROOT = resolve(__dirname, '../..');

/** A database driver, an ORM, Nest or a queue: what a pure or a light entry must never load. */
export const SERVER_PACKAGES = [
  'typeorm',
  'pg',
  '@electric-sql/pglite',
  '@nestjs/common',
  '@nestjs/core',
  'bullmq',
  'ioredis',
] as const;

const paths = (
  JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  }
).compilerOptions.paths;

/** The modules a file loads at run time: `import`/`export … from` that are not type-only. */
function runtimeImports(source: string): string[] {
  const found: string[] = [];
  const statement = /^(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)'|^import\s+'([^']+)'/gms;
  for (const m of source.matchAll(statement)) {
    if (m[5]) {
      found.push(m[5]);
      continue;
    }
    if (m[2]) continue;
    const names = /\{([^}]*)\}/.exec(m[3] ?? '');
    const onlyTypes =
      names !== null &&
      !/^\s*\w/.test((m[3] ?? '').replace(/\{[^}]*\}/, '').replace(/^,/, '')) &&
      names[1]
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .every((n) => n.startsWith('type '));
    if (!onlyTypes) found.push(m[4]);
  }
  return found;
}

function resolveFile(base: string): string | undefined {
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base].find(
    (c) => /\.tsx?$/.test(c) && existsSync(c),
  );
}

/** The npm packages `entry` (a path from the repository root) loads at run time, however deep. */
export function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [resolve(ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
      const alias = paths[spec]?.[0];
      const target = alias
        ? resolveFile(join(ROOT, alias.replace(/\.tsx?$/, '')))
        : spec.startsWith('.')
          ? resolveFile(resolve(dirname(file), spec))
          : undefined;
      if (target) queue.push(target);
      else if (!spec.startsWith('.') && !spec.startsWith('node:'))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  return packages;
}
