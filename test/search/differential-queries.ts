import type { Resource } from 'fhir/r4';
import {
  extractSearchValues,
  findParam,
  isSupportedType,
  SEARCH_PARAMS,
  type SupportedType,
} from '@passerelle/fhir';
import { createRandom } from '@passerelle/synthetic';

/**
 * Queries for the differential test, drawn from the values the records really hold, so most
 * match something: for a random resource and one of its parameters, a query of that parameter's
 * type (token forms, string prefixes, dates with prefixes, references, quantities), some with a
 * second criterion (AND) or a second value (OR).
 */
export interface GeneratedQuery {
  type: SupportedType;
  params: [string, string][];
  kind: string;
}

const DATE_PREFIXES = ['', 'ge', 'le', 'gt', 'lt', 'ne', 'sa', 'eb'];
const QTY_PREFIXES = ['', 'gt', 'lt', 'ge', 'le'];

function unescapeKey(part: string): string {
  return part.replace(/\\(.)/g, '$1');
}

/** One criterion built from a stored value of `name` on `resource`. */
export function criterion(
  type: SupportedType,
  resource: Resource,
  name: string,
  pick: <T>(items: readonly T[]) => T,
): [string, string] | undefined {
  const def = findParam(type, name);
  if (!def) return undefined;
  const index = extractSearchValues(type, resource);
  switch (def.kind) {
    case 'token': {
      const keys = index.tokens.filter((k) => k.startsWith(`${name}|`) && !k.endsWith('|*'));
      if (keys.length === 0) return undefined;
      const [, system, code] = pick(keys).split(/(?<!\\)\|/);
      if (system === '*') return [name, code];
      return [name, system === '' ? `|${code}` : `${unescapeKey(system)}|${unescapeKey(code)}`];
    }
    case 'reference': {
      const refs = index.refs.filter((k) => k.startsWith(`${name}|`) && k.includes('/'));
      if (refs.length === 0) return undefined;
      return [name, pick(refs).slice(name.length + 1)];
    }
    case 'string': {
      const rows = index.rows.filter((r) => r.param === name && r.exact);
      if (rows.length === 0) return undefined;
      const exact = pick(rows).exact as string;
      return [name, exact.slice(0, Math.max(2, Math.ceil(exact.length / 2)))];
    }
    case 'date': {
      const rows = index.rows.filter(
        (r) => r.param === name && r.dateLo !== null && Number.isFinite(r.dateLo),
      );
      if (rows.length === 0) return undefined;
      const day = new Date(pick(rows).dateLo as number).toISOString().slice(0, pick([4, 7, 10]));
      return [name, `${pick(DATE_PREFIXES)}${day}`];
    }
    case 'quantity':
    case 'number': {
      const rows = index.rows.filter((r) => r.param === name && r.numLo !== null && Number.isFinite(r.numLo));
      if (rows.length === 0) return undefined;
      return [name, `${pick(QTY_PREFIXES)}${pick(rows).numLo}`];
    }
    case 'uri':
    case 'composite':
      return undefined;
  }
}

export function generateQueries(
  resources: readonly Resource[],
  count: number,
  seed: number,
): GeneratedQuery[] {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => random.pick(items);
  const out: GeneratedQuery[] = [];
  let attempts = 0;
  while (out.length < count && attempts < count * 50) {
    attempts++;
    const resource = pick(resources);
    if (!isSupportedType(resource.resourceType)) continue;
    const type = resource.resourceType;
    const names = SEARCH_PARAMS[type]
      .filter((d) => d.kind !== 'composite' && d.kind !== 'uri')
      .map((d) => d.name);
    const first = criterion(type, resource, pick(names), pick);
    if (!first) continue;
    const params: [string, string][] = [first];
    const shape = pick(['one', 'one', 'and', 'or']);
    if (shape === 'and') {
      const second = criterion(type, resource, pick(names), pick);
      if (second && second[0] !== first[0]) params.push(second);
    } else if (
      shape === 'or' &&
      ['token', 'reference', 'string'].includes(findParam(type, first[0])?.kind ?? '')
    ) {
      const other = criterion(type, pick(resources.filter((r) => r.resourceType === type)), first[0], pick);
      if (other) params[0] = [first[0], `${first[1]},${other[1]}`];
    }
    out.push({ type, params, kind: findParam(type, first[0])?.kind ?? 'unknown' });
  }
  return out;
}
