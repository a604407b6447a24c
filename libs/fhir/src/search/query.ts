import { badRequest } from '../outcomes';
import { isSupportedType, isValidId, SUPPORTED_TYPES, type SupportedType } from '../resource-types';
import { parseElements, parseSummary, type Subsetting } from '../summary/subset';
import {
  type HierarchyCriterion,
  parseHierarchy,
  refusedModifier,
  uriAboveKeys,
  uriBelowPrefix,
} from './modifiers';
import { findSpecialParam, type NearCondition, parseNear } from './special';
import { type FullTextScope, isFullTextParam, parseFullText, refusedParam } from './fulltext';
import { COMMON_PARAMS, findParam, RESULT_PARAMS, type SearchParamDef } from './parameters';
import {
  compositeTokenKey,
  type DateCondition,
  parseCompositeCondition,
  parseDateCondition,
  parseMissing,
  parseNumberCondition,
  parseOfType,
  parseReferenceKey,
  parseStringCondition,
  parseTokenKey,
  splitValues,
  type ValueCondition,
} from './values';

export type { DateCondition, DatePrefix, NumberCondition, Prefix, ValueCondition } from './values';

/** One AND-ed criterion; the values inside one criterion are OR-ed (comma-separated in the URL). */
export type SearchFilter =
  | { kind: 'id'; ids: string[] }
  /** Token, uri and presence keys in `resource.tokens`; `not`: none of them (`:not`, `:missing=true`). */
  | { kind: 'token'; keys: string[]; not?: boolean }
  /** `reference:above|below`: resolved by the store into the references of the hierarchy. */
  | HierarchyCriterion
  /** `_text`, `_content`: a full-text query on the narrative or on every string. */
  | { kind: 'fulltext'; scope: FullTextScope; query: string }
  /** Location's `near`: `position` within any of the circles. */
  | { kind: 'near'; any: NearCondition[] }
  /** Token keys starting with any of `prefixes` (a uri's `:below`). */
  | { kind: 'token-prefix'; prefixes: string[] }
  | { kind: 'reference'; keys: string[] }
  | { kind: 'date'; column: 'lastUpdated'; conditions: DateCondition[] }
  /** Rows of the `search_value` table for `param`, any of `any`. */
  | { kind: 'value'; param: string; any: ValueCondition[] }
  /**
   * `param.inner` (a chained parameter): resources whose reference `param` points at a resource
   * of `targetTypes` matching every `inner` filter. The store resolves the inner search first,
   * through the caller's consent check, and matches only on what the caller may see.
   */
  | { kind: 'chain'; param: string; targetTypes: SupportedType[]; inner: SearchFilter[] }
  /** `_has:sourceType:param:...`: resources that a visible `sourceType` matching `inner` points at. */
  | { kind: 'has'; sourceType: SupportedType; param: string; inner: SearchFilter[] }
  /**
   * Not a FHIR parameter: set by the server only. `own`: what this agency sent; `own-or-directory`:
   * that, or data in no patient's compartment (organizations, practitioners, ...).
   */
  | { kind: 'provenance'; agency: string; scope: 'own' | 'own-or-directory' };

export interface IncludeSpec {
  /** The type holding the reference. */
  sourceType: SupportedType;
  param: SearchParamDef;
  targetType?: SupportedType;
  /** `:iterate`: also from what earlier includes brought in. */
  iterate?: boolean;
}

/** One `_sort` key other than `_lastUpdated` alone: a parameter (or `_id`), ascending unless `-`. */
export interface SortKey {
  param: string;
  kind: SearchParamDef['kind'] | 'id' | 'lastUpdated';
  descending: boolean;
}

export interface SearchQuery {
  type: SupportedType;
  filters: SearchFilter[];
  count: number;
  sort: 'asc' | 'desc';
  /** `_sort` by parameters: matches ordered by these keys (then last update and id), paged by offset. */
  sortKeys?: SortKey[];
  includes: IncludeSpec[];
  revIncludes: IncludeSpec[];
  summaryCount: boolean;
  /** `_summary=true|text|data` or `_elements`: what of each resource is returned (matches and includes). */
  subset?: Subsetting;
  /** `_total=none`: the caller does not want Bundle.total (it costs a count). */
  skipTotal?: boolean;
  /** `_total=accurate` or `estimate`: a total on every page, counted where the page does not tell it. */
  countTotal?: boolean;
  pageToken?: string;
  /** The parameters that were understood, in order, for the Bundle's self link. */
  echo: [string, string][];
}

