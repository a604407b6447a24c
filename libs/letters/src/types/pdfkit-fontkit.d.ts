/**
 * pdfkit 0.20 takes an already-parsed fontkit font in `registerFont()` and `font()`; the community
 * types (@types/pdfkit 0.17) predate that, so the overloads are added here. `_font` is the
 * document's current font object: fonts.ts gives it the process's word cache (`layoutCache`,
 * which pdfkit creates per document unless `fontLayoutCache: false`). `_root` is the document's
 * catalog, whose page tree a print run slims as it goes (`flushWrittenPages`).
 */
import type { Font } from 'fontkit';

declare global {
  namespace PDFKit.Mixins {
    interface PDFFont {
      registerFont(name: string, src: Font): this;
      font(src: Font, size?: number): this;
      _font: { layoutCache?: Record<string, unknown> };
    }
  }
  namespace PDFKit {
    interface PDFDocument {
      /** The document's page tree: every page's dictionary, in order (see render-letter.ts). */
      _root: { data: { Pages: { data: { Kids: { data: object }[] } } } };
    }
  }
}
