import { packagesLoadedBy, SERVER_PACKAGES } from '@passerelle/testing-lib';

/**
 * `npm start`'s launcher (the CLI's `demo` command) stays up as long as the demo: it loads the
 * CLI's entry and the demo command, and nothing the other commands need (the store, TypeORM,
 * PGlite, Nest, the queues, the FHIR validator), which come in by dynamic import() when their
 * command runs (docs/operations.md, what to expect on a small server).
 */
const HEAVY = [...SERVER_PACKAGES, 'ajv'];

describe("the demo's launcher", () => {
  it.each(['apps/hub/src/cli/main.ts', 'apps/hub/src/cli/demo.ts'])(
    '%s loads no database, ORM, Nest, queue or validator',
    (entry) => {
      expect(HEAVY.filter((p) => packagesLoadedBy(entry).has(p))).toEqual([]);
    },
  );

  it('would notice a command that loads them (the walk is not blind)', () => {
    const loaded = packagesLoadedBy('apps/hub/src/cli/agency-commands.ts');
    expect(['typeorm', '@nestjs/common'].filter((p) => loaded.has(p))).toEqual(['typeorm', '@nestjs/common']);
  });
});
