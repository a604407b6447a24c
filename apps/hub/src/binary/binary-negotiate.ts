/**
 * Content negotiation for a Binary read (FHIR R4 Binary, IHE MHD's retrieve document): the raw
 * content, with its own Content-Type, when the client prefers that type (RFC 9110 quality values)
 * to FHIR JSON; the Binary resource as FHIR JSON otherwise — no Accept, `*\/*` alone, or a tie.
 */

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

export type BinaryFormat = 'raw' | 'fhir';

export function binaryFormat(accept: string | undefined, contentType: string | undefined): BinaryFormat {
  const list = ranges(accept);
  const own = contentType?.split(';')[0].trim().toLowerCase();
  if (list.length === 0 || !own || FHIR_TYPES.includes(own)) return 'fhir';
  const raw = quality(list, own);
  const fhir = Math.max(...FHIR_TYPES.map((t) => quality(list, t)));
  return raw > 0 && raw > fhir ? 'raw' : 'fhir';
}
