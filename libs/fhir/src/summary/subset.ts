import type { Coding, Resource } from 'fhir/r4';
import { badRequest } from '../outcomes';
import { SUMMARY_TABLES } from './summary-elements.generated';

/**
 * `_summary` and `_elements` (FHIR R4 search.html#summary and #elements), on search and read:
 * - `_summary=true`: the elements the official definitions mark isSummary (and mandatory ones,
 *   and modifier extensions, which change the meaning of what is kept), nested backbone elements
 *   decided element by element, data types kept whole;
 * - `_summary=text`: `text`, `id`, `meta` and the top-level mandatory elements;
 * - `_summary=data`: everything but `text`;
 * - `_elements=a,b`: those top-level elements, plus `id`, `meta` and the mandatory ones; a name
 *   may be qualified by its type (`Patient.name`) for the included resources of another type.
 * What is returned is marked SUBSETTED in `meta.tag`, so nobody writes it back as the whole.
 * `_summary=count` is not a subset: it is answered by the search as a total only.
 */
export type Subsetting =
  { kind: 'summary'; mode: 'true' | 'text' | 'data' } | { kind: 'elements'; names: readonly string[] };

export const SUBSETTED_TAG: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'subsetted',
};

type Table = Readonly<Record<string, string>>;
type Json = Record<string, unknown>;

/** The element of `table` below `prefix` (`''` or `contact.`) that JSON property `key` holds. */
function elementPath(table: Table, prefix: string, key: string): string | undefined {
  const name = key.startsWith('_') ? key.slice(1) : key;
  if (table[prefix + name] !== undefined) return prefix + name;
  // A choice: `deceasedBoolean` is `deceased[x]`.
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] >= 'A' && name[i] <= 'Z' && table[`${prefix}${name.slice(0, i)}[x]`] !== undefined)
      return `${prefix}${name.slice(0, i)}[x]`;
  }
  return undefined;
}

/** `_elements` values: bare names, or `Type.name`; checked against the searched (or read) type. */
export function parseElements(type: string, value: string): Subsetting {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0) throw badRequest('_elements needs at least one element name');
  for (const name of names) {
    // `Type.name` starts with a type's capital; `name.family` is a nested path, refused below.
    const dot = /^[A-Z]/.test(name) ? name.indexOf('.') : -1;
    const [owner, element] = dot < 0 ? [type, name] : [name.slice(0, dot), name.slice(dot + 1)];
    const table = SUMMARY_TABLES[owner];
    if (table === undefined) throw badRequest(`_elements: unknown resource type ${owner} in ${name}`);
    if (element.includes('.') || !resolvesTopLevel(table, element))
      throw badRequest(`_elements: ${owner} has no element ${element} (top-level element names only)`);
  }
  return { kind: 'elements', names };
}

function resolvesTopLevel(table: Table, name: string): boolean {
  const base = name.endsWith('[x]') ? name : (elementPath(table, '', name) ?? `${name}[x]`);
  return table[base] !== undefined;
}

export function parseSummary(value: string): Subsetting | 'count' | undefined {
  switch (value) {
    case 'true':
    case 'text':
    case 'data':
      return { kind: 'summary', mode: value };
    case 'count':
      return 'count';
    case 'false':
      return undefined;
    default:
      throw badRequest(`_summary: ${value} is not one of true, text, data, count, false`);
  }
}

/** `resource` as `how` asks, tagged SUBSETTED; the resource given is not changed. */
export function subsetResource<T extends Resource>(resource: T, how: Subsetting): T {
  const table = SUMMARY_TABLES[resource.resourceType] ?? {};
  const source = resource as unknown as Json;
  let kept: Json;
  if (how.kind === 'elements') {
    const wanted = new Set<string>();
    for (const name of how.names) {
      const dot = name.indexOf('.');
      if (dot >= 0 && name.slice(0, dot) !== resource.resourceType) continue;
      const element = dot < 0 ? name : name.slice(dot + 1);
      wanted.add(element.endsWith('[x]') ? element : (elementPath(table, '', element) ?? `${element}[x]`));
    }
    kept = pick(source, (key) => {
      const path = elementPath(table, '', key);
      return path !== undefined && (wanted.has(path) || isAlwaysKept(table, path));
    });
  } else if (how.mode === 'text') {
    kept = pick(source, (key) => {
      const path = elementPath(table, '', key);
      return path !== undefined && (path === 'text' || isAlwaysKept(table, path));
    });
  } else if (how.mode === 'data') {
    kept = pick(source, (key) => key !== 'text' && key !== '_text');
  } else {
    kept = summaryOf(source, table, '');
  }
  kept['resourceType'] = resource.resourceType;
  return tagged(kept) as unknown as T;
}

function isAlwaysKept(table: Table, path: string): boolean {
  return path === 'id' || path === 'meta' || (table[path] ?? '').includes('M');
}

function pick(source: Json, keep: (key: string) => boolean): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(source))
    if (key === 'resourceType' || keep(key)) out[key] = value;
  return out;
}

/** The summary of an object at `prefix` (the resource, or one of its backbone elements). */
function summaryOf(source: Json, table: Table, prefix: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'resourceType') continue;
    const path = elementPath(table, prefix, key);
    if (path === undefined) continue;
    const flags = table[path] ?? '-';
    const modifierExtension = key === 'modifierExtension';
    if (!flags.includes('S') && !flags.includes('M') && !modifierExtension) continue;
    const hash = flags.indexOf('#');
    const nested = hash >= 0 ? `${flags.slice(hash + 1)}.` : flags.includes('B') ? `${path}.` : undefined;
    if (nested === undefined || key.startsWith('_')) {
      out[key] = value;
    } else if (Array.isArray(value)) {
      out[key] = (value as unknown[]).map((item) => (isJson(item) ? summaryOf(item, table, nested) : item));
    } else {
      out[key] = isJson(value) ? summaryOf(value, table, nested) : value;
    }
  }
  return out;
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tagged(resource: Json): Json {
  const meta = isJson(resource['meta']) ? resource['meta'] : {};
  const tags = Array.isArray(meta['tag']) ? (meta['tag'] as Coding[]) : [];
  const has = tags.some((t) => t.system === SUBSETTED_TAG.system && t.code === SUBSETTED_TAG.code);
  return { ...resource, meta: { ...meta, tag: has ? tags : [...tags, SUBSETTED_TAG] } };
}

/** `_summary`/`_elements` of a read or vread (`count` is for searches only). */
export function readSubsetting(
  type: string,
  params: Readonly<Record<string, string | string[] | undefined>>,
): Subsetting | undefined {
  const summary = params['_summary'];
  const elements = params['_elements'];
  if (Array.isArray(summary) || Array.isArray(elements) || (summary !== undefined && elements !== undefined))
    throw badRequest('_summary and _elements: one of them, once');
  if (elements !== undefined) return parseElements(type, elements);
  if (summary === undefined) return undefined;
  const parsed = parseSummary(summary);
  if (parsed === 'count') throw badRequest('_summary=count answers searches only');
  return parsed;
}
