import { packagesLoadedBy } from '@passerelle/testing-lib';

/**
 * What a hub loads at start costs it resident memory for its whole life (docs/operations.md,
 * what to expect on a small server): the PDF libraries (pdfkit, fontkit, pdfjs-dist) and the
 * browser the page tests drive come in when a letter or a preview is first made, never at start.
 */
const NOT_AT_START = ['pdfkit', 'fontkit', 'pdfjs-dist', 'playwright', '@playwright/test'];

describe("the hub's start", () => {
  it.each(['apps/hub/src/main.ts', 'apps/worker/src/main.ts'])(
    '%s loads no PDF library or browser',
    (entry) => {
      expect(NOT_AT_START.filter((p) => packagesLoadedBy(entry).has(p))).toEqual([]);
    },
  );

  it('would notice one (the walk is not blind)', () => {
    expect(packagesLoadedBy('apps/hub/src/main.ts').has('typeorm')).toBe(true);
  });
});
