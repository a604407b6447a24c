import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { type FhirTables, type SchemaNode, refTarget } from './schema-types';

/**
 * Derives FhirTables from the R4 StructureDefinitions. They are 35 MB of JSON (300 ms and
 * 125 MB of heap to parse), too much for every process start, so the result is committed as
 * fhir-tables.generated.ts and fhir-tables.spec.ts checks it still matches the package.
 */
export function deriveFhirTables(
  definitions: Readonly<Record<string, SchemaNode>>,
  structureDefinitions: readonly StructureDefinition[],
): FhirTables {
  // Base definitions only: profiles (derivation = constraint) add no elements.
  const base = structureDefinitions.filter((sd) => sd.derivation !== 'constraint');
  const primitives = new Set(base.filter((sd) => sd.kind === 'primitive-type').map((sd) => sd.type));
  // System.String types (Extension.url, Element.id) are XML attributes: JSON may carry `_url`
  // (the schema has it) but an extension alone cannot stand for them.
  const isPrimitive = (code: string) =>
    primitives.has(code) || code.startsWith('http://hl7.org/fhirpath/System.');
  const hasExtensionForm = (code: string) => primitives.has(code);

  const children = new Map<string, ElementDefinition[]>();
  for (const sd of base) {
    if (sd.kind === 'primitive-type') continue;
    for (const element of sd.snapshot?.element ?? []) {
      const parent = element.path.slice(0, element.path.lastIndexOf('.'));
      if (parent === '') continue;
      const list = children.get(parent) ?? [];
      list.push(element);
      children.set(parent, list);
    }
  }

  const resourceTypes = base
    .filter((sd) => sd.kind === 'resource' && sd.abstract !== true && definitions[sd.type] !== undefined)
    .map((sd) => sd.type)
    .sort();

  const requiredElements: Record<string, Record<string, string[]>> = {};
  const nonR4Properties: Record<string, string[]> = {};
  const inconsistent: string[] = [];
  for (const [def, path] of [...definitionPaths(definitions, base)].sort(([a], [b]) => a.localeCompare(b))) {
    const elements = children.get(path);
    const node = definitions[def];
    if (elements === undefined || node?.properties === undefined) continue;
    const properties = node.properties;
    const allowed = new Set<string>();
    for (const element of elements) {
      for (const n of jsonNames(element.path.slice(path.length + 1), element, isPrimitive)) allowed.add(n);
    }
    // Medplum ships some StructureDefinitions changed from R4 (an R5-style EvidenceVariable,
    // Meta.accounts ...) but not the schema. Where they disagree, schema properties missing from
    // the StructureDefinition may well be R4: they are kept. Required elements are only taken
    // when the schema has them.
    const consistent = [...allowed].every((n) => n.startsWith('_') || properties[n] !== undefined);
    if (!consistent) inconsistent.push(def);
    const schemaRequired = new Set(node.required ?? []);
    for (const element of elements) {
      if ((element.min ?? 0) < 1) continue;
      const name = element.path.slice(path.length + 1);
      const present = jsonNames(name, element, hasExtensionForm).filter((n) => properties[n] !== undefined);
      if (present.length === 0 || (present.length === 1 && schemaRequired.has(present[0]))) continue;
      (requiredElements[def] ??= {})[name] = present;
    }
    const extra = Object.keys(properties).filter((p) => p !== 'resourceType' && !allowed.has(p));
    if (consistent && extra.length > 0) nonR4Properties[def] = extra;
  }
  return { resourceTypes, requiredElements, nonR4Properties, inconsistent };
}

/** JSON property names of one element: `status`/`_status`, `valueQuantity`, `valueString`/`_valueString` ... */
function jsonNames(
  name: string,
  element: ElementDefinition,
  withUnderscore: (code: string) => boolean,
): string[] {
  const types = element.type ?? [];
  if (name.endsWith('[x]')) {
    const stem = name.slice(0, -3);
    return types.flatMap((t) => {
      const typed = stem + t.code.charAt(0).toUpperCase() + t.code.slice(1);
      return withUnderscore(t.code) ? [typed, `_${typed}`] : [typed];
    });
  }
  const primitive = types.length > 0 && types.every((t) => withUnderscore(t.code));
  return primitive ? [name, `_${name}`] : [name];
}

/**
 * Element path of each schema definition: `Patient_Link` is `Patient.link`. Found by walking
 * the schema's references breadth-first, because names alone are ambiguous
 * (`ClaimResponse_Detail1` is `ClaimResponse.addItem.detail`); the shortest path is the one
 * that defines the element, longer ones are contentReference re-uses.
 */
function definitionPaths(
  definitions: Readonly<Record<string, SchemaNode>>,
  base: readonly StructureDefinition[],
): Map<string, string> {
  const paths = new Map<string, string>();
  const queue: string[] = [];
  for (const sd of base) {
    if ((sd.kind === 'resource' || sd.kind === 'complex-type') && definitions[sd.type] !== undefined) {
      paths.set(sd.type, sd.type);
      queue.push(sd.type);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const def = queue[i];
    const path = paths.get(def) as string;
    for (const [name, property] of Object.entries(definitions[def]?.properties ?? {})) {
      const target = refTarget(property);
      if (target?.includes('_') === true && !paths.has(target)) {
        paths.set(target, `${path}.${name}`);
        queue.push(target);
      }
    }
  }
  return paths;
}
