/**
 * Content negotiation with RFC 9110 quality values, for the routes that answer something other
 * than FHIR JSON when the client prefers it (a summary as PDF, a document's raw content).
 */

export interface AcceptRange {
  type: string;
  q: number;
}

/** An Accept or Accept-Language header's ranges, lower-cased, q clamped to [0, 1]. */
export function acceptRanges(header: string | undefined): AcceptRange[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part): AcceptRange => {
      const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const qParam = params.find((p) => p.startsWith('q='));
      const q = qParam ? Number(qParam.slice(2)) : 1;
      return { type: type ?? '', q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 };
    })
    .filter((r) => r.type !== '');
}

/** The quality the client gives `type`: the most specific matching range wins (RFC 9110 §12.5.1). */
function quality(list: readonly AcceptRange[], type: string): number {
  const [major] = type.split('/');
  const exact = list.find((r) => r.type === type);
  if (exact) return exact.q;
  const sub = list.find((r) => r.type === `${major}/*`);
  if (sub) return sub.q;
  return list.find((r) => r.type === '*/*')?.q ?? 0;
}

export const FHIR_JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir'];

/**
 * Whether the client prefers `type` to FHIR JSON. No Accept, a range that names neither, or a
 * tie (`*\/*` alone) goes to FHIR, like every FHIR route.
 */
export function prefersOverFhir(accept: string | undefined, type: string): boolean {
  const list = acceptRanges(accept);
  if (list.length === 0) return false;
  const wanted = quality(list, type);
  const fhir = Math.max(...FHIR_JSON_TYPES.map((t) => quality(list, t)));
  return wanted > 0 && wanted > fhir;
}
