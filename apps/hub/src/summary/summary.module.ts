import { Module } from '@nestjs/common';
import { renderSummaryPdf } from '@passerelle/letters';
import { SummaryController } from './summary.controller';
import { SUMMARY_PDF_RENDERER, type SummaryPdfRenderer } from './summary-pdf';
import { SummaryService } from './summary.service';

/**
 * Patient/$summary. Its dependencies (store, patient index, agency registry, consent scopes) come
 * from the global CoreModule and DisclosureModule; the PDF rendering from the letters lib.
 */
@Module({
  controllers: [SummaryController],
  providers: [
    SummaryService,
    { provide: SUMMARY_PDF_RENDERER, useValue: renderSummaryPdf satisfies SummaryPdfRenderer },
  ],
  // The clinician page builds the same document through the same service.
  exports: [SummaryService, SUMMARY_PDF_RENDERER],
})
export class SummaryModule {}
