import { type DateRange, parseDateRange } from './dates';
import { normalizeReference, ofTypeKey, presenceKey, referenceKey, tokenKey } from './keys';
import { normalizeString } from './normalize';
import type { SearchParamDef, SearchParamKind } from './parameters';

/**
 * One row of the `search_value` table: a string (`str` normalized, `exact` as written), a number
 * or quantity range (`numLo`..`numHi`; `str` the unit code, `exact` the unit system), a date range
 * [dateLo, dateHi) in epoch ms, or a composite (`str` the first component's token key).
 */
export interface IndexRow {
  param: string;
  str: string | null;
  exact: string | null;
  numLo: number | null;
  numHi: number | null;
  dateLo: number | null;
  dateHi: number | null;
}

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const str = (o: Record<string, Json>, k: string): string | undefined =>
  typeof o[k] === 'string' && o[k] !== '' ? o[k] : undefined;

const blankRow = (param: string): IndexRow => ({
  param,
  str: null,
  exact: null,
  numLo: null,
  numHi: null,
  dateLo: null,
  dateHi: null,
});

/** Token keys of one value: code, boolean, Coding, CodeableConcept, Identifier, ContactPoint. */
export function tokenKeysOf(name: string, value: Json): string[] {
  const out: string[] = [];
  const add = (system: string | undefined, code: string | undefined) => {
    if (code === undefined || code === '') return;
    out.push(tokenKey(name, undefined, code));
    if (system) out.push(tokenKey(name, system, code), tokenKey(name, system, undefined));
    else out.push(tokenKey(name, null, code));
  };
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
    add(undefined, String(value));
  } else if (isRecord(value)) {
    if (Array.isArray(value.coding)) {
      for (const coding of value.coding as Json[]) out.push(...tokenKeysOf(name, coding));
    } else {
      add(str(value, 'system'), str(value, 'code') ?? str(value, 'value'));
    }
  }
  return out;
}

/** The display texts of a CodeableConcept or Coding, for `:text`. */
function textsOf(value: Json): string[] {
  if (!isRecord(value)) return [];
  const out: string[] = [];
  const text = str(value, 'text') ?? str(value, 'display');
  if (text) out.push(text);
  if (Array.isArray(value.coding)) for (const c of value.coding as Json[]) out.push(...textsOf(c));
  return out;
}

const NAME_PARTS = ['text', 'family', 'given', 'prefix', 'suffix'];
const ADDRESS_PARTS = ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'];

/** The strings a string parameter matches: each part of a HumanName or an Address on its own. */
function stringsOf(value: Json): string[] {
  if (typeof value === 'string') return [value];
  if (!isRecord(value)) return [];
  const parts = 'family' in value || 'given' in value ? NAME_PARTS : ADDRESS_PARTS;
  const out: string[] = [];
  for (const key of 'family' in value || 'given' in value || 'city' in value || 'line' in value
    ? parts
    : Object.keys(value).filter((k) => k !== 'extension' && k !== 'id')) {
    const v = value[key];
    for (const item of Array.isArray(v) ? (v as Json[]) : [v]) if (typeof item === 'string') out.push(item);
  }
  return out;
}

export function dateRangesOf(value: Json): DateRange[] {
  if (typeof value === 'string') {
    const range = parseDateRange(value);
    return range ? [range] : [];
  }
  if (!isRecord(value)) return [];
  if ('start' in value || 'end' in value) {
    const start = typeof value.start === 'string' ? parseDateRange(value.start) : undefined;
    const end = typeof value.end === 'string' ? parseDateRange(value.end) : undefined;
    return [{ lo: start ? start.lo : -Infinity, hi: end ? end.hi : Infinity }];
  }
  // Timing: its events
  if (Array.isArray(value.event)) return (value.event as Json[]).flatMap(dateRangesOf);
  return [];
}

/** Numbers and quantities as [lo, hi] with the unit: a Range's low and high, else one value. */
function quantitiesOf(
  value: Json,
): { lo: number; hi: number; code?: string; unit?: string; system?: string }[] {
  if (typeof value === 'number') return [{ lo: value, hi: value }];
  if (!isRecord(value)) return [];
  if ('low' in value || 'high' in value) {
    const low = isRecord(value.low) ? value.low : {};
    const high = isRecord(value.high) ? value.high : {};
    const unitOf = isRecord(value.low) ? low : high;
    return [
      {
        lo: typeof low.value === 'number' ? low.value : -Infinity,
        hi: typeof high.value === 'number' ? high.value : Infinity,
        code: str(unitOf, 'code'),
        unit: str(unitOf, 'unit'),
        system: str(unitOf, 'system'),
      },
    ];
  }
  if (typeof value.value !== 'number') return [];
  return [
    {
      lo: value.value,
      hi: value.value,
      code: str(value, 'code'),
      unit: str(value, 'unit'),
      system: str(value, 'system'),
    },
  ];
}

