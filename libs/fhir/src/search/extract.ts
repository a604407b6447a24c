import {
  evalFhirPath,
  evalFhirPathTyped,
  type FhirPathAtom,
  parseFhirPath,
  toTypedValue,
} from '@medplum/core';
import type { Resource } from 'fhir/r4';
import { patientCompartmentParams, type SupportedType } from '../resource-types';
import { type DateRange, unionRanges } from './dates';
import { type IndexRow, ValueSink } from './index-values';
import { clinicalDateParam, SEARCH_PARAMS, type SearchParamDef } from './parameters';

export { escapeTokenPart, normalizeReference, presenceKey, referenceKey, tokenKey } from './keys';
export type { IndexRow } from './index-values';

/** What the store indexes for one resource version. */
export interface SearchIndexValues {
  /** Token, uri, `:of-type`, `:identifier` and presence (`:missing`) keys. */
  tokens: string[];
  /** Reference keys: `param|Type/id` and `param|id`. */
  refs: string[];
  /** Strings, dates, numbers, quantities and composites: rows of the `search_value` table. */
  rows: IndexRow[];
  /** The clinical period (clinicalDateParam), which consent decisions read. */
  date?: DateRange;
  /**
   * The patient of record: the first Patient the type's compartment parameters name, in the
   * official CompartmentDefinition's order (the Patient's own id for a Patient).
   */
  patientId?: string;
  /** Every Patient whose compartment holds this resource (patientId first); empty for directory data. */
  patientIds: string[];
}

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Collects every value at a dotted path; `x[x]` picks up all choice-type variants. */
export function valuesAt(root: Json, path: string): Json[] {
  let current: Json[] = [root];
  for (const segment of path.split('.')) {
    const next: Json[] = [];
    const choice = segment.endsWith('[x]') ? segment.slice(0, -3) : undefined;
    for (const node of current) {
      if (!isRecord(node)) continue;
      if (choice !== undefined) {
        for (const key of Object.keys(node)) {
          if (key.length > choice.length && key.startsWith(choice) && /[A-Z]/.test(key[choice.length])) {
            const f = node[key];
            if (Array.isArray(f)) next.push(...(f as Json[]));
            else if (f !== undefined) next.push(f);
          }
        }
      } else {
        const f = node[segment];
        if (Array.isArray(f)) next.push(...(f as Json[]));
        else if (f !== undefined) next.push(f);
      }
    }
    current = next;
  }
  return current;
}

const atoms = new Map<string, FhirPathAtom>();
function atom(expression: string): FhirPathAtom {
  let parsed = atoms.get(expression);
  if (!parsed) {
    parsed = parseFhirPath(expression);
    atoms.set(expression, parsed);
  }
  return parsed;
}

function referencesType(value: Json, type: string): boolean {
  if (!isRecord(value) || typeof value.reference !== 'string') return false;
  return value.reference.startsWith(`${type}/`) || value.reference.includes(`/${type}/`);
}

/**
 * A parameter's values in a resource: its plain paths walked directly when the definition is
 * only that (the fast path), else its FHIRPath expression run by @medplum/core.
 */
