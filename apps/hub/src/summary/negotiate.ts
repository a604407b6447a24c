/**
 * Content negotiation for Patient/$summary: the FHIR Bundle unless the client prefers a PDF
 * (RFC 9110 quality values), and the PDF's language from Accept-Language, French by default.
 */

export type SummaryFormat = 'fhir' | 'pdf';
export type SummaryLanguage = 'fr' | 'en';

interface Range {
  type: string;
  q: number;
}

function ranges(header: string | undefined): Range[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part): Range => {
      const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const qParam = params.find((p) => p.startsWith('q='));
      const q = qParam ? Number(qParam.slice(2)) : 1;
      return { type: type ?? '', q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 };
    })
    .filter((r) => r.type !== '');
}

/** The quality the client gives `type`: the most specific matching range wins (RFC 9110 §12.5.1). */
function quality(list: readonly Range[], type: string): number {
  const [major] = type.split('/');
  const exact = list.find((r) => r.type === type);
  if (exact) return exact.q;
  const sub = list.find((r) => r.type === `${major}/*`);
  if (sub) return sub.q;
  return list.find((r) => r.type === '*/*')?.q ?? 0;
}

const FHIR_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir'];

export function summaryFormat(accept: string | undefined): SummaryFormat {
  const list = ranges(accept);
  if (list.length === 0) return 'fhir';
  const pdf = quality(list, 'application/pdf');
  const fhir = Math.max(...FHIR_TYPES.map((t) => quality(list, t)));
  // A tie (e.g. */*) goes to FHIR; an Accept that names neither still gets FHIR, like every FHIR route.
  return pdf > 0 && pdf > fhir ? 'pdf' : 'fhir';
}

export function summaryLanguage(acceptLanguage: string | undefined): SummaryLanguage {
  let best: { language: SummaryLanguage; q: number } | undefined;
  for (const range of ranges(acceptLanguage)) {
    const primary = range.type.split('-')[0];
    if ((primary === 'fr' || primary === 'en') && range.q > 0 && (!best || range.q > best.q))
      best = { language: primary, q: range.q };
  }
  return best?.language ?? 'fr';
}
