import type { GeneratedQuery } from './differential-queries';

/**
 * Where the hub and Medplum's MemoryRepository (4.5.2) disagree, and which is right by the FHIR
 * R4 search specification (https://hl7.org/fhir/R4/search.html). Each entry says exactly when
 * it applies, so a new kind of disagreement fails the differential test.
 */
export interface KnownDifference {
  reason: string;
  applies: (q: GeneratedQuery, hub: string[], medplum: string[]) => boolean;
}

const subset = (a: string[], b: string[]) => a.every((x) => b.includes(x));
const names = (q: GeneratedQuery) => q.params.map(([name]) => name);

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    reason:
      'MemoryRepository finds nothing for a quantity (or quantity composite) search: its in-memory ' +
      'matcher does not compare Quantity values. By the spec `value-quantity=ge5.6` matches every ' +
      'value of 5.6 or more whatever its unit: the hub is right.',
    applies: (q, _hub, medplum) => medplum.length === 0 && q.params.some(([name]) => /quantity$/.test(name)),
  },
  {
    reason:
      'MemoryRepository matches strings by "contains" (`address-postalcode=310` finds 13100). The ' +
      'spec: "By default, a field matches a string query if the value of the field equals or starts ' +
      'with the supplied parameter value" (`:contains` asks for the other): the hub is right.',
    applies: (q, hub, medplum) => q.kind === 'string' && hub.length < medplum.length && subset(hub, medplum),
  },
  {
    reason:
      'MemoryRepository leaves `country` out of `address`. The R4 definition of `address`: "A server ' +
      'defined search that may match any of the string fields in the Address, including line, city, ' +
      'district, state, country, postalCode, and/or text": the hub matches country, as allowed.',
    applies: (q, hub, medplum) =>
      names(q).includes('address') && medplum.length < hub.length && subset(medplum, hub),
  },
  {
    reason:
      'MemoryRepository answers a date `eq` on a Period when the Period overlaps the searched range. ' +
      'The spec: eq matches when "the range of the search value fully contains the range of the ' +
      'target value"; a Period running past April 2023 is not `effective=2023-04`: the hub is right.',
    applies: (q, hub, medplum) =>
      q.kind === 'date' && /^\d/.test(q.params[0][1]) && hub.length < medplum.length && subset(hub, medplum),
  },
];

export function knownDifference(
  q: GeneratedQuery,
  hub: string[],
  medplum: string[],
): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find((d) => d.applies(q, hub, medplum));
}
