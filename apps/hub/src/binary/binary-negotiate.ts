import { FHIR_JSON_TYPES, prefersOverFhir } from '../accept';

/**
 * Content negotiation for a Binary read (FHIR R4 Binary, IHE MHD's retrieve document): the raw
 * content, with its own Content-Type, when the client prefers that type (RFC 9110 quality values)
 * to FHIR JSON; the Binary resource as FHIR JSON otherwise — no Accept, `*\/*` alone, or a tie.
 */
export type BinaryFormat = 'raw' | 'fhir';

export function binaryFormat(accept: string | undefined, contentType: string | undefined): BinaryFormat {
  const own = contentType?.split(';')[0].trim().toLowerCase();
  if (!own || FHIR_JSON_TYPES.includes(own)) return 'fhir';
  return prefersOverFhir(accept, own) ? 'raw' : 'fhir';
}
