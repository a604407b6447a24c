import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * libs/letters is the pure renderer: what its index loads at run time (its own files, the libs
 * and packages they import, followed through the @passerelle aliases) never reaches a database
 * driver, an ORM, Nest or a queue. Type-only imports are erased by the compiler and not followed.
 */
const ROOT = resolve(__dirname, '../../..');
const FORBIDDEN = [
  'typeorm',
  'pg',
  '@electric-sql/pglite',
  '@nestjs/common',
  '@nestjs/core',
  'bullmq',
  'ioredis',
];

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

function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [entry];
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

describe('libs/letters is pure', () => {
  it('loads no database driver, ORM, Nest or queue, however deep its imports go', () => {
    const loaded = packagesLoadedBy(join(ROOT, 'libs/letters/src/index.ts'));
    expect(loaded.has('pdfkit')).toBe(true); // the walk does reach the packages it renders with
    expect(FORBIDDEN.filter((p) => loaded.has(p))).toEqual([]);
  });

  it('would notice a lib that loads the database (the walk is not blind)', () => {
    expect(packagesLoadedBy(join(ROOT, 'libs/consent/src/index.ts')).has('typeorm')).toBe(true);
  });
});
