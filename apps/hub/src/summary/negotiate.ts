import { acceptRanges, prefersOverFhir } from '../accept';

/**
 * Content negotiation for Patient/$summary: the FHIR Bundle unless the client prefers a PDF
 * (RFC 9110 quality values), and the PDF's language from Accept-Language, French by default.
 */

export type SummaryFormat = 'fhir' | 'pdf';
export type SummaryLanguage = 'fr' | 'en';

export function summaryFormat(accept: string | undefined): SummaryFormat {
  return prefersOverFhir(accept, 'application/pdf') ? 'pdf' : 'fhir';
}

export function summaryLanguage(acceptLanguage: string | undefined): SummaryLanguage {
  let best: { language: SummaryLanguage; q: number } | undefined;
  for (const range of acceptRanges(acceptLanguage)) {
    const primary = range.type.split('-')[0];
    if ((primary === 'fr' || primary === 'en') && range.q > 0 && (!best || range.q > best.q))
      best = { language: primary, q: range.q };
  }
  return best?.language ?? 'fr';
}
