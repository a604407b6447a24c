import { badRequest } from '../outcomes';
import { isSupportedType, isValidId, type SupportedType } from '../resource-types';
import { type DateRange, parseDateRange } from './dates';
import { normalizeReference, referenceKey, tokenKey } from './extract';
import { COMMON_PARAMS, RESULT_PARAMS, findParam, type SearchParamDef } from './parameters';

export type DatePrefix = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sa' | 'eb';
export interface DateCondition {
  prefix: DatePrefix;
  range: DateRange;
}

/** One AND-ed criterion; the values inside one criterion are OR-ed (comma-separated in the URL). */
export type SearchFilter =
  | { kind: 'id'; ids: string[] }
  | { kind: 'token'; keys: string[] }
  | { kind: 'reference'; keys: string[] }
  | { kind: 'date'; column: 'lastUpdated' | 'date'; conditions: DateCondition[] }
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
}

export interface SearchQuery {
  type: SupportedType;
  filters: SearchFilter[];
  count: number;
  sort: 'asc' | 'desc';
  includes: IncludeSpec[];
  revIncludes: IncludeSpec[];
  summaryCount: boolean;
  /** `_total=none`: the caller does not want Bundle.total (it costs a count). */
  skipTotal?: boolean;
  pageToken?: string;
  /** The parameters that were understood, in order, for the Bundle's self link. */
  echo: [string, string][];
}

export type QueryParams = Record<string, string | string[] | undefined>;

export interface ParseOptions {
  strict: boolean;
  defaultCount: number;
  maxCount: number;
  localBases: readonly string[];
}