/** Collects the index of one resource, parameter value by parameter value. */
export class ValueSink {
  readonly tokens = new Set<string>();
  readonly refs = new Set<string>();
  readonly rows: IndexRow[] = [];

  constructor(private readonly localBases: readonly string[]) {}

  /** Indexes one value of `def`; answers the local target (`Type/id`) of a reference. */
  add(def: SearchParamDef, value: Json): string | undefined {
    const before = this.tokens.size + this.refs.size + this.rows.length;
    const target = this.addValue(def, value);
    if (this.tokens.size + this.refs.size + this.rows.length > before) this.tokens.add(presenceKey(def.name));
    return target;
  }

  private addValue(def: SearchParamDef, value: Json): string | undefined {
    const name = def.name;
    switch (def.kind) {
      case 'token':
        for (const key of tokenKeysOf(name, value)) this.tokens.add(key);
        for (const text of textsOf(value))
          this.rows.push({ ...blankRow(`${name}:text`), str: normalizeString(text), exact: text });
        if (isRecord(value) && isRecord(value.type) && typeof value.value === 'string') {
          for (const c of Array.isArray(value.type.coding) ? (value.type.coding as Json[]) : []) {
            if (isRecord(c) && str(c, 'system') && str(c, 'code'))
              this.tokens.add(ofTypeKey(name, c.system as string, c.code as string, value.value));
          }
        }
        return undefined;
      case 'uri':
        if (typeof value === 'string') this.tokens.add(tokenKey(name, undefined, value));
        return undefined;
      case 'reference':
        return this.addReference(def, value);
      case 'string':
        for (const s of stringsOf(value)) {
          const norm = normalizeString(s);
          if (norm !== '' || s !== '') this.rows.push({ ...blankRow(name), str: norm, exact: s });
        }
        return undefined;
      case 'date':
        for (const r of dateRangesOf(value))
          this.rows.push({ ...blankRow(name), dateLo: r.lo, dateHi: r.hi });
        return undefined;
      case 'number':
      case 'quantity':
        for (const q of quantitiesOf(value)) {
          const row = { ...blankRow(name), numLo: q.lo, numHi: q.hi, exact: q.system ?? null };
          this.rows.push({ ...row, str: q.code ?? q.unit ?? null });
          if (q.unit !== undefined && q.code !== undefined && q.unit !== q.code)
            this.rows.push({ ...row, str: q.unit, exact: null });
        }
        return undefined;
      case 'composite':
        return undefined;
    }
  }

  private addReference(def: SearchParamDef, value: Json): string | undefined {
    const name = def.name;
    if (isRecord(value) && isRecord(value.identifier)) {
      for (const key of tokenKeysOf(`${name}:identifier`, value.identifier)) this.tokens.add(key);
    }
    const reference =
      typeof value === 'string' ? value : isRecord(value) ? str(value, 'reference') : undefined;
    if (reference === undefined) return undefined;
    const target = normalizeReference(reference, this.localBases);
    if (!target) {
      // An absolute URL elsewhere or a canonical is matched as written; a contained `#id` is not indexed.
      if (/^(https?|urn):/.test(reference)) this.refs.add(referenceKey(name, reference));
      return undefined;
    }
    const [type, id] = target.split('/');
    if (def.targets && def.targets.length > 0 && !def.targets.includes(type)) return undefined;
    this.refs.add(referenceKey(name, target));
    this.refs.add(referenceKey(name, id));
    return target;
  }

  /** A composite whose first component is a token: rows keyed by each of its token keys. */
  composite(name: string, codes: Json[], kind: Exclude<SearchParamKind, 'composite'>, values: Json[]): void {
    // `system|*` (any code of a system) means nothing as the first half of a pair: not stored.
    const firstKeys = (v: Json) => tokenKeysOf('', v).filter((k) => !k.endsWith('|*'));
    const keys = codes.flatMap(firstKeys);
    if (keys.length === 0) return;
    const before = this.rows.length + this.tokens.size;
    for (const key of keys) {
      for (const value of values) {
        switch (kind) {
          case 'token':
            // A pair of tokens is one exact key of the GIN-indexed array, like a token.
            for (const second of firstKeys(value)) this.tokens.add(`${name}|${key}$${second}`);
            break;
          case 'string':
            for (const s of stringsOf(value))
              this.rows.push({ ...blankRow(name), str: `${key}$${normalizeString(s)}` });
            break;
          case 'date':
            for (const r of dateRangesOf(value))
              this.rows.push({ ...blankRow(name), str: key, dateLo: r.lo, dateHi: r.hi });
            break;
          case 'number':
          case 'quantity':
            for (const q of quantitiesOf(value))
              this.rows.push({ ...blankRow(name), str: key, numLo: q.lo, numHi: q.hi });
            break;
          case 'uri':
          case 'reference':
            break;
        }
      }
    }
    if (this.rows.length + this.tokens.size > before) this.tokens.add(presenceKey(name));
  }
}