export type QueryParams = Record<string, string | string[] | undefined>;

export interface ParseOptions {
  /** Unknown parameters are a 400 (the default); lenient (`Prefer: handling=lenient`) skips them. */
  strict: boolean;
  defaultCount: number;
  maxCount: number;
  localBases: readonly string[];
}

const MODIFIERS: Record<SearchParamDef['kind'], readonly string[]> = {
  string: ['exact', 'contains', 'missing'],
  token: ['not', 'text', 'of-type', 'missing'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  uri: ['above', 'below', 'missing'],
  reference: ['identifier', 'above', 'below', 'missing'],
  composite: ['missing'],
};

/** Thrown for a parameter the type does not have: a 400 when strict, skipped when lenient. */
class UnknownParameter extends Error {}

/** One parameter of `type` (possibly chained: `subject:Patient.name`) into one criterion. */
export function parseParameter(
  type: SupportedType,
  rawName: string,
  value: string,
  bases: readonly string[],
): SearchFilter {
  if (rawName.startsWith('_has:')) return parseHas(rawName, value, bases);
  const dot = rawName.indexOf('.');
  if (dot > 0) return parseChain(type, rawName.slice(0, dot), rawName.slice(dot + 1), value, bases);
  const colon = rawName.indexOf(':');
  const name = colon < 0 ? rawName : rawName.slice(0, colon);
  const modifier = colon < 0 ? undefined : rawName.slice(colon + 1);
  const parts = splitValues(value);
  if (parts.length === 0) throw badRequest(`Search parameter ${rawName} has no value`);
  if (name === '_id' && modifier === undefined) {
    // An id that cannot exist never matches.
    return { kind: 'id', ids: parts.filter(isValidId) };
  }
  if (name === '_lastUpdated' && modifier === undefined) {
    return { kind: 'date', column: 'lastUpdated', conditions: parts.map((v) => parseDateCondition(name, v)) };
  }
  if (isFullTextParam(name) && modifier === undefined) return parseFullText(name, value);
  if (findSpecialParam(type, name)) {
    if (modifier !== undefined) throw badRequest(`Search parameter ${name}: no modifier is supported`);
    return { kind: 'near', any: parts.map(parseNear) };
  }
  const def = (COMMON_PARAMS as readonly string[]).includes(name) ? undefined : findParam(type, name);
  if (!def) throw new UnknownParameter(name);
  if (modifier !== undefined && !MODIFIERS[def.kind].includes(modifier)) {
    const refused = refusedModifier(name, def.kind, modifier);
    if (refused !== undefined) throw badRequest(refused);
    if (!(def.kind === 'reference' && isSupportedType(modifier)))
      throw badRequest(
        `Search parameter ${name}: the modifier :${modifier} is not supported on ${def.kind} parameters`,
      );
  }
  if (modifier === 'missing') {
    if (parts.length !== 1) throw badRequest(`Search parameter ${rawName}: one value, true or false`);
    return { kind: 'token', ...parseMissing(name, parts[0]) };
  }
  switch (def.kind) {
    case 'token':
      if (modifier === 'text')
        return {
          kind: 'value',
          param: `${name}:text`,
          any: parts.map((v) => parseStringCondition(rawName, undefined, v)),
        };
      if (modifier === 'of-type') return { kind: 'token', keys: parts.map((v) => parseOfType(name, v)) };
      return {
        kind: 'token',
        keys: parts.map((v) => parseTokenKey(name, v)),
        not: modifier === 'not' || undefined,
      };
    case 'uri':
      if (modifier === 'above') return { kind: 'token', keys: parts.flatMap((v) => uriAboveKeys(name, v)) };
      if (modifier === 'below')
        return { kind: 'token-prefix', prefixes: parts.map((v) => uriBelowPrefix(name, v)) };
      return { kind: 'token', keys: parts.map((v) => parseTokenKey(name, v.replace(/\|/g, '\\|'))) };
    case 'reference':
      if (modifier === 'identifier')
        return { kind: 'token', keys: parts.map((v) => parseTokenKey(rawName, v, `${name}:identifier`)) };
      if (modifier === 'above' || modifier === 'below') return parseHierarchy(def, modifier, parts, bases);
      return { kind: 'reference', keys: parts.map((v) => parseReferenceKey(def, modifier, v, bases)) };
    case 'string':
      return { kind: 'value', param: name, any: parts.map((v) => parseStringCondition(name, modifier, v)) };
    case 'date':
      return {
        kind: 'value',
        param: name,
        any: parts.map((v) => ({ kind: 'date', condition: parseDateCondition(name, v) })),
      };
    case 'number':
    case 'quantity':
      return {
        kind: 'value',
        param: name,
        any: parts.map((v) => ({
          kind: 'number',
          condition: parseNumberCondition(name, v, def.kind === 'quantity'),
        })),
      };
    case 'composite':
      if (def.components?.[1]?.kind === 'token')
        return { kind: 'token', keys: parts.map((v) => compositeTokenKey(def, v)) };
      return { kind: 'value', param: name, any: parts.map((v) => parseCompositeCondition(def, v)) };
  }
}

/** `subject:Patient.family=x`: the reference parameter, its target types, then the inner parameter. */
function parseChain(
  type: SupportedType,
  head: string,
  rest: string,
  value: string,
  bases: readonly string[],
): SearchFilter {
  const [name, typeModifier] = head.split(':', 2);
  const def = findParam(type, name);
  if (!def) throw new UnknownParameter(name);
  if (def.kind !== 'reference')
    throw badRequest(`Search parameter ${head}: only reference parameters can be chained`);
  let targets: SupportedType[];
  if (typeModifier !== undefined) {
    if (!isSupportedType(typeModifier) || (def.targets?.length && !def.targets.includes(typeModifier)))
      throw badRequest(`Search parameter ${head}: ${typeModifier} is not a target type of ${name}`);
    targets = [typeModifier];
  } else {
    const innerName = rest.split(/[.:]/, 1)[0];
    const candidates = def.targets?.length ? def.targets.filter(isSupportedType) : [...SUPPORTED_TYPES];
    targets = candidates.filter(
      (t) =>
        innerName === '_id' ||
        innerName === '_lastUpdated' ||
        isFullTextParam(innerName) ||
        findParam(t, innerName) ||
        findSpecialParam(t, innerName),
    );
  }
  if (targets.length === 0)
    throw badRequest(`Search parameter ${head}.${rest}: no target type of ${name} has ${rest}`);
  const inner = targets.map((t) => parseParameter(t, rest, value, bases));
  // The same criterion for every target type (they share the parameter's definition): keep one.
  return { kind: 'chain', param: name, targetTypes: targets, inner: [inner[0]] };
}

/** `_has:Observation:patient:code=1234`: Observations with that code pointing here through `patient`. */
function parseHas(rawName: string, value: string, bases: readonly string[]): SearchFilter {
  const [, sourceType, param, ...restParts] = rawName.split(':');
  const rest = restParts.join(':');
  if (!sourceType || !param || !rest || !isSupportedType(sourceType))
    throw badRequest(`Search parameter ${rawName}: expected _has:Type:reference:parameter`);
  const def = findParam(sourceType, param);
  if (!def || def.kind !== 'reference')
    throw badRequest(`Search parameter ${rawName}: ${sourceType} has no reference parameter ${param}`);
  return { kind: 'has', sourceType, param, inner: [parseParameter(sourceType, rest, value, bases)] };
}

function parseInclude(
  name: string,
  raw: string,
  searchType: SupportedType,
  reverse: boolean,
  iterate: boolean,
): IncludeSpec {
  const [source, paramName, target] = raw.split(':');
  if (!source || !paramName || !isSupportedType(source))
    throw badRequest(`${name}: expected Type:parameter[:targetType]`);
  if (!reverse && !iterate && source !== searchType)
    throw badRequest(`${name}: the source type must be ${searchType}`);
  const param = findParam(source, paramName);
  if (!param || param.kind !== 'reference')
    throw badRequest(`${name}: ${source} has no reference parameter ${paramName}`);
  if (target !== undefined && !isSupportedType(target))
    throw badRequest(`${name}: unknown target type ${target}`);
  return { sourceType: source, param, targetType: target, iterate: iterate || undefined };
}

function parseSort(type: SupportedType, value: string): SortKey[] {
  const keys = value.split(',').map((raw): SortKey => {
    const descending = raw.startsWith('-');
    const param = descending ? raw.slice(1) : raw;
    if (param === '_id') return { param, kind: 'id', descending };
    if (param === '_lastUpdated') return { param, kind: 'lastUpdated', descending };
    const def = findParam(type, param);
    if (!def || def.kind === 'composite')
      throw badRequest(`_sort: ${type} has no sortable parameter ${param}`);
    return { param, kind: def.kind, descending };
  });
  if (keys.length === 0 || keys.length > 5) throw badRequest('_sort takes one to five parameters');
  return keys;
}

/** Parses a FHIR search query string into criteria. Unknown parameters are a 400 unless lenient. */
export function parseSearchQuery(
  type: SupportedType,
  params: QueryParams,
  options: ParseOptions,
): SearchQuery {
  const query: SearchQuery = {
    type,
    filters: [],
    count: options.defaultCount,
    sort: 'asc',
    includes: [],
    revIncludes: [],
    summaryCount: false,
    echo: [],
  };
  let subsetSeen = false;
  for (const [rawName, rawValue] of Object.entries(params)) {
    if (rawValue === undefined) continue;
    const values = Array.isArray(rawValue) ? rawValue : [rawValue];
    const [name, modifier] = rawName.split(':', 2);
    for (const value of values) {
      let understood = true;
      if (name === '_count') {
        const n = Number(value);
        if (!/^\d+$/.test(value) || !Number.isInteger(n)) throw badRequest('_count must be a whole number');
        query.count = Math.min(n, options.maxCount);
      } else if (name === '_sort') {
        if (value === '_lastUpdated') query.sort = 'asc';
        else if (value === '-_lastUpdated') query.sort = 'desc';
        else query.sortKeys = parseSort(type, value);
      } else if (name === '_summary' || name === '_elements') {
        const parsed = name === '_summary' ? parseSummary(value) : parseElements(type, value);
        if (subsetSeen) throw badRequest('_summary and _elements: one of them, once');
        subsetSeen = true;
        if (parsed === 'count') query.summaryCount = true;
        else query.subset = parsed;
      } else if (name === '_include' || name === '_revinclude') {
        if (modifier !== undefined && modifier !== 'iterate')
          throw badRequest(`${rawName}: the modifier :${modifier} is not supported`);
        const spec = parseInclude(name, value, type, name === '_revinclude', modifier === 'iterate');
        (name === '_include' ? query.includes : query.revIncludes).push(spec);
      } else if (name === '_page') {
        query.pageToken = value;
        understood = false; // never echoed: the self link names the query, not the page
      } else if (name === '_total') {
        if (!['none', 'estimate', 'accurate'].includes(value))
          throw badRequest('_total supports none, estimate and accurate');
        query.skipTotal = value === 'none';
        query.countTotal = value !== 'none';
      } else if (refusedParam(name) !== undefined) {
        throw badRequest(refusedParam(name) ?? name);
      } else if ((RESULT_PARAMS as readonly string[]).includes(name)) {
        // _format: accepted, no effect on the result set
      } else {
        try {
          query.filters.push(parseParameter(type, rawName, value, options.localBases));
        } catch (e) {
          if (!(e instanceof UnknownParameter)) throw e;
          if (options.strict) throw badRequest(`Unknown search parameter for ${type}: ${rawName}`);
          understood = false;
        }
      }
      if (understood) query.echo.push([rawName, value]);
    }
  }
  return query;
}
