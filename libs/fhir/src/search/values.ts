import { badRequest } from '../outcomes';
import { isSupportedType, isValidId } from '../resource-types';
import { type DateRange, parseDateRange } from './dates';
import { normalizeReference, ofTypeKey, presenceKey, referenceKey, tokenKey } from './keys';
import { type DecimalValue, normalizeString, parseDecimal } from './normalize';
import type { SearchParamDef } from './parameters';

/**
 * Parsing of one search parameter's values into criteria, by parameter type. Every malformed
 * value or unsupported modifier is a 400 naming the parameter.
 */
export type Prefix = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sa' | 'eb' | 'ap';
/** @deprecated name kept for callers: every range prefix. */
export type DatePrefix = Prefix;

export interface DateCondition {
  prefix: Prefix;
  range: DateRange;
}

export interface NumberCondition {
  prefix: Prefix;
  value: DecimalValue;
  /** Quantities: `value|system|code`; an empty system matches any system, the code or the unit. */
  system?: string;
  code?: string;
}

/** One OR-ed value, matched against the `search_value` rows of one parameter. */
export type ValueCondition =
  | { kind: 'string'; match: 'start' | 'contains' | 'exact' | 'equal'; value: string }
  | { kind: 'date'; condition: DateCondition; key?: string }
  | { kind: 'number'; condition: NumberCondition; key?: string };

