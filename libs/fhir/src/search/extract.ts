import type { Resource } from 'fhir/r4';
import { type SupportedType } from '../resource-types';
import { type DateRange, parseDateRange, unionRanges } from './dates';
import { PATIENT_LINK_PARAMS, SEARCH_PARAMS, type SearchParamDef } from './parameters';

/** What the store indexes for one resource version. */
export interface SearchIndexValues {
  tokens: string[];
  refs: string[];
  date?: DateRange;
  /** The patient whose compartment holds this resource (the Patient's own id for a Patient). */
  patientId?: string;
}

/** Escapes the separator so `system|value` pairs cannot collide ("a|b" + "c" vs "a" + "b|c"). */
export function escapeTokenPart(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

/**
 * Token keys, all matched by exact string: `name|system|code` (system and code),
 * `name|*|code` (code, any system), `name|system|*` (any code of a system) and
 * `name||code` (code with no system).
 */
export function tokenKey(name: string, system: string | undefined | null, code: string | undefined): string {
  const sys = system === undefined ? '*' : system === null ? '' : escapeTokenPart(system);
  const val = code === undefined ? '*' : escapeTokenPart(code);
  return `${name}|${sys}|${val}`;
}

export function referenceKey(name: string, target: string): string {
  return `${name}|${target}`;
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
      const found: Json[] = [];
      if (choice !== undefined) {
        for (const key of Object.keys(node)) {
          if (key.length > choice.length && key.startsWith(choice) && /[A-Z]/.test(key[choice.length])) {
            found.push(node[key]);
          }
        }
      } else if (segment in node) {
        found.push(node[segment]);
      }
      for (const f of found) {
        if (Array.isArray(f)) next.push(...(f as Json[]));
        else if (f !== undefined) next.push(f);
      }
    }
    current = next;
  }
  return current;
}

function tokensOf(name: string, value: Json, out: Set<string>): void {
  const add = (system: string | undefined, code: string | undefined) => {
    if (code === undefined || code === '') return;
    out.add(tokenKey(name, undefined, code));
    if (system) {
      out.add(tokenKey(name, system, code));
      out.add(tokenKey(name, system, undefined));
    } else {
      out.add(tokenKey(name, null, code));
    }
  };
  if (typeof value === 'string' || typeof value === 'boolean') {
    add(undefined, String(value));
    return;
  }
  if (!isRecord(value)) return;
  const str = (k: string) => (typeof value[k] === 'string' ? value[k] : undefined);
  if (Array.isArray(value.coding)) {
    for (const coding of value.coding as Json[]) tokensOf(name, coding, out);
    return;
  }
  // Identifier (system|value) or Coding (system|code)
  add(str('system'), str('code') ?? str('value'));
}

/** `Patient/123`, `Patient/123/_history/2` or an absolute URL on one of our bases → `Patient/123`. */
export function normalizeReference(
  reference: string,
  localBases: readonly string[] = [],
): string | undefined {
  let ref = reference;
  for (const base of localBases) {
    if (ref.startsWith(`${base}/`)) {
      ref = ref.slice(base.length + 1);
      break;
    }
  }
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(ref);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

function refsOf(def: SearchParamDef, value: Json, out: Set<string>, localBases: readonly string[]): string[] {
  const found: string[] = [];
  if (!isRecord(value) || typeof value.reference !== 'string') return found;
  const target = normalizeReference(value.reference, localBases);
  if (!target) return found;
  const [type, id] = target.split('/');
  if (def.targets && def.targets.length > 0 && !(def.targets as string[]).includes(type)) return found;
  out.add(referenceKey(def.name, target));
  out.add(referenceKey(def.name, id));
  found.push(target);
  return found;
}

export function extractSearchValues(
  type: SupportedType,
  resource: Resource,
  localBases: readonly string[] = [],
): SearchIndexValues {
  const tokens = new Set<string>();
  const refs = new Set<string>();
  const dates: DateRange[] = [];
  const refTargets = new Map<string, string[]>();
  for (const def of SEARCH_PARAMS[type]) {
    for (const path of def.paths) {
      for (const value of valuesAt(resource, path)) {
        switch (def.kind) {
          case 'token':
            tokensOf(def.name, value, tokens);
            break;
          case 'reference': {
            const targets = refsOf(def, value, refs, localBases);
            refTargets.set(def.name, [...(refTargets.get(def.name) ?? []), ...targets]);
            break;
          }
          case 'date': {
            const range = dateValueRange(value);
            if (range) dates.push(range);
            break;
          }
        }
      }
    }
  }
  let patientId: string | undefined;
  if (type === 'Patient') {
    patientId = resource.id;
  } else {
    for (const name of PATIENT_LINK_PARAMS) {
      const target = refTargets.get(name)?.find((t) => t.startsWith('Patient/'));
      if (target) {
        patientId = target.slice('Patient/'.length);
        break;
      }
    }
  }
  return { tokens: [...tokens], refs: [...refs], date: unionRanges(dates), patientId };
}

function dateValueRange(value: Json): DateRange | undefined {
  if (typeof value === 'string') return parseDateRange(value);
  if (isRecord(value) && ('start' in value || 'end' in value)) {
    const start = typeof value.start === 'string' ? parseDateRange(value.start) : undefined;
    const end = typeof value.end === 'string' ? parseDateRange(value.end) : undefined;
    return { lo: start ? start.lo : -Infinity, hi: end ? end.hi : Infinity };
  }
  return undefined;
}