export function parameterValues(def: SearchParamDef, resource: Resource): Json[] {
  if (!def.paths) return evalFhirPath(atom(def.expression), resource);
  const out: Json[] = [];
  for (const spec of def.paths) {
    const arrow = spec.indexOf('->');
    if (arrow < 0) {
      out.push(...valuesAt(resource, spec));
    } else {
      const type = spec.slice(arrow + 2);
      out.push(...valuesAt(resource, spec.slice(0, arrow)).filter((v) => referencesType(v, type)));
    }
  }
  return out;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A composite's nodes by plain paths (`Observation | Observation.component`), else undefined. */
function compositeNodes(expression: string, resource: Resource): Json[] | undefined {
  const nodes: Json[] = [];
  for (const part of expression.split(' | ')) {
    const path = part.trim();
    if (path === resource.resourceType) nodes.push(resource);
    else if (/^[A-Z][A-Za-z]*(\.[a-z][A-Za-z]*)+$/.test(path) && path.startsWith(`${resource.resourceType}.`))
      nodes.push(...valuesAt(resource, path.slice(resource.resourceType.length + 1)));
    else return undefined;
  }
  return nodes;
}

/** A component's values on a node by plain keys (`code`, `value.as(Quantity)`), else undefined. */
function componentValues(expression: string, node: Json): Json[] | undefined {
  const values: Json[] = [];
  for (const part of expression.split(' | ')) {
    const cast = /^([a-z][A-Za-z]*)\.as\(([A-Za-z]+)\)$/.exec(part.trim());
    if (cast) values.push(...valuesAt(node, `${cast[1]}${cap(cast[2])}`));
    else if (/^[a-z][A-Za-z]*$/.test(part.trim())) values.push(...valuesAt(node, part.trim()));
    else return undefined;
  }
  return values;
}

/**
 * The (first component, second component) values of each node of a composite: by plain keys
 * when its expressions are only that (every R4 composite of the stored types, 15x faster than
 * the engine on an Observation), else by the FHIRPath engine. `engine` forces the latter.
 */
export function compositePairs(def: SearchParamDef, resource: Resource, engine = false): [Json[], Json[]][] {
  const [first, second] = def.components ?? [];
  if (!first || !second) return [];
  const nodes = engine ? undefined : compositeNodes(def.expression, resource);
  if (nodes) {
    const pairs = nodes.map((node) => [
      componentValues(first.expression, node),
      componentValues(second.expression, node),
    ]);
    if (pairs.every(([a, b]) => a && b)) return pairs as [Json[], Json[]][];
  }
  return evalFhirPathTyped(atom(def.expression), [toTypedValue(resource)]).map((node) => [
    evalFhirPathTyped(atom(first.expression), [node]).map((t) => t.value as Json),
    evalFhirPathTyped(atom(second.expression), [node]).map((t) => t.value as Json),
  ]);
}

function compositeValues(def: SearchParamDef, resource: Resource, sink: ValueSink): void {
  const [first, second] = def.components ?? [];
  if (!first || !second || first.kind !== 'token') return;
  for (const [codes, values] of compositePairs(def, resource)) {
    if (codes.length === 0 || values.length === 0) continue;
    sink.composite(def.name, codes, second.kind, values);
  }
}

export function extractSearchValues(
  type: SupportedType,
  resource: Resource,
  localBases: readonly string[] = [],
): SearchIndexValues {
  const sink = new ValueSink(localBases);
  const refTargets = new Map<string, string[]>();
  for (const def of SEARCH_PARAMS[type]) {
    if (def.kind === 'composite') {
      compositeValues(def, resource, sink);
      continue;
    }
    for (const value of parameterValues(def, resource)) {
      const target = sink.add(def, value);
      if (target) refTargets.set(def.name, [...(refTargets.get(def.name) ?? []), target]);
    }
  }
  const patientIds: string[] = [];
  if (type === 'Patient') {
    if (resource.id) patientIds.push(resource.id);
  } else {
    for (const name of patientCompartmentParams(type)) {
      for (const target of refTargets.get(name) ?? []) {
        const id = target.startsWith('Patient/') ? target.slice('Patient/'.length) : undefined;
        if (id && !patientIds.includes(id)) patientIds.push(id);
      }
    }
  }
  const clinical = clinicalDateParam(type);
  const dates = sink.rows
    .filter((r) => r.param === clinical && r.dateLo !== null && r.dateHi !== null)
    .map((r) => ({ lo: r.dateLo as number, hi: r.dateHi as number }));
  return {
    tokens: [...sink.tokens],
    refs: [...sink.refs],
    rows: sink.rows,
    date: unionRanges(dates),
    patientId: patientIds[0],
    patientIds,
  };
}