const PREFIXES: readonly Prefix[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sa', 'eb', 'ap'];

function splitPrefix(raw: string): [Prefix, string] {
  const p = raw.slice(0, 2) as Prefix;
  if (PREFIXES.includes(p) && /^[a-z]{2}[-+\d]/.test(raw)) return [p, raw.slice(2)];
  return ['eq', raw];
}

export function parseDateCondition(name: string, raw: string): DateCondition {
  const [prefix, value] = splitPrefix(raw);
  const range = parseDateRange(value);
  if (!range) throw badRequest(`Search parameter ${name}: "${raw}" is not a FHIR date, dateTime or instant`);
  return { prefix, range };
}

export function parseNumberCondition(name: string, raw: string, quantity: boolean): NumberCondition {
  const [prefix, rest] = splitPrefix(raw);
  const parts = rest.split(/(?<!\\)\|/).map((s) => s.replace(/\\([\\|,$])/g, '$1'));
  if (parts.length !== 1 && !(quantity && parts.length === 3))
    throw badRequest(
      `Search parameter ${name}: expected ${quantity ? 'value or value|system|code' : 'a number'}`,
    );
  const value = parseDecimal(parts[0]);
  if (!value) throw badRequest(`Search parameter ${name}: "${parts[0]}" is not a decimal number`);
  if (parts.length === 1) return { prefix, value };
  return {
    prefix,
    value,
    system: parts[1] === '' ? undefined : parts[1],
    code: parts[2] === '' ? undefined : parts[2],
  };
}

const unescape = (s: string) => s.replace(/\\([\\|,$])/g, '$1');

/** `system|code`, `code`, `|code`, `system|` → the key it matches (see keys.ts). */
export function parseTokenKey(name: string, raw: string, keyName = name): string {
  const parts = raw.split(/(?<!\\)\|/);
  if (parts.length > 2) throw badRequest(`Search parameter ${name}: too many "|" separators`);
  if (parts.length === 1) return tokenKey(keyName, undefined, unescape(parts[0]));
  const [system, code] = parts.map(unescape);
  if (system === '' && code === '') throw badRequest(`Search parameter ${name}: empty token`);
  if (system === '') return tokenKey(keyName, null, code);
  return tokenKey(keyName, system, code === '' ? undefined : code);
}

export function parseOfType(name: string, raw: string): string {
  const parts = raw.split(/(?<!\\)\|/).map(unescape);
  if (parts.length !== 3 || parts.some((p) => p === ''))
    throw badRequest(`Search parameter ${name}:of-type: expected typeSystem|typeCode|value`);
  return ofTypeKey(name, parts[0], parts[1], parts[2]);
}

export function parseMissing(name: string, raw: string): { keys: string[]; not: boolean } {
  if (raw !== 'true' && raw !== 'false')
    throw badRequest(`Search parameter ${name}:missing: expected true or false`);
  return { keys: [presenceKey(name)], not: raw === 'true' };
}

export function parseStringCondition(
  name: string,
  modifier: string | undefined,
  raw: string,
): Extract<ValueCondition, { kind: 'string' }> {
  const value = unescape(raw);
  if (modifier === 'exact') return { kind: 'string', match: 'exact', value };
  const norm = normalizeString(value);
  if (norm === '') throw badRequest(`Search parameter ${name}: "${raw}" has no letters or digits to search`);
  return { kind: 'string', match: modifier === 'contains' ? 'contains' : 'start', value: norm };
}

export function parseReferenceKey(
  def: SearchParamDef,
  modifier: string | undefined,
  raw: string,
  bases: readonly string[],
): string {
  const text: string = raw; // isValidId narrows a string that fails it to never
  if (modifier !== undefined) {
    const wanted: string = modifier;
    if (!isSupportedType(modifier) || (def.targets?.length && !def.targets.includes(modifier)))
      throw badRequest(`Search parameter ${def.name}: ${wanted} is not a target type of this parameter`);
    if (!isValidId(raw)) throw badRequest(`Search parameter ${def.name}: "${text}" is not a valid id`);
    return referenceKey(def.name, `${modifier}/${raw}`);
  }
  if (isValidId(raw)) {
    // A bare id: typed by the parameter's only target, else any type.
    const only = def.targets?.length === 1 ? def.targets[0] : undefined;
    return referenceKey(def.name, only ? `${only}/${raw}` : raw);
  }
  const normalized = normalizeReference(raw, bases);
  if (normalized) {
    const type = normalized.split('/')[0];
    const named: string = type;
    if (!isSupportedType(type) && !def.targets?.includes(type))
      throw badRequest(`Search parameter ${def.name}: unknown resource type ${named}`);
    return referenceKey(def.name, normalized);
  }
  if (/^(https?|urn):/.test(text)) return referenceKey(def.name, text);
  throw badRequest(`Search parameter ${def.name}: "${text}" is not a reference (Type/id, id or URL)`);
}

function compositeFirstKey(name: string, raw: string): string {
  const key = parseTokenKey(name, raw, '');
  if (key.endsWith('|*'))
    throw badRequest(`Search parameter ${name}: a composite needs a code, not only a system`);
  return key;
}

/** A composite of two tokens (`code-value-concept=loinc|x$snomed|y`): one key of the token array. */
export function compositeTokenKey(def: SearchParamDef, raw: string): string {
  const parts = raw.split(/(?<!\\)\$/);
  if (parts.length !== 2) throw badRequest(`Search parameter ${def.name}: expected two values joined by "$"`);
  return `${def.name}|${compositeFirstKey(def.name, parts[0])}$${compositeFirstKey(def.name, parts[1])}`;
}

/** A composite `a$b` whose first component is a token and the second a string, date or quantity. */
export function parseCompositeCondition(def: SearchParamDef, raw: string): ValueCondition {
  const [first, second] = def.components ?? [];
  const parts = raw.split(/(?<!\\)\$/);
  if (!first || !second || parts.length !== 2)
    throw badRequest(`Search parameter ${def.name}: expected two values joined by "$"`);
  const key = compositeFirstKey(def.name, parts[0]);
  switch (second.kind) {
    case 'token':
      throw new Error('token pairs are token keys: compositeTokenKey');
    case 'string': {
      const c = parseStringCondition(def.name, undefined, parts[1]);
      return { kind: 'string', match: 'start', value: `${key}$${c.value}` };
    }
    case 'date':
      return { kind: 'date', condition: parseDateCondition(def.name, parts[1]), key };
    case 'number':
    case 'quantity':
      return {
        kind: 'number',
        condition: parseNumberCondition(def.name, parts[1], second.kind === 'quantity'),
        key,
      };
    case 'uri':
    case 'reference':
      throw badRequest(`Search parameter ${def.name}: composites of ${second.kind} are not supported`);
  }
}

/** A comma-separated list; a comma escaped as "\," belongs to the value. */
export function splitValues(raw: string): string[] {
  return raw.split(/(?<!\\),/).filter((v) => v !== '');
}
