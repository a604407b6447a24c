import type { GeneratedQuery } from './differential-queries';
import { findParam } from '@passerelle/fhir';
import type { FeatureQuery } from './feature-queries';

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

/** Disagreements on `:missing` and `_sort` (search-differential-features.int-spec.ts). */
export interface KnownFeatureDifference {
  reason: string;
  applies: (q: FeatureQuery, hub: string[], medplum: string[]) => boolean;
}

const sameSet = (a: string[], b: string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
const sortedBy = (q: FeatureQuery, kind: string) =>
  q.kind === 'sort' && findParam(q.type, q.params[0][0].split(':')[0])?.kind === kind;

export const KNOWN_FEATURE_DIFFERENCES: KnownFeatureDifference[] = [
  {
    reason:
      'MemoryRepository takes `value.as(string)` (and `.as(Age)`) of a choice to be any value that is a ' +
      'JSON string, so `Condition?onset-info:missing=false` finds Conditions with an `onsetDateTime`. ' +
      'FHIRPath `as(type)` keeps only values of that type (a dateTime is not a string): with ' +
      '`onsetDateTime` alone, `onset-info` and `onset-age` are missing. The hub is right.',
    applies: (q, hub, medplum) => {
      const [name, value] = q.params[0];
      const def = findParam(q.type, name.split(':')[0]);
      if (!def?.expression.includes('.as(')) return false;
      const hubPresent = value === 'false' ? hub : medplum;
      const medplumPresent = value === 'false' ? medplum : hub;
      // Medplum finds more present (fewer missing); for a sort, the hub's are among Medplum's.
      return q.kind === 'sort' ? subset(hub, medplum) : subset(hubPresent, medplumPresent);
    },
  },
  {
    reason:
      "MemoryRepository sorts by the JSON text of all of a resource's values under the locale's " +
      'collation (a HumanName\'s `{"use":"official","family":...}`, `d’hospitalisation` before ' +
      "`de consultation`). The spec sorts by the parameter's values, a resource by its lowest value " +
      '(highest when descending), and leaves the collation of strings to the server: the hub sorts ' +
      'strings as it searches them, case, accents and punctuation ignored. Same matches, another order.',
    applies: (q, hub, medplum) => sortedBy(q, 'string') && sameSet(hub, medplum),
  },
  {
    reason:
      'MemoryRepository sorts a Period by its JSON text (its start first). The spec sorts a resource ' +
      'by its lowest value ascending and highest descending; a Period is a range, one without an end ' +
      'is ongoing: the hub sorts descending by the end, ongoing first. Same matches, another order.',
    applies: (q, hub, medplum) =>
      sortedBy(q, 'date') && q.params[1][1].startsWith('-') && sameSet(hub, medplum),
  },
];

export function knownFeatureDifference(
  q: FeatureQuery,
  hub: string[],
  medplum: string[],
): KnownFeatureDifference | undefined {
  return KNOWN_FEATURE_DIFFERENCES.find((d) => d.applies(q, hub, medplum));
}