const PREFIXES: readonly DatePrefix[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sa', 'eb'];

function parseDateCondition(name: string, raw: string): DateCondition {
  let prefix: DatePrefix = 'eq';
  let value = raw;
  const p = raw.slice(0, 2) as DatePrefix;
  if (PREFIXES.includes(p) && /^[a-z]{2}\d/.test(raw)) {
    prefix = p;
    value = raw.slice(2);
  }
  const range = parseDateRange(value);
  if (!range) throw badRequest(`Search parameter ${name}: not a FHIR date, dateTime or instant`);
  return { prefix, range };
}

function splitValues(raw: string): string[] {
  // A comma escaped as "\," belongs to the value.
  return raw
    .split(/(?<!\\),/)
    .map((v) => v.replace(/\\,/g, ','))
    .filter((v) => v !== '');
}

function parseToken(name: string, raw: string): string {
  // system|code with FHIR escaping: "\|" is a literal bar inside a part.
  const parts = raw.split(/(?<!\\)\|/);
  if (parts.length > 2) throw badRequest(`Search parameter ${name}: too many "|" separators`);
  const restore = (s: string) => s.replace(/\\([\\|,$])/g, '$1');
  if (parts.length === 1) return tokenKey(name, undefined, restore(parts[0]));
  const [system, code] = parts.map(restore);
  if (system === '' && code === '') throw badRequest(`Search parameter ${name}: empty token`);
  if (system === '') return tokenKey(name, null, code);
  return tokenKey(name, system, code === '' ? undefined : code);
}

function parseReference(
  def: SearchParamDef,
  modifier: string | undefined,
  raw: string,
  bases: readonly string[],
): string {
  if (modifier !== undefined) {
    if (!isSupportedType(modifier)) throw badRequest(`Search parameter ${def.name}: unknown type modifier`);
    if (!isValidId(raw)) throw badRequest(`Search parameter ${def.name}: invalid id`);
    return referenceKey(def.name, `${modifier}/${raw}`);
  }
  if (isValidId(raw)) {
    // A bare id: typed by the parameter's only target, else any type.
    const only = def.targets?.length === 1 ? def.targets[0] : undefined;
    return referenceKey(def.name, only ? `${only}/${raw}` : raw);
  }
  const normalized = normalizeReference(raw, bases);
  if (!normalized) throw badRequest(`Search parameter ${def.name}: not a reference (Type/id)`);
  return referenceKey(def.name, normalized);
}

function parseInclude(name: string, raw: string, searchType: SupportedType, reverse: boolean): IncludeSpec {
  const [source, paramName, target] = raw.split(':');
  if (!source || !paramName || !isSupportedType(source))
    throw badRequest(`${name}: expected Type:parameter[:targetType]`);
  if (!reverse && source !== searchType) throw badRequest(`${name}: the source type must be ${searchType}`);
  const param = findParam(source, paramName);
  if (!param || param.kind !== 'reference')
    throw badRequest(`${name}: ${source} has no reference parameter ${paramName}`);
  if (target !== undefined && !isSupportedType(target)) throw badRequest(`${name}: unknown target type`);
  return { sourceType: source, param, targetType: target };
}

/** Parses a FHIR search query string into criteria. Unknown parameters are ignored unless strict. */
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
  const unknown = (name: string) => {
    if (options.strict) throw badRequest(`Unknown or unsupported search parameter: ${name}`);
  };
  for (const [rawName, rawValue] of Object.entries(params)) {
    if (rawValue === undefined) continue;
    const values = Array.isArray(rawValue) ? rawValue : [rawValue];
    const [name, modifier] = rawName.split(':', 2);
    for (const value of values) {
      let understood = true;
      if (name === '_count') {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw badRequest('_count must be a whole number');
        query.count = Math.min(n, options.maxCount);
      } else if (name === '_sort') {
        if (value === '_lastUpdated') query.sort = 'asc';
        else if (value === '-_lastUpdated') query.sort = 'desc';
        else throw badRequest('_sort supports _lastUpdated and -_lastUpdated');
      } else if (name === '_summary') {
        if (value === 'count') query.summaryCount = true;
        else if (value !== 'false') throw badRequest('_summary supports count and false');
      } else if (name === '_include' || name === '_revinclude') {
        if (modifier !== undefined) {
          unknown(rawName);
          continue;
        }
        const spec = parseInclude(name, value, type, name === '_revinclude');
        (name === '_include' ? query.includes : query.revIncludes).push(spec);
      } else if (name === '_page') {
        query.pageToken = value;
        understood = false; // never echoed: the self link names the query, not the page
      } else if (name === '_total') {
        if (!['none', 'estimate', 'accurate'].includes(value))
          throw badRequest('_total supports none, estimate and accurate');
        query.skipTotal = value === 'none';
      } else if ((RESULT_PARAMS as readonly string[]).includes(name)) {
        // _format: accepted, no effect on the result set
      } else if (name === '_id' && modifier === undefined) {
        const ids = splitValues(value);
        if (!ids.every(isValidId)) {
          query.filters.push({ kind: 'id', ids: [] }); // an invalid id never matches
        } else {
          query.filters.push({ kind: 'id', ids });
        }
      } else if (name === '_lastUpdated' && modifier === undefined) {
        const parts = splitValues(value);
        // No condition at all would be an empty SQL condition list.
        if (parts.length === 0) throw badRequest(`Search parameter ${name} has no value`);
        query.filters.push({
          kind: 'date',
          column: 'lastUpdated',
          conditions: parts.map((v) => parseDateCondition(name, v)),
        });
      } else {
        const def = (COMMON_PARAMS as readonly string[]).includes(name) ? undefined : findParam(type, name);
        if (!def || (modifier !== undefined && def.kind !== 'reference')) {
          unknown(rawName);
          continue;
        }
        const parts = splitValues(value);
        if (parts.length === 0) throw badRequest(`Search parameter ${name} has no value`);
        switch (def.kind) {
          case 'token':
            query.filters.push({ kind: 'token', keys: parts.map((v) => parseToken(name, v)) });
            break;
          case 'reference':
            query.filters.push({
              kind: 'reference',
              keys: parts.map((v) => parseReference(def, modifier, v, options.localBases)),
            });
            break;
          case 'date':
            query.filters.push({
              kind: 'date',
              column: 'date',
              conditions: parts.map((v) => parseDateCondition(name, v)),
            });
            break;
        }
      }
      if (understood) query.echo.push([rawName, value]);
    }
  }
  return query;
}
