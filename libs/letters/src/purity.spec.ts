import { join, resolve } from 'node:path';
import { packagesLoadedBy, SERVER_PACKAGES } from '@passerelle/testing-lib';

/**
 * libs/letters is the pure renderer: what its index loads at run time (its own files, the libs
 * and packages they import, followed through the @passerelle aliases) never reaches a database
 * driver, an ORM, Nest or a queue (the walk: test/support/imports.ts).
 */
const ROOT = resolve(__dirname, '../../..');
const FORBIDDEN = SERVER_PACKAGES;
/** What renders (pdfkit, fontkit) or reads (pdfjs-dist) a PDF: a hub that reads records never needs them. */
const PDF_PACKAGES = ['pdfkit', 'fontkit', 'pdfjs-dist'];

describe('libs/letters is pure', () => {
  it('loads no database driver, ORM, Nest or queue, however deep its imports go', () => {
    const loaded = packagesLoadedBy(join(ROOT, 'libs/letters/src/index.ts'));
    expect(loaded.has('@fragaria/address-formatter')).toBe(true); // the walk does reach the packages it imports
    expect(FORBIDDEN.filter((p) => loaded.has(p))).toEqual([]);
  });

  it('loads its PDF libraries when it first makes a document, not with the lib (pdf-libraries.ts)', () => {
    const loaded = packagesLoadedBy(join(ROOT, 'libs/letters/src/index.ts'));
    expect(PDF_PACKAGES.filter((p) => loaded.has(p))).toEqual([]);
  });

  it('would notice a lib that loads the database (the walk is not blind)', () => {
    expect(packagesLoadedBy(join(ROOT, 'libs/consent/src/index.ts')).has('typeorm')).toBe(true);
  });
});
