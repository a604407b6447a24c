/**
 * pdfkit 0.20 takes an already-parsed fontkit font in `registerFont()` and `font()`; the community
 * types (@types/pdfkit 0.17) predate that, so the overloads are added here.
 */
import type { Font } from 'fontkit';

declare global {
  namespace PDFKit.Mixins {
    interface PDFFont {
      registerFont(name: string, src: Font): this;
      font(src: Font, size?: number): this;
    }
  }
}
